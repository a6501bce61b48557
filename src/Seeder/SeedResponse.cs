namespace Seeder;

/// <summary>The Seeder function's response: the summary as JSON.</summary>
internal sealed record SeedResponse(
    string Table,
    long Seed,
    int Count,
    long Written,
    long Updated,
    long UpdatesSkipped,
    long Deleted,
    long TtlItems,
    long Retries,
    long NotWritten,
    long NotUpdated,
    long NotDeleted,
    long DurationMs,
    double ItemsPerSecond)
{
    public static SeedResponse From(SeedSummary s) => new(
        s.Table, s.Seed, s.Count, s.Written, s.Updated, s.UpdatesSkipped, s.Deleted, s.TtlItems, s.Retries,
        s.NotWritten, s.NotUpdated, s.NotDeleted, (long)s.Duration.TotalMilliseconds, Math.Round(s.ItemsPerSecond, 1));
}
