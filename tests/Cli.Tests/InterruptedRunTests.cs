using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using CsCheck;
using DynamoLake.Local.Pipeline;
using Seeder;

using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>
/// A run that fails or is interrupted — at any point — leaves the lake that was there answering queries as
/// before, removes all it wrote (its stage and spill), and does not note itself in history.log (ADR 0012).
/// </summary>
[Collection(UsesConsole.Name)]
public sealed class InterruptedRunTests : IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-interrupted-");

    private string Lake => Path.Combine(_temp.Path, "lake");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Pipeline_CancelledAtAnyPoint_LeavesThePreviousLakeAsItWas()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "300", "--seed", "1", "--lake", Lake)).Exit);
        var before = await Snapshot();

        // Points in delivery (after so many change records) and in parity (after so many source items), and a
        // failing source, over a second run of another seed and size (about 870 changes and 510 items).
        await Gen.Select(Gen.Int[0, 2], Gen.Int[1, 400]).SampleAsync(
            async t =>
            {
                var (phase, at) = t;
                using var cancel = new CancellationTokenSource();
                var workload = new WorkloadOptions { Count = 600, Seed = 2 };
                var source = new Interrupting(new ChangeCapture(workload, "transactions", DateTimeOffset.MaxValue), phase, at, cancel);
                var options = new PipelineOptions { Workload = workload, Out = Lake, RequestBytes = 16 * 1024 };

                var run = new PipelineRun().RunAsync(options, source, n => { if (phase == 0 && n >= at) { cancel.Cancel(); } }, cancel.Token);

                var thrown = await Assert.ThrowsAnyAsync<Exception>(() => run);
                Assert.True(thrown is OperationCanceledException or PipelineException, thrown.ToString());
                Assert.Equal(before, await Snapshot());
            },
            iter: 9,
            threads: 1);
    }

    [Fact]
    public async Task Backfill_ThatFailsHalfWay_LeavesTheLakeAsItWasAndSaysSo()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "300", "--seed", "3", "--lake", Lake)).Exit);
        var before = await Snapshot();
        var export = Path.Combine(_temp.Path, "export");
        Directory.CreateDirectory(export);
        await WriteGzipAsync(Path.Combine(export, "a.json.gz"), TransactionGenerator.Items(new WorkloadOptions { Count = 2_000, Seed = 5 }).Select(w => ExportLine(w.Item)));
        await WriteGzipAsync(Path.Combine(export, "b.json.gz"), ["{\"NotItem\":{}}"]);

        var (exit, _, stderr) = await CliRun.Run("backfill", export, "--lake", Lake);

        Assert.Equal(1, exit);
        Assert.Contains($"the lake at '{Lake}' is as it was before this run", stderr, StringComparison.Ordinal);
        Assert.Equal(before, await Snapshot());
    }

    [Fact]
    public async Task Commit_ThatFailsHalfWay_PutsTheOldLakeBack()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "200", "--seed", "1", "--lake", Lake)).Exit);

        // The function log's folder cannot be replaced (a file stands where it goes), after the table and the change log were.
        Directory.Delete(Path.Combine(Lake, "logs"), recursive: true);
        await File.WriteAllTextAsync(Path.Combine(Lake, "logs"), "not a folder");
        var before = await Snapshot();
        var workload = new WorkloadOptions { Count = 300, Seed = 9 };

        var failed = await Assert.ThrowsAnyAsync<IOException>(() => new PipelineRun().RunAsync(
            new PipelineOptions { Workload = workload, Out = Lake }, new ChangeCapture(workload, "transactions", DateTimeOffset.MaxValue), null, CancellationToken.None));

        Assert.NotNull(failed);
        Assert.Equal(before, await Snapshot());
    }

    [Fact]
    public async Task SecondRun_OnALakeBeingChanged_IsRefusedNamingTheLock()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "100", "--seed", "1", "--lake", Lake)).Exit);
        var before = await Snapshot();
        using var running = LakeStage.Begin(new LakePaths(Lake, "analytics", "transactions"));

        var (exit, _, stderr) = await CliRun.Run("backfill", Path.Combine(_temp.Path, "none.json.gz"), "--lake", Lake);

        Assert.Equal(1, exit);
        Assert.Contains("another dynamolake run is changing the lake", stderr, StringComparison.Ordinal);
        Assert.True(Directory.Exists(running.Paths.Root), "the running stage was removed");
        running.Dispose();
        Assert.Equal(before, await Snapshot());
    }

    [Fact]
    public async Task Stage_LeftByAKilledRun_IsRemovedByTheNextRun()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "100", "--seed", "1", "--lake", Lake)).Exit);
        var killed = Directory.CreateDirectory(Path.Combine(Lake, ".stage-20261205000000-deadbeef", ".work"));
        await File.WriteAllTextAsync(Path.Combine(killed.FullName, "spill"), "x");

        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "100", "--seed", "1", "--lake", Lake)).Exit);

        Assert.Empty(Directory.GetDirectories(Lake, ".stage-*"));
    }

    [Fact]
    public async Task Pipeline_CtrlC_ExitsWith130_TheLakeAnswersAsBeforeAndNothingIsLeft()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "300", "--seed", "1", "--lake", Lake)).Exit);
        var before = await Snapshot();

        // The CLI as a user runs it, in its own process, with SIGINT at its default (a shell's background job ignores it).
        var cli = Path.Combine(AppContext.BaseDirectory, "Cli.dll");
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])", "dotnet", cli, "pipeline", "--count", "200000", "--lake", Lake, "--force" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();

        // Interrupted once the new lake is being built beside the old one.
        var deadline = Stopwatch.StartNew();
        while (!Directory.EnumerateDirectories(Lake, ".stage-*").Any(s => Directory.Exists(Path.Combine(s, ".work"))) && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50);
        }

        await Task.Delay(1_500);
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            // Ctrl+C gives the run 30 s to clean up; a run still going after twice that is a failure.
            var ended = process.WaitForExitAsync(timeout.Token);
            await Task.WhenAny(ended);
            if (!ended.IsCompletedSuccessfully)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("the CLI did not end within 60 s of SIGINT");
            }
        }

        Assert.True(process.ExitCode == 130, await stderr + await stdout);
        Assert.Contains($"cancelled: the lake at '{Lake}' is as it was before this run", await stderr, StringComparison.Ordinal);
        Assert.Equal(before, await Snapshot());
        var (queryExit, rows, queryError) = await CliRun.Run("query", "SELECT count(*) AS n FROM transactions", "--lake", Lake, "--csv");
        Assert.True(queryExit == 0, queryError);
        Assert.StartsWith("n\n", rows, StringComparison.Ordinal);
    }

    // Every file under the lake (hidden ones too) with a hash of its bytes.
    private async Task<string> Snapshot()
    {
        var files = new List<string>();
        foreach (var file in Directory.GetFiles(Lake, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            files.Add($"{Path.GetRelativePath(Lake, file)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(file)))}");
        }

        return string.Join("\n", files);
    }

    private static string ExportLine(Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue> item)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("Item");
            DynamoDbJson.WriteItem(writer, item);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static async Task WriteGzipAsync(string file, IEnumerable<string> lines)
    {
        await using var stream = File.Create(file);
        await using var gzip = new GZipStream(stream, CompressionLevel.Fastest);
        await using var writer = new StreamWriter(gzip);
        foreach (var line in lines)
        {
            await writer.WriteLineAsync(line);
        }
    }

    // Cancels in parity after so many source items (phase 1), or fails in delivery after so many changes (phase 2).
    private sealed class Interrupting(ChangeCapture inner, int phase, int at, CancellationTokenSource cancel) : IChangeSource
    {
        public IEnumerable<CapturedChange> Changes(CancellationToken cancellationToken)
        {
            var n = 0;
            foreach (var change in inner.Changes(cancellationToken))
            {
                if (phase == 2 && ++n == at)
                {
                    throw new PipelineException("the source failed");
                }

                yield return change;
            }
        }

        public async IAsyncEnumerable<KeyValuePair<string, byte[]>> FinalState([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var n = 0;
            await foreach (var item in inner.FinalState(cancellationToken))
            {
                if (phase == 1 && ++n == at)
                {
                    await cancel.CancelAsync();
                }

                yield return item;
            }
        }
    }
}
