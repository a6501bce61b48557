using Cli.Pipeline;

namespace Cli;

/// <summary>
/// How backfill and redrive change a lake: in a <see cref="LakeStage"/> that the run commits when complete. A
/// cancelled or failed run ends with one line saying the lake is as it was (ADR 0012).
/// </summary>
internal static class StagedRun
{
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
            using (stage = LakeStage.Begin(paths, out _))
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
