using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace Seeder.Tests;

/// <summary>The seeder against dynalite, which enforces DynamoDB's 25-item and duplicate-key limits.</summary>
[Collection(UsesDynalite.Name)]
public sealed class SeedRunDynaliteTests(DynaliteFixture dynalite)
{
    private static readonly TableContract s_contract = TableContract.LoadEmbedded();

    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Seed_Workload_LeavesExactlyTheExpectedItems()
    {
        using var client = Clients.For(dynalite.Server);
        var table = await NewTableAsync(client);
        var options = new WorkloadOptions { Count = 1_000, Seed = 7 };

        var summary = await new SeedRun(client, s_contract, Clients.FastRetry).RunAsync(table, options, parallelism: 4, progress: null, CancellationToken.None);

        var expected = SourceTable.Expected(options);
        Assert.True(summary.Complete, summary.Shortfall());
        Assert.Equal(1_000, summary.Written);
        Assert.Equal(TransactionGenerator.Items(options).Count(w => w.Update is not null), summary.Updated);
        Assert.Equal(0, summary.UpdatesSkipped);
        Assert.Equal(1_000 - expected.Count, summary.Deleted);
        Assert.Empty(SourceTable.Differences(expected, await SourceTable.ScanAsync(client, table)));
    }

    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Seed_UnderThrottlingServerErrorsAndPartialBatches_LosesNothing()
    {
        var faults = new FaultInjectingHandler(seed: 1) { ThrottleRate = 0.15, ServerErrorRate = 0.10, ErrorAfterApplyRate = 0.10, PartialRate = 0.30 };
        using var client = Clients.For(dynalite.Server, faults);
        using var plain = Clients.For(dynalite.Server);
        var table = await NewTableAsync(plain);
        var options = new WorkloadOptions { Count = 1_500, Seed = 11 };

        var summary = await new SeedRun(client, s_contract, Clients.FastRetry).RunAsync(table, options, parallelism: 4, progress: null, CancellationToken.None);

        Assert.True(summary.Complete, summary.Shortfall());
        Assert.True(faults.Throttled > 0 && faults.ServerErrors > 0 && faults.AppliedThenFailed > 0 && faults.Partial > 0, "every kind of fault was injected");
        Assert.True(summary.Retries >= faults.Throttled + faults.ServerErrors + faults.AppliedThenFailed + faults.Partial);
        Assert.Equal(1_500, summary.Written);
        Assert.Equal(0, summary.UpdatesSkipped);
        Assert.Empty(SourceTable.Differences(SourceTable.Expected(options), await SourceTable.ScanAsync(plain, table)));
    }

    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Seed_RetryBudgetSpent_ReportsTheExactNumberNotWritten()
    {
        var options = new WorkloadOptions { Count = 400, Seed = 3, UpdateFraction = 0, DeleteFraction = 0 };
        var stuck = TransactionGenerator.Items(options).Select(w => w.Key).Where((_, i) => i % 37 == 0).ToHashSet();
        var faults = new FaultInjectingHandler(seed: 2) { PartialRate = 0.2, NeverProcess = stuck.Contains };
        using var client = Clients.For(dynalite.Server, faults);
        using var plain = Clients.For(dynalite.Server);
        var table = await NewTableAsync(plain);

        var summary = await new SeedRun(client, s_contract, Clients.FastRetry with { MaxAttempts = 4 }).RunAsync(table, options, parallelism: 4, progress: null, CancellationToken.None);

        Assert.False(summary.Complete);
        Assert.Equal(stuck.Count, summary.NotWritten);
        Assert.Equal(400 - stuck.Count, summary.Written);
        Assert.StartsWith($"{stuck.Count} of 400 items not written", summary.Shortfall(), StringComparison.Ordinal);
        var stored = await SourceTable.ScanAsync(plain, table);
        Assert.Equal(400 - stuck.Count, stored.Count);
        Assert.DoesNotContain(stored.Keys, stuck.Contains);
    }

    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Writer_RepeatedKeys_NeverShareARequestAndLandInOrder()
    {
        using var client = Clients.For(dynalite.Server);
        var table = await NewTableAsync(client);
        var items = TransactionGenerator.Items(new WorkloadOptions { Count = 60, Seed = 5 }).ToList();

        // Each item three times in a row, last one with a marker: dynalite refuses a request with a repeated key.
        var writes = items.SelectMany(w => Enumerable.Range(0, 3).Select(round => new WriteRequest
        {
            PutRequest = new PutRequest { Item = new Dictionary<string, AttributeValue>(w.Item) { ["status"] = new() { S = round == 2 ? "LAST" : "EARLIER" } } },
        }));

        var outcome = await new BatchWriter(client, table, ["transaction_id"], Clients.FastRetry, parallelism: 4).WriteAsync(writes, null, CancellationToken.None);

        Assert.Equal(180, outcome.Done);
        var stored = await SourceTable.ScanAsync(client, table);
        Assert.Equal(60, stored.Count);
        Assert.All(stored.Values, item => Assert.Equal("LAST", item["status"].S));
    }

    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Writer_ItemOver400KB_IsRefusedAndCountedWhileTheRestLand()
    {
        using var client = Clients.For(dynalite.Server);
        var table = await NewTableAsync(client);
        var items = TransactionGenerator.Items(new WorkloadOptions { Count = 30, Seed = 9 }).Select(w => w.Item).ToList();
        items[4]["note"] = new AttributeValue { S = new string('x', 410 * 1024) };

        var outcome = await new BatchWriter(client, table, ["transaction_id"], Clients.FastRetry, parallelism: 2)
            .WriteAsync(items.Select(i => new WriteRequest { PutRequest = new PutRequest { Item = i } }), null, CancellationToken.None);

        Assert.Equal(29, outcome.Done);
        Assert.Equal(1, outcome.Failed);
        Assert.Equal(29, (await SourceTable.ScanAsync(client, table)).Count);
    }

    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Update_OfADeletedItem_DoesNotResurrectIt()
    {
        using var client = Clients.For(dynalite.Server);
        var table = await NewTableAsync(client);
        var w = TransactionGenerator.Items(new WorkloadOptions { Count = 50, Seed = 1 }).First(x => x.Update is not null);
        await client.PutItemAsync(table, w.Item);
        await client.DeleteItemAsync(table, new Dictionary<string, AttributeValue> { ["transaction_id"] = new() { S = w.Key } });

        var outcome = await new ItemUpdater(client, table, "transaction_id", Clients.FastRetry, 1).UpdateAsync([(w.Key, w.Update!)], null, CancellationToken.None);

        Assert.Equal(1, outcome.Skipped);
        Assert.Equal(0, outcome.Done);
        Assert.Empty(await SourceTable.ScanAsync(client, table));
    }

    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Update_AppliedButAnswered500_CountsAsDoneNotSkipped()
    {
        var faults = new FaultInjectingHandler(seed: 4) { ErrorAfterApplyRate = 1.0 };
        using var plain = Clients.For(dynalite.Server);
        using var client = Clients.For(dynalite.Server, faults);
        var table = await NewTableAsync(plain);
        var w = TransactionGenerator.Items(new WorkloadOptions { Count = 50, Seed = 1 }).First(x => x.Update is not null);
        await plain.PutItemAsync(table, w.Item);

        var outcome = await new ItemUpdater(client, table, "transaction_id", Clients.FastRetry, 1).UpdateAsync([(w.Key, w.Update!)], null, CancellationToken.None);

        Assert.Equal(1, outcome.Done);
        Assert.Equal(1, outcome.Retries);
        Assert.Equal(w.Update!.Status, (await SourceTable.ScanAsync(plain, table))[w.Key]["status"].S);
    }

    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Seed_MissingTable_FailsNamingIt()
    {
        using var client = Clients.For(dynalite.Server);

        var error = await Assert.ThrowsAsync<SeedException>(() =>
            new SeedRun(client, s_contract, Clients.FastRetry).RunAsync("no-such-table", new WorkloadOptions { Count = 5 }, 1, null, CancellationToken.None));

        Assert.Contains("table 'no-such-table' does not exist", error.Message, StringComparison.Ordinal);
    }

    private static async Task<string> NewTableAsync(IAmazonDynamoDB client)
    {
        var table = Clients.NewTableName("seed");
        await TableSetup.CreateIfMissingAsync(client, table, s_contract, CancellationToken.None);
        return table;
    }
}
