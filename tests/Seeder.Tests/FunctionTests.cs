using System.Text;
using System.Text.Json;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace Seeder.Tests;

[Collection(UsesDynalite.Name)]
public sealed class FunctionTests(DynaliteFixture dynalite)
{
    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Handler_ValidRequest_ReturnsTheSummaryAndLogsCountsOnly()
    {
        using var client = Clients.For(dynalite.Server);
        var table = Clients.NewTableName("fn");
        await TableSetup.CreateIfMissingAsync(client, table, TableContract.LoadEmbedded(), CancellationToken.None);
        var log = new StringWriter();
        var function = new Function(client, new SeederSettings { TableName = table }, Clients.FastRetry, log);

        using var response = await function.FunctionHandler(Request("""{"count":200,"seed":5,"updateFraction":0.5,"deleteFraction":0.2,"ttlFraction":0.1,"parallelism":3}"""));

        using var summary = await JsonDocument.ParseAsync(response);
        var root = summary.RootElement;
        Assert.Equal(table, root.GetProperty("table").GetString());
        Assert.Equal(200, root.GetProperty("written").GetInt64());
        Assert.True(root.GetProperty("updated").GetInt64() > 60);
        Assert.True(root.GetProperty("deleted").GetInt64() > 20);
        Assert.True(root.GetProperty("ttlItems").GetInt64() > 5);
        Assert.Equal(0, root.GetProperty("notWritten").GetInt64());
        Assert.True(root.GetProperty("durationMs").GetInt64() >= 0);
        var stored = await SourceTable.ScanAsync(client, table);
        Assert.Equal(200 - root.GetProperty("deleted").GetInt64(), stored.Count);
        Assert.DoesNotContain(stored.Keys.First(), log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("CUST", log.ToString(), StringComparison.Ordinal);
    }

    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Handler_WritesLeftUnwritten_FailsWithTheExactShortfall()
    {
        var faults = new FaultInjectingHandler(seed: 8) { NeverProcess = key => key.EndsWith('0') };
        using var client = Clients.For(dynalite.Server, faults);
        using var plain = Clients.For(dynalite.Server);
        var table = Clients.NewTableName("fn");
        await TableSetup.CreateIfMissingAsync(plain, table, TableContract.LoadEmbedded(), CancellationToken.None);
        var function = new Function(client, new SeederSettings { TableName = table }, Clients.FastRetry with { MaxAttempts = 3 }, TextWriter.Null);
        var options = new WorkloadOptions { Count = 300, Seed = 6, DeleteFraction = 0 };
        var stuck = TransactionGenerator.Items(options).Count(w => w.Key.EndsWith('0'));

        var error = await Assert.ThrowsAsync<SeedException>(() => function.FunctionHandler(Request("""{"count":300,"seed":6,"deleteFraction":0,"from":"2026-11-01T00:00:00Z"}""")));

        Assert.StartsWith($"{stuck} of 300 items not written", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"count":-1}""", "count must be between 1")]
    [InlineData("""{"count":5,"updateFraction":2}""", "updateFraction must be between 0 and 1")]
    [InlineData("""{"count":5,"parallelism":0}""", "parallelism must be between 1 and 64")]
    [InlineData("""{"cuont":5}""", "cuont")]
    [InlineData("""{"count":"5"}""", "invalid seed request")]
    [InlineData("""not json""", "invalid seed request")]
    public async Task Handler_InvalidRequest_FailsNamingTheProblemWithoutTouchingTheTable(string json, string problem)
    {
        using var client = DynamoDbClients.Create(new Uri("http://127.0.0.1:9"), DynamoDbClients.LocalRegion);
        var function = new Function(client, new SeederSettings { TableName = "t" }, Clients.FastRetry, TextWriter.Null);

        var error = await Assert.ThrowsAsync<SeedException>(() => function.FunctionHandler(Request(json)));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_WithoutTableName_FailNamingTheVariable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => SeederSettings.From(_ => null));

        Assert.Contains("TABLE_NAME", error.Message, StringComparison.Ordinal);
    }

    private static MemoryStream Request(string json) => new(Encoding.UTF8.GetBytes(json));
}
