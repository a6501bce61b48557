using CsCheck;
using DynamoLake.Local.Pipeline;
using DynamoLake.Testing;
using Seeder;

namespace DynamoLake.Local.Tests;

/// <summary>
/// The two changes Firehose would apply in the wrong Iceberg partition — a re-dating MODIFY and a REMOVE that
/// carries only its key — run through the whole local path, whose Iceberg-equivalent deletes only within the
/// record's partition as Firehose does. The lake then differs from the table, and must never do so silently:
/// every key that differs has a change the Transform failed with the reason code, and nothing else fails.
/// </summary>
[Collection(UsesConsole.Name)]
public sealed class PartitionScopedPipelineTests : IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-scope-");

    private string Lake => Path.Combine(_temp.Path, "lake");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public Task ReDatingUpdates_FailAsPartitionMoved_AndExplainEveryDifference() =>
        OverSeedsAndShards(seed => new WorkloadOptions { Count = 400, Seed = seed, UpdateFraction = 0.5, MoveFraction = 0.4 }, w => w.Update?.Timestamp is not null, streamView: null, "partition_moved");

    [Fact]
    public Task KeyOnlyDeletes_FailAsUnknownPartition_AndExplainEveryDifference() =>
        OverSeedsAndShards(seed => new WorkloadOptions { Count = 400, Seed = seed }, w => w.Delete || w.ExpiresAt is not null, StreamViews.NewImage, "unknown_partition");

    [Fact]
    public async Task WithoutMovesOrKeyOnlyDeletes_TheStreamsShapedSourceEndsInParity()
    {
        var result = await Run(new WorkloadOptions { Count = 600, Seed = 8 }, shards: 3, StreamViews.NewAndOldImages, run: 1);

        Assert.True(result.Equal, string.Join("; ", result.Differences.Concat(result.ViewDifferences).Take(5)));
        Assert.Equal(0, result.Transform.Failed);
    }

    // A property over random seeds and shard counts: the workload's changes of one kind (touched) are refused with
    // the reason, and explain every difference parity finds.
    private async Task OverSeedsAndShards(Func<int, WorkloadOptions> workloadOf, Func<WorkloadItem, bool> touched, string? streamView, string reason)
    {
        var runs = 0;
        await Gen.Select(Gen.Int[1, 1_000_000], Gen.Int[1, 6]).SampleAsync(
            async t =>
            {
                var (seed, shards) = t;
                var workload = workloadOf(seed);
                var run = Interlocked.Increment(ref runs);
                var result = await Run(workload, shards, streamView, run);

                AssertExplained(result, Keys(workload, touched), FailedKeys(run), reason, $"seed {seed}, {shards} shards");
            },
            iter: 6,
            threads: 1);
    }

    private async Task<PipelineResult> Run(WorkloadOptions workload, int shards, string? streamView, int run)
    {
        var options = new PipelineOptions
        {
            Workload = workload,
            Out = Path.Combine(Lake, $"run-{run}"),
            Shards = shards,
            Shuffle = true,
            RequestBytes = 8 * 1024,
            StreamView = streamView,
        };
        var source = new ChangeCapture(workload, options.Table, workload.From + workload.Window + workload.TtlAfter, streamView);
        return await new PipelineRun().RunAsync(options, source, progress: null, CancellationToken.None);
    }

    // The keys of the records in the lake's error output (what the Transform and PartitionKeys refused).
    private HashSet<string> FailedKeys(int run) =>
        ErrorObjects.Read(new LakePaths(Path.Combine(Lake, $"run-{run}"), "analytics", "transactions").ProcessingFailed)
            .Select(e => System.Text.Json.JsonDocument.Parse(e.RawData).RootElement.GetProperty("dynamodb").GetProperty("Keys").GetProperty("transaction_id").GetProperty("S").GetString()!)
            .ToHashSet(StringComparer.Ordinal);

    private static void AssertExplained(PipelineResult result, HashSet<string> touched, HashSet<string> failed, string reason, string what)
    {
        Assert.True(touched.Count > 0, $"{what}: the workload made no such change");
        Assert.Subset(touched, failed); // only the changes the workload made that way were refused
        Assert.False(result.Equal, $"{what}: the lake cannot equal the table after Firehose applied these in the wrong partition");
        Assert.True(result.FailedByReason.TryGetValue(("Transform", reason), out var count) && count > 0, $"{what}: no {reason} failure");
        Assert.Equal(count, result.Transform.Failed); // nothing else failed
        foreach (var difference in result.Differences.Where(d => d != "…"))
        {
            var key = difference.Split('.', ':')[0];
            Assert.True(failed.Contains(key), $"{what}: '{difference}' has no refused record in the error output");
        }
    }

    private static HashSet<string> Keys(WorkloadOptions workload, Func<WorkloadItem, bool> which) =>
        Enumerable.Range(0, workload.Count).Select(i => TransactionGenerator.Create(workload, i)).Where(which).Select(w => w.Key).ToHashSet(StringComparer.Ordinal);
}
