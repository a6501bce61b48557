using DynamoLake.Local.Pipeline;

namespace Cli;

/// <summary>
/// How backfill and redrive change a lake: in a <see cref="LakeStage"/> that the run commits when complete. A
/// cancelled or failed run ends with one line saying the lake is as it was (ADR 0012).
/// </summary>
internal static class StagedRun
{
    /// <summary>
    /// Ends a run that added to the lake: the stage goes into place, then the run is noted in history.log (never
    /// before: an undone commit must not be noted), what could not be removed is named, and the run's line printed.
    /// </summary>
    /// <returns>1 when records failed, else 0.</returns>
    public static async Task<int> CommitAsync(LakeStage stage, string verb, string details, string line, bool failed, Stream stdout, TextWriter stderr, CancellationToken cancellationToken, IReadOnlyCollection<string>? consumed = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var left = stage.Commit(replace: false, consumed);
        LakeHistory.Append(stage.Live, verb, details);
        await WarnAsync(stderr, left);
        await stdout.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line), CancellationToken.None);
        await stdout.FlushAsync(CancellationToken.None);
        return failed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>Names what a committed run could not remove (it holds nothing the lake needs).</summary>
    public static async Task WarnAsync(TextWriter stderr, IReadOnlyList<string> left)
    {
        foreach (var path in left)
        {
            await stderr.WriteLineAsync($"warning: the lake is in place, but '{path}' could not be removed; remove it by hand.");
        }
    }

    /// <param name="paths">The lake in place.</param>
    /// <param name="stderr">Where the failure or cancellation is said.</param>
    /// <param name="run">The work: writes into the stage, commits it, and returns the exit code.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    public static async Task<int> RunAsync(LakePaths paths, TextWriter stderr, Func<LakeStage, Task<int>> run, CancellationToken cancellationToken)
    {
        LakeStage? stage = null;
        try
        {
            using (stage = LakeStage.Begin(paths))
            {
                return await run(stage);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync($"cancelled: {LakeStage.Untouched(paths.Root)}");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is PipelineException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            if (stage is { Committed: false })
            {
                await stderr.WriteLineAsync(LakeStage.Untouched(paths.Root));
            }

            return ExitCodes.Failed;
        }
    }
}
