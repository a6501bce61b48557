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
}
