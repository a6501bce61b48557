using System.Globalization;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// What has been done to a local lake, one line per command (<c>lake/history.log</c>): <c>pipeline</c> rebuilds
/// the lake, <c>backfill</c> and <c>redrive</c> add to it. Before a pipeline replaces a lake it asks what would be
/// lost — error objects not yet redriven, rows backfilled or redriven since — and refuses without <c>--force</c>.
/// </summary>
internal static class LakeHistory
{
    public static string PathOf(LakePaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return Path.Combine(paths.Root, "history.log");
    }

    /// <summary>Notes a command that changed the lake.</summary>
    public static void Append(LakePaths paths, string verb, string details)
    {
        Directory.CreateDirectory(paths.Root);
        File.AppendAllText(PathOf(paths), string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:O} {verb} {details}\n"));
    }

    /// <summary>What rebuilding the lake would lose; empty when nothing a pipeline cannot make again.</summary>
    public static Loss WhatRebuildingWouldLose(LakePaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var errors = 0;
        if (Directory.Exists(paths.ProcessingFailed))
        {
            errors = Directory.EnumerateFiles(paths.ProcessingFailed, "*", SearchOption.AllDirectories).Sum(f => File.ReadLines(f).Count(l => l.Length > 0));
        }

        var added = new List<string>();
        if (File.Exists(PathOf(paths)))
        {
            // Lines are "<time> <verb> <details>": the verb field decides, never a substring of the details.
            var entries = File.ReadLines(PathOf(paths)).Select(l => l.Split(' ', 3)).Where(f => f.Length == 3).ToList();
            var last = entries.FindLastIndex(f => f[1] == "pipeline");
            added.AddRange(entries.Skip(last + 1).Where(f => f[1] is "backfill" or "redrive").Select(f => $"{f[1]} {f[2]}"));
        }

        return new Loss(errors, added);
    }

    /// <summary>Error records not redriven, and what backfill or redrive added since the last pipeline run.</summary>
    public sealed record Loss(int ErrorRecords, IReadOnlyList<string> Added)
    {
        public bool IsEmpty => ErrorRecords == 0 && Added.Count == 0;

        /// <summary>What would be lost, and what to do about it.</summary>
        public string Describe(string root)
        {
            var parts = new List<string>();
            if (ErrorRecords > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{ErrorRecords:N0} error records not redriven"));
            }

            if (Added.Count > 0)
            {
                parts.Add($"what was added since the last pipeline run: {string.Join("; ", Added)}");
            }

            var advice = Added.Count > 0
                ? "Pass --force to replace the lake, or give another --lake."
                : "Run redrive first, pass --force to replace the lake, or give another --lake.";
            return $"the lake at '{root}' holds {string.Join(", and ", parts)}. pipeline rebuilds the lake and would delete that. {advice}";
        }
    }
}
