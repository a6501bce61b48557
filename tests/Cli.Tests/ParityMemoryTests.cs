using DynamoLake.Core.Contract;
using DynamoLake.Local.Pipeline;
using Seeder;

using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>A slice of parity that does not fit in DuckDB's memory is cut smaller and compared in parts, finding the same.</summary>
[Collection(UsesConsole.Name)]
public sealed class ParityMemoryTests : IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-parity-memory-");

    private string Lake => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Parity_SliceTooLargeForMemory_IsCutSmallerAndFindsTheSame()
    {
        // About 255,000 items in one slice against DuckDB held to 160 MB on one thread: the whole slice does not
        // fit (1.5 million changes failed so before, issue 20), a quarter does (measured: 192 MB fits whole).
        var workload = new WorkloadOptions { Count = 300_000, Seed = 12, From = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero) };
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--count", "300000", "--seed", "12", "--from", "2026-11-01", "--lake", Lake);
        Assert.True(exit == 0, stderr);
        var contract = TableContract.LoadEmbedded();
        var source = new ChangeCapture(workload, "transactions", DateTimeOffset.MaxValue);
        var keys = new List<string>();
        await foreach (var (k, _) in source.FinalState(CancellationToken.None))
        {
            keys.Add(k);
        }

        keys.Sort(StringComparer.Ordinal);
        var (first, last) = (keys[0], keys[^1]);

        // One relation equal to the source, one with a changed amount and a missing row, and the change log's view.
        Parity.Relation[] relations =
        [
            Parity.Relation.Table("transactions"),
            Parity.Relation.Table($"(SELECT * REPLACE (CASE WHEN transaction_id = '{last}' THEN amount + 0.01 ELSE amount END AS amount) FROM transactions WHERE transaction_id <> '{first}')"),
            Parity.CurrentView(contract),
        ];
        using var tight = LakeDatabase.Open(new LakePaths(Lake, "analytics", "transactions"), contract, TemplateFacts.LoadEmbedded().ChangeLogProjection);
        tight.Bound(Path.Combine(Lake, ".work", "tight"), 160);
        tight.Execute("SET threads = 1"); // DuckDB's buffers are per thread: one, so the limit means the same on any machine

        var cut = await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), tight, relations, expectedRows: 1, new Parity.Options(), CancellationToken.None);

        Assert.True(cut.SplitSlices > 0, "the slice fitted whole: the test no longer exercises cutting");
        Assert.Equal(keys.Count, cut.SourceRows);
        Assert.Empty(cut.Differences[0]);
        Assert.Equal(2, cut.Differences[1].Count);
        Assert.Contains($"{first}: in the source but not in the lake", cut.Differences[1]);
        Assert.Contains(cut.Differences[1], d => d.StartsWith($"{last}.amount: source ", StringComparison.Ordinal));
        Assert.Empty(cut.Differences[2]);
    }
}
