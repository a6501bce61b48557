using System.Text;
using DynamoLake.Local.Pipeline;
using Seeder;

using DynamoLake.Testing;

namespace DynamoLake.Local.Tests;

/// <summary>
/// Kinesis Data Streams for DynamoDB may carry one item's changes out of order (ADR 0011): what the lake does
/// then. Within one request the Transform puts them back in order; across requests the Iceberg table keeps
/// the last to arrive (Firehose applies in arrival order), which parity reports, while the change log's
/// current-state view, which picks the newest change, stays equal to the source.
/// </summary>
[Collection(UsesConsole.Name)]
public sealed class OutOfOrderSourceTests : IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-test-");

    private string Lake => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Pipeline_ItemsModifyBeforeItsInsertInALaterRequest_TableKeepsTheOlderImageAndTheViewTheNewest()
    {
        var (result, key) = await RunWithOneKeySwapped(requestBytes: 2 * 1024);

        Assert.NotEmpty(result.Differences);
        Assert.All(result.Differences, d => Assert.StartsWith($"{key}.", d, StringComparison.Ordinal));
        Assert.Contains(result.Differences, d => d.StartsWith($"{key}.status: source ", StringComparison.Ordinal));
        Assert.Empty(result.ViewDifferences);
    }

    [Fact]
    public async Task Pipeline_ItemsModifyBeforeItsInsertInTheSameRequest_NewestWinsAndTheLakeEqualsTheSource()
    {
        var (result, _) = await RunWithOneKeySwapped(requestBytes: 4 << 20);

        Assert.True(result.Equal, string.Join("; ", result.Differences.Concat(result.ViewDifferences)));
    }

    private async Task<(PipelineResult Result, string Key)> RunWithOneKeySwapped(int requestBytes)
    {
        var workload = new WorkloadOptions { Count = 200, Seed = 21, DeleteFraction = 0, TtlFraction = 0 };
        var source = new SwappedSource(new ChangeCapture(workload, "transactions", DateTimeOffset.MaxValue));
        var options = new PipelineOptions { Workload = workload, Out = Lake, Shards = 1, RequestBytes = requestBytes };

        var result = await new PipelineRun().RunAsync(options, source, progress: null, CancellationToken.None);

        return (result, source.Swapped!);
    }

    // The first item that is modified has its MODIFY carried before its INSERT, as Kinesis may.
    private sealed class SwappedSource(ChangeCapture inner) : IChangeSource
    {
        public string? Swapped { get; private set; }

        public IEnumerable<CapturedChange> Changes(CancellationToken cancellationToken)
        {
            var changes = inner.Changes(cancellationToken).ToList();
            var modify = changes.FindIndex(c => Encoding.UTF8.GetString(c.Record).Contains("\"eventName\":\"MODIFY\"", StringComparison.Ordinal));
            var key = changes[modify].Key;
            var insert = changes.FindIndex(c => c.Key == key);
            Assert.True(insert < modify);
            (changes[insert], changes[modify]) = (changes[modify], changes[insert]);
            Swapped = key;
            return changes;
        }

        public IAsyncEnumerable<KeyValuePair<string, byte[]>> FinalState(CancellationToken cancellationToken) => inner.FinalState(cancellationToken);
    }
}
