using System.Globalization;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// A new version of a local lake, built beside the one in place (<c>&lt;lake&gt;/.stage-&lt;id&gt;/</c>, the same layout,
/// its spill inside it) and put in place only once it is complete. Until <see cref="Commit"/>, queries keep
/// answering from the lake as it was; a run that fails or is interrupted disposes the stage, which removes
/// everything it wrote, spill included. One run at a time changes a lake: the stage holds
/// <c>&lt;lake&gt;/.lock</c> while it lasts (ADR 0012).
/// </summary>
internal sealed class LakeStage : IDisposable
{
    private const string Prefix = ".stage-";
    private const string Recover = ".recover-";

    // What an IOException carries when another process holds the lock: ERROR_SHARING_VIOLATION on Windows,
    // EWOULDBLOCK from flock on Linux (the errno, as .NET reports it there).
    private static readonly int[] s_lockHeld = [unchecked((int)0x80070020), 11];

    private readonly FileStream _lock;
    private readonly bool _madeTheLake;
    private bool _keep;

    private LakeStage(LakePaths live, LakePaths staged, FileStream held, bool madeTheLake)
    {
        Live = live;
        Paths = staged;
        _lock = held;
        _madeTheLake = madeTheLake;
    }

    /// <summary>The lake in place, which queries read until the stage is committed.</summary>
    public LakePaths Live { get; }

    /// <summary>Where this run writes: the stage's own lake.</summary>
    public LakePaths Paths { get; }

    public bool Committed { get; private set; }

    /// <summary>
    /// Starts a stage beside <paramref name="live"/>, holding the lake's lock. What an earlier run left behind
    /// when it was killed before it could clean up (an interrupted stage) is removed first.
    /// </summary>
    public static LakeStage Begin(LakePaths live)
    {
        ArgumentNullException.ThrowIfNull(live);
        if (File.Exists(live.Root))
        {
            throw new PipelineException($"--lake '{live.Root}' is a file; give a folder for the lake (it is made when missing).");
        }

        var madeTheLake = !Directory.Exists(live.Root) || !Directory.EnumerateFileSystemEntries(live.Root).Any();
        Directory.CreateDirectory(live.Root);
        FileStream held;
        try
        {
            held = new FileStream(Path.Combine(live.Root, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException e) when (s_lockHeld.Contains(e.HResult))
        {
            throw new PipelineException($"another dynamolake run is changing the lake at '{live.Root}' (it holds {Path.Combine(live.Root, ".lock")}); wait for it to end, or give another --lake.");
        }

        try
        {
            if (Directory.EnumerateDirectories(live.Root, Recover + "*").FirstOrDefault() is { } recover)
            {
                throw new PipelineException($"the lake at '{live.Root}' holds '{recover}' from a run whose lake could neither be put in place nor put back: put the parts in its .replaced folder back into the lake by hand, then remove it.");
            }

            // Holding the lock, no other run is using a stage: any left is a killed run's.
            foreach (var stale in Directory.EnumerateDirectories(live.Root, Prefix + "*").ToList())
            {
                Directory.Delete(stale, recursive: true);
            }

            var root = Path.Combine(live.Root, Prefix + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(root);
            return new LakeStage(live, live with { Root = root }, held, madeTheLake);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Puts the stage in place. <paramref name="replace"/>: the stage is the whole new lake (pipeline), so each
    /// part replaces the one in place; otherwise (backfill, redrive) the Iceberg table is replaced — the stage
    /// holds it rewritten whole — and the change-log and error files are added beside the ones in place, the
    /// function log appended to. <paramref name="consumed"/> are files of the lake in place that this run used
    /// up (redriven error objects); they go once the rest is in place. Each step is a rename, undone in reverse
    /// order if a later one fails, so that a failed commit leaves the lake as it was. Not cancellable.
    /// </summary>
    /// <param name="replace">Whether the stage is the whole new lake.</param>
    /// <param name="consumed">Files of the lake in place this run used up.</param>
    /// <param name="tables">The Iceberg tables the stage holds (a set of contracts'); default: its own.</param>
    /// <returns>What could not be removed once the new lake was in place (used-up files, the stage), for a warning.</returns>
    public IReadOnlyList<string> Commit(bool replace, IReadOnlyCollection<string>? consumed = null, IReadOnlyList<string>? tables = null)
    {
        ObjectDisposedException.ThrowIf(Committed, this);
        var old = Path.Combine(Paths.Root, ".replaced");
        Directory.CreateDirectory(old);
        var done = new Stack<(string From, string To, bool Folder)>();
        long? logLength = null;
        try
        {
            foreach (var table in tables ?? [Paths.Table])
            {
                Swap((Paths with { Table = table }).Iceberg, (Live with { Table = table }).Iceberg, old, done);
            }

            if (replace)
            {
                Swap(Paths.ChangeLog, Live.ChangeLog, old, done);
                Swap(Paths.Errors, Live.Errors, old, done);
                Swap(Path.GetDirectoryName(Paths.FunctionLog)!, Path.GetDirectoryName(Live.FunctionLog)!, old, done);
            }
            else
            {
                MoveFiles(Paths.ChangeLog, Live.ChangeLog, done);
                MoveFiles(Paths.Errors, Live.Errors, done);
                if (File.Exists(Paths.FunctionLog))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Live.FunctionLog)!);
                    using var target = new FileStream(Live.FunctionLog, FileMode.Append);
                    logLength = target.Length;
                    using var source = File.OpenRead(Paths.FunctionLog);
                    source.CopyTo(target);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                Undo(done, logLength);
            }
            catch (Exception undo) when (undo is IOException or UnauthorizedAccessException)
            {
                // Neither the new lake nor the old one is whole in place: keep both where the user can find them,
                // under a name no later run sweeps away (and which makes later runs stop until it is dealt with).
                _keep = true;
                var kept = Path.Combine(Live.Root, Recover + Path.GetFileName(Paths.Root)[Prefix.Length..]);
                Directory.Move(Paths.Root, kept);
                throw new PipelineException($"putting the new lake in place failed ({e.Message}), and so did putting the old one back ({undo.Message}). The old lake's parts are in '{Path.Combine(kept, ".replaced")}', the new one's in '{kept}'.");
            }

            throw;
        }

        Committed = true;

        // What this run used up goes last. The lake is already the new one: what cannot go is named, not thrown
        // (a stage left behind is removed by the next run).
        var left = new List<string>();
        foreach (var file in consumed ?? [])
        {
            Remove(() => File.Delete(file), file, left);
        }

        Remove(() => Directory.Delete(Paths.Root, recursive: true), Paths.Root, left);
        return left;
    }

    private static void Remove(Action remove, string path, List<string> left)
    {
        try
        {
            remove();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            left.Add(path);
        }
    }

    /// <summary>Removes the stage and all it holds (and a lake folder the run made); the lake in place is as it was unless the stage was committed.</summary>
    public void Dispose()
    {
        try
        {
            if (!_keep && Directory.Exists(Paths.Root))
            {
                Directory.Delete(Paths.Root, recursive: true);
            }
        }
        finally
        {
            _lock.Dispose();
            if (_madeTheLake && !Committed && Directory.Exists(Live.Root) && !Directory.EnumerateFileSystemEntries(Live.Root).Any())
            {
                Directory.Delete(Live.Root);
            }
        }
    }

    /// <summary>The one line a failed or interrupted run ends with.</summary>
    public static string Untouched(string lake) => $"the lake at '{Path.GetFullPath(lake)}' is as it was before this run; what the run wrote has been removed.";

    // The staged folder takes the place of the one in place; the one in place goes into the stage (removed with it).
    private static void Swap(string staged, string live, string old, Stack<(string From, string To, bool Folder)> done)
    {
        if (Directory.Exists(live))
        {
            var aside = Path.Combine(old, Guid.NewGuid().ToString("N"));
            Directory.Move(live, aside);
            done.Push((live, aside, true));
        }

        if (Directory.Exists(staged))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(live)!);
            Directory.Move(staged, live);
            done.Push((staged, live, true));
        }
    }

    private static void MoveFiles(string staged, string live, Stack<(string From, string To, bool Folder)> done)
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
            done.Push((file, target, false));
        }
    }

    // Moves back what a failed commit had moved, newest first, and cuts the function log back to its length.
    private void Undo(Stack<(string From, string To, bool Folder)> done, long? logLength)
    {
        while (done.TryPop(out var step))
        {
            if (step.Folder)
            {
                Directory.Move(step.To, step.From);
            }
            else
            {
                File.Move(step.To, step.From);
            }
        }

        if (logLength is { } length)
        {
            using var log = new FileStream(Live.FunctionLog, FileMode.Open);
            log.SetLength(length);
        }
    }
}
