using System.Globalization;
using System.Text;
using System.Text.Json;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace Seeder.Tests;

public sealed class TransactionGeneratorTests
{
    private static readonly WorkloadOptions s_options = new() { Count = 5_000, Seed = 42 };

    [Fact]
    public void Refusal_TheSampleFits_OthersAreRefusedWithTheReason()
    {
        var sample = File.ReadAllText(Path.Combine(RepoPaths.Root, "schema", "transactions.json"));
        var orders = TableContract.Parse(Encoding.UTF8.GetBytes(sample.Replace("\"transaction_id\"", "\"order_id\"", StringComparison.Ordinal)), "orders.json");
        var required = TableContract.Parse(Encoding.UTF8.GetBytes(sample.Replace("\"columns\": [", "\"columns\": [\n    { \"name\": \"loyalty_tier\", \"type\": \"string\", \"required\": true },", StringComparison.Ordinal)), "tier.json");

        Assert.Null(TransactionGenerator.Refusal(TableContract.LoadEmbedded()));
        Assert.Contains("orders.json is keyed by order_id", TransactionGenerator.Refusal(orders), StringComparison.Ordinal);
        Assert.Contains("required column(s) loyalty_tier of tier.json", TransactionGenerator.Refusal(required), StringComparison.Ordinal);
    }

    [Fact]
    public void Generator_SameSeed_GivesTheSameItems()
    {
        var first = Canonical(TransactionGenerator.Items(s_options).Take(200));
        var again = Canonical(TransactionGenerator.Items(s_options with { }).Take(200));
        var other = Canonical(TransactionGenerator.Items(s_options with { Seed = 43 }).Take(200));

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Generator_Seed42_MatchesTheCommittedSample()
    {
        // The generator uses no libm and no System.Random: this file holds on every machine and .NET version.
        var path = Path.Combine(RepoPaths.Root, "tests", "Seeder.Tests", "seed-42-first-3.json");
        var actual = Canonical(TransactionGenerator.Items(s_options).Take(3));
        if (!File.Exists(path) && !LocalServers.InCi)
        {
            File.WriteAllText(path, actual + "\n");
            Assert.Fail($"{path} was missing and has been written: review it and commit it.");
        }

        var expected = File.ReadAllText(path).ReplaceLineEndings("\n").TrimEnd();

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Generator_ItemAtIndex_DoesNotDependOnOtherItems()
    {
        var all = TransactionGenerator.Items(s_options).ToList();

        var alone = TransactionGenerator.Create(s_options, 1234);

        Assert.Equal(Canonical([all[1234]]), Canonical([alone]));
    }

    [Fact]
    public void Generator_Items_HaveEveryContractColumnWithItsDynamoDbType()
    {
        var contract = TableContract.LoadEmbedded();
        var sources = contract.Columns.Columns.Where(c => c.Derived == DerivedField.None).ToList();

        foreach (var w in TransactionGenerator.Items(s_options))
        {
            foreach (var column in sources)
            {
                if (!w.Item.TryGetValue(column.Source, out var value))
                {
                    Assert.False(column.Required, $"{w.Key}: required column {column.Name} is missing");
                    continue;
                }

                switch (column.Type.Kind)
                {
                    case ColumnKind.String or ColumnKind.Date:
                        Assert.NotNull(value.S);
                        break;
                    case ColumnKind.Struct:
                        Assert.NotNull(value.M);
                        Assert.All(column.Type.Fields!.Columns, f => Assert.NotNull(value.M[f.Source].S));
                        break;
                    default:
                        Assert.NotNull(value.N);
                        break;
                }
            }

            var declared = sources.Select(c => c.Source).ToHashSet();
            Assert.All(w.Item.Keys, name => Assert.Contains(name, declared));
        }
    }

    [Fact]
    public void Generator_Amounts_AreExactCentsWithinCategoryRanges()
    {
        foreach (var w in TransactionGenerator.Items(s_options))
        {
            var text = w.Item["amount"].N;
            Assert.Matches(@"^\d+\.\d{2}$", text);
            Assert.InRange(decimal.Parse(text, CultureInfo.InvariantCulture), 1.50m, 20_000m);
        }
    }

    [Fact]
    public void Generator_TimeColumns_AgreeWithTheTimestampInsideTheWindow()
    {
        var from = s_options.From.ToUnixTimeMilliseconds();
        var to = (s_options.From + s_options.Window).ToUnixTimeMilliseconds();
        foreach (var w in TransactionGenerator.Items(s_options))
        {
            var ms = long.Parse(w.Item["timestamp"].N, CultureInfo.InvariantCulture);
            Assert.InRange(ms, from, to - 1);
            var time = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            Assert.Equal(time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), w.Item["date"].S);
            Assert.Equal(time.Hour.ToString(CultureInfo.InvariantCulture), w.Item["hour"].N);
            Assert.Equal(time.Minute.ToString(CultureInfo.InvariantCulture), w.Item["minute"].N);
        }
    }

    [Fact]
    public void Generator_FraudIndicators_FollowRisk()
    {
        var items = TransactionGenerator.Items(s_options).Select(w => w.Item).ToList();

        double FailRate(string risk)
        {
            var group = items.Where(i => i["risk_score"].S == risk).ToList();
            Assert.True(group.Count > 100, $"too few {risk} items ({group.Count}) to compare");
            return group.Count(i => i["fraud_indicators"].M["velocity_check"].S == "FLAG") / (double)group.Count;
        }

        Assert.True(FailRate("HIGH") > 2 * FailRate("MEDIUM"), $"{FailRate("HIGH")} {FailRate("MEDIUM")} {FailRate("LOW")}");
        Assert.True(FailRate("MEDIUM") > 2 * FailRate("LOW"));
        Assert.True(items.Count(i => i["risk_score"].S == "HIGH" && i["status"].S == "FLAGGED") > items.Count(i => i["risk_score"].S == "LOW" && i["status"].S == "FLAGGED"));
        Assert.Equal(7, items.Select(i => i["region"].S).Distinct().Count());
        Assert.Equal(10, items.Select(i => i["merchant_category"].S).Distinct().Count());
    }

    [Fact]
    public void Workload_Fractions_AreHonouredAndUpdatesStartPending()
    {
        var items = TransactionGenerator.Items(s_options).ToList();

        Assert.InRange(items.Count(w => w.Update is not null) / 5_000.0, 0.27, 0.33);
        Assert.InRange(items.Count(w => w.Delete) / 5_000.0, 0.08, 0.12);
        Assert.InRange(items.Count(w => w.ExpiresAt is not null) / 5_000.0, 0.04, 0.06);
        Assert.All(items.Where(w => w.Update is not null), w =>
        {
            Assert.Equal("PENDING", w.Item["status"].S);
            Assert.False(w.Item.ContainsKey("processing_timestamp"));
            Assert.Contains(w.Update!.Status, new[] { "APPROVED", "DECLINED", "FLAGGED" });
            Assert.True(w.Update.ProcessingTimestamp > long.Parse(w.Item["timestamp"].N, CultureInfo.InvariantCulture));
        });
        Assert.All(items.Where(w => w.ExpiresAt is not null), w =>
            Assert.Equal((long.Parse(w.Item["timestamp"].N, CultureInfo.InvariantCulture) / 1000) + 86_400, long.Parse(w.Item["expires_at"].N, CultureInfo.InvariantCulture)));
        Assert.Equal(5_000, items.Select(w => w.Key).Distinct().Count());
    }

    [Fact]
    public void Workload_ZeroFractions_InsertOnly()
    {
        var items = TransactionGenerator.Items(s_options with { UpdateFraction = 0, DeleteFraction = 0, TtlFraction = 0 }).ToList();

        Assert.DoesNotContain(items, w => w.Update is not null || w.Delete || w.ExpiresAt is not null);
    }

    [Theory]
    [InlineData(0, 0.3, "count must be between 1")]
    [InlineData(10, 1.5, "updateFraction must be between 0 and 1")]
    [InlineData(10, double.NaN, "updateFraction must be between 0 and 1")]
    public void Options_Invalid_NameTheProblem(int count, double updateFraction, string problem)
    {
        var problems = new WorkloadOptions { Count = count, UpdateFraction = updateFraction }.Problems();

        Assert.Contains(problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    internal static string Canonical(IEnumerable<WorkloadItem> items)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (var w in items)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("item");
                DynamoDbJson.WriteItem(writer, new SortedDictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>(w.Item, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal));
                if (w.Update is { } update)
                {
                    writer.WriteString("update", update.Status);
                    writer.WriteNumber("processedAt", update.ProcessingTimestamp);
                }

                writer.WriteBoolean("delete", w.Delete);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()).ReplaceLineEndings("\n");
    }
}
