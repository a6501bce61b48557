using System.Globalization;

namespace Seeder;

/// <summary>What to seed: how many transactions, from which seed, and what happens to them afterwards.</summary>
public sealed record WorkloadOptions
{
    /// <summary>
    /// The default window starts on a fixed day so that a seed alone fixes every item on every machine and
    /// every day. Pass <see cref="From"/> for recent data.
    /// </summary>
    public static readonly DateTimeOffset DefaultFrom = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public const int MaxCount = 10_000_000;

    /// <summary>Transactions to insert.</summary>
    public int Count { get; init; } = 1_000;

    public long Seed { get; init; } = 1;

    /// <summary>Share of transactions inserted as PENDING and later moved to APPROVED, DECLINED or FLAGGED.</summary>
    public double UpdateFraction { get; init; } = 0.3;

    /// <summary>
    /// Share of the updated transactions whose update also re-dates them to an earlier UTC day (timestamp,
    /// date, hour, minute): a change of the Iceberg table's partition source, which the contract declares
    /// immutable, so that the Transform's partition_moved handling is exercised. 0 by default.
    /// </summary>
    public double MoveFraction { get; init; }

    /// <summary>Share of transactions deleted after the updates (some of them updated first).</summary>
    public double DeleteFraction { get; init; } = 0.1;

    /// <summary>Share of transactions carrying <c>expires_at</c>, so DynamoDB's TTL deletes them in AWS.</summary>
    public double TtlFraction { get; init; } = 0.05;

    /// <summary>Start of the UTC window the transaction timestamps fall in.</summary>
    public DateTimeOffset From { get; init; } = DefaultFrom;

    public TimeSpan Window { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How long after its timestamp a TTL transaction expires.</summary>
    public TimeSpan TtlAfter { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Every problem with these options, each naming the option; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Count is < 1 or > MaxCount)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"count must be between 1 and {MaxCount:N0}, not {Count}."));
        }

        Fraction(problems, "updateFraction", UpdateFraction);
        Fraction(problems, "deleteFraction", DeleteFraction);
        Fraction(problems, "moveFraction", MoveFraction);
        Fraction(problems, "ttlFraction", TtlFraction);
        if (Window <= TimeSpan.Zero)
        {
            problems.Add("window must be positive.");
        }

        if (TtlAfter < TimeSpan.Zero)
        {
            problems.Add("ttlAfter must not be negative.");
        }

        return problems;
    }

    private static void Fraction(List<string> problems, string name, double value)
    {
        if (!(value is >= 0 and <= 1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be between 0 and 1, not {value}."));
        }
    }
}
