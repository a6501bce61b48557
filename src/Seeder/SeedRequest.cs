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

    public double? DeleteFraction { get; init; }

    public double? TtlFraction { get; init; }

    /// <summary>Start of the timestamp window (ISO 8601, UTC); the fixed default keeps runs reproducible.</summary>
    public DateTimeOffset? From { get; init; }

    public double? WindowDays { get; init; }

    public double? TtlAfterHours { get; init; }

    /// <summary>Requests in flight at once (1–64).</summary>
    public int? Parallelism { get; init; }

    public const int DefaultParallelism = 8;

    public const int MaxParallelism = 64;

    /// <summary>Parses and validates a request; any problem throws <see cref="SeedException"/> naming it.</summary>
    public static (WorkloadOptions Options, int Parallelism) Parse(ReadOnlySpan<byte> json)
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
        var options = new WorkloadOptions
        {
            Count = request.Count ?? defaults.Count,
            Seed = request.Seed ?? defaults.Seed,
            UpdateFraction = request.UpdateFraction ?? defaults.UpdateFraction,
            DeleteFraction = request.DeleteFraction ?? defaults.DeleteFraction,
            TtlFraction = request.TtlFraction ?? defaults.TtlFraction,
            From = request.From ?? defaults.From,
            Window = request.WindowDays is { } days ? TimeSpan.FromDays(days) : defaults.Window,
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
