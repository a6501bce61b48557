using System.Globalization;

namespace Seeder;

/// <summary>What a seed run did. Every planned write is in exactly one count.</summary>
internal sealed record SeedSummary
{
    public required string Table { get; init; }

    public required long Seed { get; init; }

    /// <summary>Transactions planned (inserted).</summary>
    public required int Count { get; init; }

    public required long Written { get; init; }

    public required long Updated { get; init; }

    /// <summary>Updates not applied because the item was gone or no longer PENDING.</summary>
    public required long UpdatesSkipped { get; init; }

    public required long Deleted { get; init; }

    /// <summary>Items carrying the TTL attribute (DynamoDB deletes them once expired).</summary>
    public required long TtlItems { get; init; }

    public required long Retries { get; init; }

    public required long NotWritten { get; init; }

    public required long NotUpdated { get; init; }

    public required long NotDeleted { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>All writes confirmed by DynamoDB (skipped updates are by design, not failures).</summary>
    public bool Complete => NotWritten == 0 && NotUpdated == 0 && NotDeleted == 0;

    /// <summary>Write operations (puts, updates, deletes) per second.</summary>
    public double ItemsPerSecond => (Written + Updated + Deleted) / Math.Max(Duration.TotalSeconds, 1e-9);

    /// <summary>The exact shortfall, for the error of an incomplete run.</summary>
    public string Shortfall() => string.Create(
        CultureInfo.InvariantCulture,
        $"{NotWritten} of {Count} items not written, {NotUpdated} updates and {NotDeleted} deletes not applied to table '{Table}' after the retry budget ran out ({Retries} retries).");
}
