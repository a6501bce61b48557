using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace Seeder.Tests;

/// <summary>The seeder against moto, the local AWS the pipeline reads streams from.</summary>
[Collection(UsesMoto.Name)]
public sealed class SeedRunMotoTests(MotoFixture moto)
{
    [RequiresServerFact(LocalServers.Moto)]
    public async Task Seed_Workload_LeavesExactlyTheExpectedItems()
    {
        using var client = Clients.For(moto.Server);
        var contract = TableContract.LoadEmbedded();
        var table = Clients.NewTableName("seed");
        var notes = await TableSetup.CreateIfMissingAsync(client, table, contract, CancellationToken.None);
        var options = new WorkloadOptions { Count = 600, Seed = 21 };

        var summary = await new SeedRun(client, contract, Clients.FastRetry).RunAsync(table, options, parallelism: 4, progress: null, CancellationToken.None);

        Assert.True(summary.Complete, summary.Shortfall());
        Assert.DoesNotContain(notes, n => n.StartsWith("TTL", StringComparison.Ordinal));
        Assert.Empty(SourceTable.Differences(SourceTable.Expected(options), await SourceTable.ScanAsync(client, table)));
        var ttl = await client.DescribeTimeToLiveAsync(table);
        Assert.Equal("expires_at", ttl.TimeToLiveDescription.AttributeName);
    }
}
