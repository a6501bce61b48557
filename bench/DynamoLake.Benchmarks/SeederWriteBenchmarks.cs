using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;
using Seeder;

namespace DynamoLake.Benchmarks;

/// <summary>
/// Items/s into dynalite (started here on 127.0.0.1; needs npm ci --prefix tests/tools): our BatchWriter
/// (parallel, 25 per request, retries with jitter) against a plain sequential BatchWriteItem loop.
/// Items per second = <see cref="Items"/> / mean time.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 6)]
[MemoryDiagnoser]
public class SeederWriteBenchmarks
{
    public const int Items = 2_000;

    private LocalServer? _dynalite;
    private IAmazonDynamoDB? _client;
    private string _table = "";
    private List<WriteRequest> _writes = [];

    [Params(4, 8)]
    public int Parallelism { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dynalite = LocalServers.StartDynalite();
        _client = DynamoDbClients.Create(_dynalite.Endpoint, DynamoDbClients.LocalRegion);
        _table = "bench";
        TableSetup.CreateIfMissingAsync(_client, _table, TableContract.LoadEmbedded(), CancellationToken.None).GetAwaiter().GetResult();
        _writes = [.. TransactionGenerator.Items(new WorkloadOptions { Count = Items, Seed = 1 }).Select(w => new WriteRequest { PutRequest = new PutRequest { Item = w.Item } })];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.Dispose();
        _dynalite?.Dispose();
    }

    [Benchmark]
    public async Task<long> BatchWriter()
    {
        var outcome = await new BatchWriter(_client!, _table, ["transaction_id"], new Seeder.RetryPolicy(), Parallelism).WriteAsync(_writes, null, CancellationToken.None);
        return outcome.Done;
    }

    [Benchmark(Baseline = true)]
    public async Task<long> SequentialLoop()
    {
        long written = 0;
        for (var i = 0; i < _writes.Count; i += 25)
        {
            var pending = _writes.GetRange(i, Math.Min(25, _writes.Count - i));
            while (pending.Count > 0)
            {
                var response = await _client!.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [_table] = pending } });
                var left = response.UnprocessedItems is { } u && u.TryGetValue(_table, out var l) ? l : [];
                written += pending.Count - left.Count;
                pending = left;
            }
        }

        return written;
    }
}
