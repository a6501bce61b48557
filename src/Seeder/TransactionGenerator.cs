using System.Globalization;
using Amazon.DynamoDBv2.Model;
using DynamoLake.Core.Contract;

namespace Seeder;

/// <summary>
/// Realistic card transactions of the contract's shape, each a pure function of (seed, index): regions
/// with their currencies, merchant categories with their own amount ranges (exact cents, long tail),
/// a diurnal hour pattern, risk from category, amount and hour, fraud indicators that follow the risk,
/// and statuses that follow both.
/// </summary>
internal static class TransactionGenerator
{
    // Every categorical value comes from the contract (Vocabulary); weights and correlations live here.
    // Literal lists, each value checked against the contract: positions pair them with their weights, so a value
    // added to or reordered in the contract cannot silently change a seed's data.
    private static readonly string[] s_regions = Vocabulary.Each("region", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "eu-west-2", "ap-southeast-1", "ap-southeast-2");
    private static readonly string[] s_currencies = [.. new[] { "USD", "USD", "EUR", "EUR", "GBP", "SGD", "AUD" }.Select(c => Vocabulary.Of("currency", c))];
    private static readonly double[] s_regionWeights = [30, 18, 16, 10, 10, 8, 8];

    private static readonly Category[] s_categories =
    [
        new("grocery", 6, 150, 35_000, 0.05, InStore: true),
        new("restaurants", 5, 500, 30_000, 0.05, InStore: true),
        new("gas_station", 5, 1_000, 15_000, 0.08, InStore: true),
        new("online_retail", 4, 300, 250_000, 0.30, InStore: false),
        new("travel", 2, 5_000, 800_000, 0.35, InStore: false),
        new("electronics", 2, 1_500, 600_000, 0.40, InStore: false),
        new("entertainment", 3, 500, 40_000, 0.10, InStore: false),
        new("healthcare", 2, 1_000, 200_000, 0.10, InStore: true),
        new("utilities", 2, 2_000, 60_000, 0.02, InStore: false),
        new("jewelry", 1, 5_000, 2_000_000, 0.55, InStore: true),
    ];

    private static readonly double[] s_categoryWeights = [.. s_categories.Select(c => c.Weight)];
    private static readonly string[] s_categoryNames = [.. s_categories.Select(c => Vocabulary.Of("merchant_category", c.Name))];

    // Share of transactions per UTC hour of day: quiet nights, a lunch and an evening peak.
    private static readonly double[] s_hourWeights = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 3.5, 4, 4.5, 5.5, 6.5, 6, 5, 4.8, 5, 5.5, 6.5, 7, 6, 4.5, 3, 1.8];

    private static readonly string[] s_transactionTypes = Vocabulary.Each("transaction_type", "PURCHASE", "REFUND", "WITHDRAWAL", "TRANSFER");
    private static readonly double[] s_transactionTypeWeights = [85, 5, 5, 5];
    private static readonly string[] s_paymentMethods = Vocabulary.Each("payment_method", "credit_card", "debit_card", "digital_wallet", "bank_transfer");
    private static readonly double[] s_paymentMethodWeights = [45, 30, 18, 7];
    private static readonly string[] s_authenticationMethods = Vocabulary.Each("transaction_metadata.authentication_method", "chip_pin", "contactless", "biometric", "password", "3ds", "none");
    private static readonly string s_pos = Vocabulary.Of("transaction_metadata.device_type", "pos");
    private static readonly string s_mobile = Vocabulary.Of("transaction_metadata.device_type", "mobile");
    private static readonly string s_web = Vocabulary.Of("transaction_metadata.device_type", "web");
    private static readonly string[] s_risks = [Vocabulary.Of("risk_score", "LOW"), Vocabulary.Of("risk_score", "MEDIUM"), Vocabulary.Of("risk_score", "HIGH")];
    private static readonly string s_pending = Vocabulary.Of("status", "PENDING");
    private static readonly string[] s_finalStatuses = [Vocabulary.Of("status", "APPROVED"), Vocabulary.Of("status", "DECLINED"), Vocabulary.Of("status", "FLAGGED")];

    // The fraud indicators in the sample's vocabulary (PASS/FLAG, NORMAL/HIGH), correlated with risk.
    private static readonly string[] s_velocity = [Vocabulary.Of("fraud_indicators.velocity_check", "PASS"), Vocabulary.Of("fraud_indicators.velocity_check", "FLAG")];
    private static readonly string[] s_amountThreshold = [Vocabulary.Of("fraud_indicators.amount_threshold", "NORMAL"), Vocabulary.Of("fraud_indicators.amount_threshold", "HIGH")];
    private static readonly string[] s_locationRisk = [Vocabulary.Of("fraud_indicators.location_risk", "LOW"), Vocabulary.Of("fraud_indicators.location_risk", "MEDIUM"), Vocabulary.Of("fraud_indicators.location_risk", "HIGH")];
    private static readonly string[] s_patternMatch = [Vocabulary.Of("fraud_indicators.pattern_match", "NORMAL"), Vocabulary.Of("fraud_indicators.pattern_match", "SUSPICIOUS")];

    /// <summary>Every transaction of the workload, in index order, created lazily.</summary>
    /// <summary>
    /// Why the sample's transactions cannot be written to a table of <paramref name="contract"/>: another key,
    /// or a required column whose attribute a transaction never has. Null when the contract fits them.
    /// </summary>
    public static string? Refusal(TableContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var key = contract.UniqueKey.Select(c => c.Source).ToArray();
        if (key is not ["transaction_id"])
        {
            return $"the workload writes the sample's transactions, keyed by transaction_id; {contract.SourceName} is keyed by {string.Join(" + ", key)}. A workload for other contracts is not built yet: seed your table yourself and use --endpoint, or run the sample.";
        }

        if (contract.Entity is { } entity)
        {
            return $"the sample's transactions are no entity of a shared table; {contract.SourceName} takes the items with {entity}.";
        }

        var written = Items(new WorkloadOptions { Count = 200, TtlFraction = 0.5 }).SelectMany(i => i.Item.Keys).ToHashSet(StringComparer.Ordinal);
        var missing = contract.Columns.Columns.Where(c => c.Required && c.Derived == DerivedField.None && !written.Contains(c.Source)).Select(c => c.Name).ToList();
        return missing.Count == 0
            ? null
            : $"the workload writes the sample's transactions, which never have the attribute of the required column(s) {string.Join(", ", missing)} of {contract.SourceName}.";
    }

    public static IEnumerable<WorkloadItem> Items(WorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        for (var i = 0; i < options.Count; i++)
        {
            yield return Create(options, i);
        }
    }

    /// <summary>What the workload does to the transaction at <paramref name="index"/>, without making it (cheap).</summary>
    public static (bool Update, bool Delete, bool Ttl) Plan(WorkloadOptions options, int index)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new SeedRandom(options.Seed, index);
        return (random.Chance(options.UpdateFraction), random.Chance(options.DeleteFraction), random.Chance(options.TtlFraction));
    }

    /// <summary>The transaction at <paramref name="index"/> and what the workload does to it.</summary>
    public static WorkloadItem Create(WorkloadOptions options, int index)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new SeedRandom(options.Seed, index);

        // The workload's decisions come first so that a fraction changes only what it governs.
        var willUpdate = random.Chance(options.UpdateFraction);
        var willDelete = random.Chance(options.DeleteFraction);
        var hasTtl = random.Chance(options.TtlFraction);

        var id = string.Create(CultureInfo.InvariantCulture, $"txn_{random.NextUInt64():x16}{random.NextUInt64():x16}");
        var customers = Math.Max(100, options.Count / 5);
        var customerId = string.Create(CultureInfo.InvariantCulture, $"CUST{random.Next(customers):D7}");

        var region = random.Pick(s_regionWeights);
        var category = s_categories[random.Pick(s_categoryWeights)];
        var timestamp = Timestamp(ref random, options);
        var time = DateTimeOffset.FromUnixTimeMilliseconds(timestamp);

        var amountCents = random.NextSkewed(category.MinCents, category.MaxCents);
        var type = random.Pick(s_transactionTypeWeights);

        // Risk: the category's own risk, large amounts for the category, and night hours.
        var amountShare = (double)(amountCents - category.MinCents) / (category.MaxCents - category.MinCents);
        var night = time.Hour is >= 0 and < 5 ? 0.15 : 0.0;
        var riskValue = (category.Risk * 0.5) + (amountShare * 0.6) + night + (random.NextDouble() * 0.35);
        var risk = riskValue switch
        {
            >= 0.75 => Risk.High,
            >= 0.45 => Risk.Medium,
            _ => Risk.Low,
        };

        var deviceType = category.InStore ? (random.Chance(0.8) ? s_pos : s_mobile) : (random.Chance(0.6) ? s_mobile : s_web);
        var authentication = ReferenceEquals(deviceType, s_pos)
            ? s_authenticationMethods[random.Next(2)]
            : s_authenticationMethods[2 + random.Next(s_authenticationMethods.Length - 2)];

        StatusUpdate? update = null;
        string status;
        long? processedAt;
        if (willUpdate)
        {
            status = s_pending;
            processedAt = null;
            update = new StatusUpdate(FinalStatus(ref random, risk), NotAfterWindow(timestamp + 1_000 + random.Next(120_000), options));
        }
        else
        {
            status = random.Chance(0.02) ? s_pending : FinalStatus(ref random, risk);
            processedAt = ReferenceEquals(status, s_pending) ? null : NotAfterWindow(timestamp + 50 + random.Next(3_000), options);
        }

        long? expiresAt = hasTtl ? (timestamp / 1000) + (long)options.TtlAfter.TotalSeconds : null;

        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["transaction_id"] = S(id),
            ["timestamp"] = N(timestamp),
            ["customer_id"] = S(customerId),
            ["date"] = S(time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            ["hour"] = N(time.Hour),
            ["minute"] = N(time.Minute),
            ["transaction_type"] = S(s_transactionTypes[type]),
            ["amount"] = new AttributeValue { N = Money(amountCents) },
            ["currency"] = S(s_currencies[region]),
            ["merchant_category"] = S(s_categoryNames[Array.IndexOf(s_categories, category)]),
            ["payment_method"] = S(s_paymentMethods[random.Pick(s_paymentMethodWeights)]),
            ["region"] = S(s_regions[region]),
            ["risk_score"] = S(s_risks[(int)risk]),
            ["status"] = S(status),
            ["transaction_metadata"] = new AttributeValue
            {
                M = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
                {
                    ["device_type"] = S(deviceType),
                    ["authentication_method"] = S(authentication),
                    ["merchant_id"] = S(string.Create(CultureInfo.InvariantCulture, $"MERCH{Array.IndexOf(s_categories, category):D2}{random.Next(2_000):D4}")),
                },
            },
            ["fraud_indicators"] = new AttributeValue
            {
                M = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
                {
                    ["velocity_check"] = S(s_velocity[random.Chance(ByRisk(risk, 0.02, 0.10, 0.45)) ? 1 : 0]),
                    ["amount_threshold"] = S(s_amountThreshold[amountShare > 0.5 ? 1 : 0]),
                    ["location_risk"] = S(s_locationRisk[random.Chance(ByRisk(risk, 0.03, 0.15, 0.50)) ? 2 : random.Chance(0.2) ? 1 : 0]),
                    ["pattern_match"] = S(s_patternMatch[random.Chance(ByRisk(risk, 0.01, 0.08, 0.40)) ? 1 : 0]),
                },
            },
        };
        if (processedAt is { } processed)
        {
            item["processing_timestamp"] = N(processed);
        }

        if (expiresAt is { } expires)
        {
            item["expires_at"] = N(expires);
        }

        // Drawn last, so that the fraction changes nothing else of the item.
        if (update is not null && random.Chance(options.MoveFraction))
        {
            update = update with { Timestamp = timestamp - ((1 + random.Next(3)) * 86_400_000L) };
        }

        return new WorkloadItem(index, id, item, update, willDelete, expiresAt);
    }

    /// <summary>The attributes an update sets: status and processing time, and for a re-dated one its time and the parts derived from it.</summary>
    internal static Dictionary<string, AttributeValue> UpdatedAttributes(StatusUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var set = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["status"] = S(update.Status),
            ["processing_timestamp"] = N(update.ProcessingTimestamp),
        };
        if (update.Timestamp is { } moved)
        {
            var time = DateTimeOffset.FromUnixTimeMilliseconds(moved);
            set["timestamp"] = N(moved);
            set["date"] = S(time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            set["hour"] = N(time.Hour);
            set["minute"] = N(time.Minute);
        }

        return set;
    }

    /// <summary>Cents as the exact decimal text DynamoDB stores (no float on the way).</summary>
    internal static string Money(long cents) =>
        string.Create(CultureInfo.InvariantCulture, $"{cents / 100}.{cents % 100:D2}");

    // A time in [From, From + Window): a day of the window and an hour of that UTC day by the hour weights, so
    // that the hours are clock hours whatever time of day the window starts (days counted from the UTC
    // midnight at or before From; a draw outside the window is drawn again, and after 8 tries clamped).
    private static long Timestamp(ref SeedRandom random, WorkloadOptions options)
    {
        var from = options.From.ToUnixTimeMilliseconds();
        var end = from + (long)options.Window.TotalMilliseconds;
        var origin = from - Mod(from, 86_400_000L);
        var days = Math.Max(1, (end - origin + 86_400_000L - 1) / 86_400_000L);
        for (var attempt = 0; ; attempt++)
        {
            var time = origin
                + (random.Next((int)Math.Min(days, int.MaxValue)) * 86_400_000L)
                + (random.Pick(s_hourWeights) * 3_600_000L)
                + (long)(random.NextDouble() * 3_600_000);
            if ((time >= from && time < end) || attempt == 8)
            {
                return Math.Clamp(time, from, end - 1);
            }
        }
    }

    // A time after the transaction (processing, a later status) never lies after the window's end: the run's "now".
    private static long NotAfterWindow(long time, WorkloadOptions options) =>
        Math.Min(time, (options.From + options.Window).ToUnixTimeMilliseconds() - 1);

    private static long Mod(long value, long modulus) => ((value % modulus) + modulus) % modulus;

    private static string FinalStatus(ref SeedRandom random, Risk risk) => risk switch
    {
        Risk.High => s_finalStatuses[random.Pick([35, 25, 40])],
        Risk.Medium => s_finalStatuses[random.Pick([85, 10, 5])],
        _ => s_finalStatuses[random.Chance(0.97) ? 0 : 1],
    };

    private static double ByRisk(Risk risk, double low, double medium, double high) =>
        risk switch { Risk.High => high, Risk.Medium => medium, _ => low };

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private enum Risk
    {
        Low,
        Medium,
        High,
    }

    private sealed record Category(string Name, double Weight, long MinCents, long MaxCents, double Risk, bool InStore);
}
