using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoLake.Core.Contract;

namespace Seeder;

/// <summary>
/// The seed workload against one table: all inserts (BatchWriteItem), then the status updates
/// (conditional UpdateItem), then the deletes (BatchWriteItem), so that the stream carries INSERT, MODIFY
/// and REMOVE records, and TTL items for DynamoDB's own deletes.
/// </summary>
internal sealed class SeedRun
{
    private readonly IAmazonDynamoDB _client;
    private readonly TableContract _contract;
    private readonly RetryPolicy _retry;

    public SeedRun(IAmazonDynamoDB client, TableContract contract, RetryPolicy retry)
    {
        _client = client;
        _contract = contract;
        _retry = retry;
    }

    /// <summary>The phases, in order, for progress reports.</summary>
    internal enum Phase
    {
        Insert,
        Update,
        Delete,
    }

    /// <summary>How many writes each phase will make, for progress bars.</summary>
    public static (int Inserts, int Updates, int Deletes, int Ttl) Plan(WorkloadOptions options)
    {
        int updates = 0, deletes = 0, ttl = 0;
        for (var i = 0; i < options.Count; i++)
        {
            var plan = TransactionGenerator.Plan(options, i);
            updates += plan.Update ? 1 : 0;
            deletes += plan.Delete ? 1 : 0;
            ttl += plan.Ttl ? 1 : 0;
        }

        return (options.Count, updates, deletes, ttl);
    }

    /// <summary>The items a phase touches; only those are made again (an item is a pure function of its index).</summary>
    private static IEnumerable<WorkloadItem> Selected(IWorkload workload, Func<(bool Update, bool Delete, bool Ttl), bool> phase) =>
        Enumerable.Range(0, workload.Options.Count).Where(i => phase(workload.Plan(i))).Select(workload.Create);

    /// <summary>Runs the workload; the summary accounts for every write. Throws <see cref="SeedException"/> for a missing table.</summary>
    public async Task<SeedSummary> RunAsync(string table, WorkloadOptions options, int parallelism, Action<Phase, long>? progress, CancellationToken cancellationToken)
    {
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new SeedException("invalid seed options: " + string.Join(" ", problems));
        }

        await TableSetup.RequireAsync(_client, table, cancellationToken);

        // The sample's transactions when they fit the contract, else items made from the contract itself.
        var workload = Workloads.For(_contract, options);
        var keyAttributes = workload.Key.Select(k => k.Attribute).ToArray();
        var ttlItems = Enumerable.Range(0, options.Count).Count(i => workload.Plan(i).Ttl);
        var watch = Stopwatch.StartNew();
        var writer = new BatchWriter(_client, table, keyAttributes, _retry, parallelism);

        var inserts = await writer.WriteAsync(
            Enumerable.Range(0, options.Count).Select(workload.Create).Select(w => new WriteRequest { PutRequest = new PutRequest { Item = w.Item } }),
            Report(Phase.Insert),
            cancellationToken);

        // A transaction's update is a conditional status transition; a contract item's is the item as updated, put again.
        var updates = workload is TransactionWorkload
            ? await new ItemUpdater(_client, table, keyAttributes[0], _retry, parallelism).UpdateAsync(
                Selected(workload, plan => plan.Update).Select(w => (w.Key, w.Update!)),
                Report(Phase.Update),
                cancellationToken)
            : await writer.WriteAsync(
                Selected(workload, plan => plan.Update).Select(w => new WriteRequest { PutRequest = new PutRequest { Item = workload.Updated(w) } }),
                Report(Phase.Update),
                cancellationToken);

        var deletes = await writer.WriteAsync(
            Selected(workload, plan => plan.Delete).Select(w => new WriteRequest
            {
                DeleteRequest = new DeleteRequest { Key = keyAttributes.ToDictionary(a => a, a => w.Item[a], StringComparer.Ordinal) },
            }),
            Report(Phase.Delete),
            cancellationToken);

        return new SeedSummary
        {
            Table = table,
            Seed = options.Seed,
            Count = options.Count,
            Written = inserts.Done,
            NotWritten = inserts.Failed,
            Updated = updates.Done,
            UpdatesSkipped = updates.Skipped,
            NotUpdated = updates.Failed,
            Deleted = deletes.Done,
            NotDeleted = deletes.Failed,
            TtlItems = ttlItems,
            Retries = inserts.Retries + updates.Retries + deletes.Retries,
            Duration = watch.Elapsed,
        };

        IProgress<long>? Report(Phase phase) => progress is null ? null : new Progress(phase, progress);
    }

    private sealed class Progress(Phase phase, Action<Phase, long> report) : IProgress<long>
    {
        public void Report(long value) => report(phase, value);
    }
}
