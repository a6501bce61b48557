using System.Globalization;

namespace Cli.Pipeline;

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

    /// <summary>What rebuilding the lake would lose, in words; null when nothing a pipeline cannot make again.</summary>
    public static string? WhatRebuildingWouldLose(LakePaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var losses = new List<string>();
        if (Directory.Exists(paths.ProcessingFailed))
        {
            var objects = Directory.EnumerateFiles(paths.ProcessingFailed, "*", SearchOption.AllDirectories).Sum(f => File.ReadLines(f).Count(l => l.Length > 0));
            if (objects > 0)
            {
                losses.Add(string.Create(CultureInfo.InvariantCulture, $"{objects:N0} error records not redriven (in {paths.ProcessingFailed})"));
            }
        }

        if (File.Exists(PathOf(paths)))
        {
            var since = File.ReadLines(PathOf(paths)).Reverse().TakeWhile(l => !l.Contains(" pipeline ", StringComparison.Ordinal)).Reverse()
                .Where(l => l.Contains(" backfill ", StringComparison.Ordinal) || l.Contains(" redrive ", StringComparison.Ordinal))
                .Select(l => l.Split(' ', 3) is [_, var verb, var rest] ? $"{verb} {rest}" : l)
                .ToList();
            if (since.Count > 0)
            {
                losses.Add($"what was added since the last pipeline run: {string.Join("; ", since)}");
            }
        }

        return losses.Count == 0 ? null : string.Join(", and ", losses);
    }
}
