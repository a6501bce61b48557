using System.Diagnostics;

namespace DynamoLake.Benchmarks;

/// <summary>
/// The ~3 MB request the speed bar is measured on: BENCH_EVENT if set, otherwise made by
/// ../shared/bench/gen_firehose_event.py (the same generator the Python and Node references are run on).
/// </summary>
internal static class BenchmarkEvent
{
    private static readonly Lazy<byte[]> s_bytes = new(LoadOnce);

    public static byte[] Load() => s_bytes.Value;

    private static byte[] LoadOnce()
    {
        var path = Environment.GetEnvironmentVariable("BENCH_EVENT");
        if (!string.IsNullOrEmpty(path))
        {
            return File.ReadAllBytes(path);
        }

        var generator = FindGenerator() ?? throw new InvalidOperationException(
            "Set BENCH_EVENT to a Firehose request file, or keep ../shared/bench/gen_firehose_event.py beside the repository.");
        var start = new ProcessStartInfo("python3", [generator, "3000000"]) { RedirectStandardOutput = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 could not be started.");
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        return process.ExitCode == 0 ? output.ToArray() : throw new InvalidOperationException($"{generator} exited with {process.ExitCode}.");
    }

    private static string? FindGenerator()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "bench", "gen_firehose_event.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
