using System.Text;

namespace Seeder.Tests;

/// <summary>The deployed Seeder's window: recent by default (few active partitions), history only when asked.</summary>
public sealed class SeedRequestTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);

    private static WorkloadOptions Parse(string json) => SeedRequest.Parse(Encoding.UTF8.GetBytes(json), s_now).Options;

    [Fact]
    public void NoWindowGiven_IsTheLastHour_SoADemoStaysFarBelow500ActivePartitions()
    {
        var options = Parse("""{"count":5000}""");

        Assert.Equal(s_now - TimeSpan.FromHours(1), options.From);
        Assert.Equal(TimeSpan.FromHours(1), options.Window);

        // What the S3 path partitions by: region and the transaction's UTC hour.
        var partitions = TransactionGenerator.Items(options)
            .Select(w => (w.Item["region"].S, DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(w.Item["timestamp"].N, System.Globalization.CultureInfo.InvariantCulture)).ToString("yyyyMMddHH", System.Globalization.CultureInfo.InvariantCulture)))
            .Distinct()
            .Count();
        Assert.InRange(partitions, 1, 14);
        Assert.All(TransactionGenerator.Items(options), w => Assert.InRange(long.Parse(w.Item["timestamp"].N, System.Globalization.CultureInfo.InvariantCulture), (s_now - TimeSpan.FromHours(1)).ToUnixTimeMilliseconds(), s_now.ToUnixTimeMilliseconds()));
    }

    [Fact]
    public void WindowDaysAlone_EndsNow()
    {
        var options = Parse("""{"windowDays":7}""");

        Assert.Equal(s_now - TimeSpan.FromDays(7), options.From);
        Assert.Equal(TimeSpan.FromDays(7), options.Window);
    }

    [Fact]
    public void ExplicitFrom_IsHistory_WithTheDefaultWeek()
    {
        var options = Parse("""{"from":"2026-11-01T00:00:00Z"}""");

        Assert.Equal(WorkloadOptions.DefaultFrom, options.From);
        Assert.Equal(new WorkloadOptions().Window, options.Window);
    }

    [Fact]
    public void GeneratedRegions_AreExactlyTheContractsDeclaredValues_WhichAthenaProjects()
    {
        var declared = DynamoLake.Core.Contract.TableContract.LoadEmbedded().Columns.Find("region")!.Values!;

        var generated = TransactionGenerator.Items(new WorkloadOptions { Count = 2000, Seed = 3 }).Select(w => w.Item["region"].S).Distinct();

        Assert.Equal(declared.Order(StringComparer.Ordinal), generated.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryCategoricalValueGenerated_IsOneTheContractDeclares_AndTheSamplesFraudVocabularyAppears()
    {
        var contract = DynamoLake.Core.Contract.TableContract.LoadEmbedded();
        var items = TransactionGenerator.Items(new WorkloadOptions { Count = 3000, Seed = 5 }).Select(w => w.Item).ToList();

        foreach (var column in contract.Columns.Columns)
        {
            var fields = column.Type.Fields?.Columns ?? [];
            foreach (var (path, values, pick) in new[] { (column.Name, column.Values, (Func<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>, string?>)(i => i.TryGetValue(column.Name, out var v) ? v.S : null)) }
                .Concat(fields.Select(f => (column.Name + "." + f.Name, f.Values, (Func<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>, string?>)(i => i.TryGetValue(column.Name, out var m) && m.M.TryGetValue(f.Name, out var v) ? v.S : null)))))
            {
                if (values is null)
                {
                    continue;
                }

                var generated = items.Select(pick).Where(v => v is not null).Distinct().ToList();
                Assert.True(generated.All(values.Contains), $"{path}: {string.Join(",", generated.Except(values))} not declared");
            }
        }

        Assert.Contains(items, i => i["fraud_indicators"].M["velocity_check"].S == "FLAG");
        Assert.Contains(items, i => i["fraud_indicators"].M["amount_threshold"].S == "HIGH");
    }
}
