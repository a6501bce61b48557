using System.Globalization;

namespace Cli.Pipeline;

/// <summary>
/// A new version of a local lake, built beside the one in place (<c>&lt;lake&gt;/.stage-&lt;id&gt;/</c>, the same layout,
/// its spill inside it) and put in place only once it is complete. Until <see cref="Commit"/>, queries keep
/// answering from the lake as it was; a run that fails or is interrupted disposes the stage, which removes
/// everything it wrote, spill included.
/// </summary>
internal sealed class LakeStage : IDisposable
{
    private const string Prefix = ".stage-";

    private LakeStage(LakePaths live, LakePaths staged)
    {
        Live = live;
        Paths = staged;
    }

    /// <summary>The lake in place, which queries read until the stage is committed.</summary>
    public LakePaths Live { get; }

    /// <summary>Where this run writes: the stage's own lake.</summary>
    public LakePaths Paths { get; }

    public bool Committed { get; private set; }

    /// <summary>
    /// Starts a stage beside <paramref name="live"/>. What an earlier run left behind when it was killed before
    /// it could clean up (an interrupted stage) is removed first; <paramref name="removed"/> says how many.
    /// </summary>
    public static LakeStage Begin(LakePaths live, out int removed)
    {
        ArgumentNullException.ThrowIfNull(live);
        if (File.Exists(live.Root))
        {
            throw new PipelineException($"--lake '{live.Root}' is a file; give a folder for the lake (it is made when missing).");
        }

        Directory.CreateDirectory(live.Root);
        removed = 0;
        foreach (var stale in Directory.EnumerateDirectories(live.Root, Prefix + "*").ToList())
        {
            Directory.Delete(stale, recursive: true);
            removed++;
        }

        var root = Path.Combine(live.Root, Prefix + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        return new LakeStage(live, live with { Root = root });
    }

    /// <summary>
    /// Puts the stage in place. <paramref name="replace"/>: the stage is the whole new lake (pipeline), so each
    /// part replaces the one in place; otherwise (backfill, redrive) the Iceberg table is replaced — the stage
    /// holds it rewritten whole — and the change-log and error files are added beside the ones in place, the
    /// function log appended to. <paramref name="consumed"/> are files of the lake in place that this run used
    /// up (redriven error objects); they go once the rest is in place. Not cancellable: each step is a rename.
    /// </summary>
    public void Commit(bool replace, IReadOnlyCollection<string>? consumed = null)
    {
        ObjectDisposedException.ThrowIf(Committed, this);
        var old = Path.Combine(Paths.Root, ".replaced");
        Directory.CreateDirectory(old);
        Swap(Paths.Iceberg, Live.Iceberg, old);
        if (replace)
        {
            Swap(Paths.ChangeLog, Live.ChangeLog, old);
            Swap(Paths.Errors, Live.Errors, old);
            Swap(Path.GetDirectoryName(Paths.FunctionLog)!, Path.GetDirectoryName(Live.FunctionLog)!, old);
        }
        else
        {
            MoveFiles(Paths.ChangeLog, Live.ChangeLog);
            MoveFiles(Paths.Errors, Live.Errors);
            if (File.Exists(Paths.FunctionLog))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Live.FunctionLog)!);
                using var target = new FileStream(Live.FunctionLog, FileMode.Append);
                using var source = File.OpenRead(Paths.FunctionLog);
                source.CopyTo(target);
            }

            foreach (var file in consumed ?? [])
            {
                File.Delete(file);
            }
        }

        Committed = true;
        Directory.Delete(Paths.Root, recursive: true);
    }

    /// <summary>Removes the stage and all it holds; the lake in place is as it was unless the stage was committed.</summary>
    public void Dispose()
    {
        if (Directory.Exists(Paths.Root))
        {
            Directory.Delete(Paths.Root, recursive: true);
        }
    }

    /// <summary>The one line a failed or interrupted run ends with.</summary>
    public static string Untouched(string lake) => $"the lake at '{Path.GetFullPath(lake)}' is as it was before this run; what the run wrote has been removed.";

    // The staged folder takes the place of the one in place; the one in place goes into the stage (removed with it).
    private static void Swap(string staged, string live, string old)
    {
        if (Directory.Exists(live))
        {
            Directory.Move(live, Path.Combine(old, Guid.NewGuid().ToString("N")));
        }

        if (Directory.Exists(staged))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(live)!);
            Directory.Move(staged, live);
        }
    }

    private static void MoveFiles(string staged, string live)
    {
        if (!Directory.Exists(staged))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(staged, "*", SearchOption.AllDirectories).ToList())
        {
            var target = Path.Combine(live, Path.GetRelativePath(staged, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(file, target);
        }
    }
}
