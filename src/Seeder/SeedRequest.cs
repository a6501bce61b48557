using System.Text.Json;

namespace Seeder;

/// <summary>
/// The Seeder function's request, e.g. <c>{"count":1000,"seed":42,"updateFraction":0.3}</c>. Every field is
/// optional; unknown fields are refused so that a typo is not silently ignored.
/// </summary>
internal sealed record SeedRequest
{
    public int? Count { get; init; }

    public long? Seed { get; init; }

    public double? UpdateFraction { get; init; }

    /// <summary>Share of the updated transactions re-dated to an earlier day (see <see cref="WorkloadOptions.MoveFraction"/>).</summary>
    public double? MoveFraction { get; init; }

    public double? DeleteFraction { get; init; }

    public double? TtlFraction { get; init; }

    /// <summary>Start of the timestamp window (ISO 8601, UTC). Without it the window ends now.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Length of the window; without it and without <see cref="From"/> the window is the last hour.</summary>
    public double? WindowDays { get; init; }

    /// <summary>
    /// The deployed Seeder's default window: the last hour. Firehose's dynamic partitioning keeps at most 500
    /// partitions active per buffer (default quota); a week over 7 regions by hour is 1,176 partitions, and the
    /// excess would go to the error prefix. History is an explicit choice (<c>from</c> / <c>windowDays</c>).
    /// </summary>
    public static readonly TimeSpan DefaultRecentWindow = TimeSpan.FromHours(1);

    public double? TtlAfterHours { get; init; }

    /// <summary>Requests in flight at once (1–64).</summary>
    public int? Parallelism { get; init; }

    public const int DefaultParallelism = 8;

    public const int MaxParallelism = 64;

    /// <summary>Parses and validates a request; any problem throws <see cref="SeedException"/> naming it.</summary>
    /// <param name="json">The request.</param>
    /// <param name="now">The end of the default window (the last hour, or <c>windowDays</c> back from now).</param>
    public static (WorkloadOptions Options, int Parallelism) Parse(ReadOnlySpan<byte> json, DateTimeOffset now)
    {
        SeedRequest request;
        try
        {
            request = JsonSerializer.Deserialize(json, SeederJsonContext.Default.SeedRequest)
                ?? throw new SeedException("invalid seed request: expected a JSON object, got null.");
        }
        catch (JsonException e)
        {
            throw new SeedException($"invalid seed request: {e.Message}", e);
        }

        var defaults = new WorkloadOptions();
        var window = request.WindowDays is { } days ? TimeSpan.FromDays(days) : request.From is null ? DefaultRecentWindow : defaults.Window;
        var from = request.From ?? (window > TimeSpan.Zero ? now - window : now);
        var options = new WorkloadOptions
        {
            Count = request.Count ?? defaults.Count,
            Seed = request.Seed ?? defaults.Seed,
            UpdateFraction = request.UpdateFraction ?? defaults.UpdateFraction,
            MoveFraction = request.MoveFraction ?? defaults.MoveFraction,
            DeleteFraction = request.DeleteFraction ?? defaults.DeleteFraction,
            TtlFraction = request.TtlFraction ?? defaults.TtlFraction,
            From = from,
            Window = window,
            TtlAfter = request.TtlAfterHours is { } hours ? TimeSpan.FromHours(hours) : defaults.TtlAfter,
        };
        var problems = options.Problems().ToList();
        var parallelism = request.Parallelism ?? DefaultParallelism;
        if (parallelism is < 1 or > MaxParallelism)
        {
            problems.Add($"parallelism must be between 1 and {MaxParallelism}, not {parallelism}.");
        }

        return problems.Count > 0
            ? throw new SeedException("invalid seed request: " + string.Join(" ", problems))
            : (options, parallelism);
    }
}
