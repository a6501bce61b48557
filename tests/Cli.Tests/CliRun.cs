using System.Text;

namespace Cli.Tests;

/// <summary>Runs the CLI in-process through its entry point, as a user runs it.</summary>
internal static class CliRun
{
    public static async Task<(int Exit, string Stdout, string Stderr)> Run(params string[] args)
    {
        using var stdout = new MemoryStream();
        var stderr = new StringWriter();
        var exit = await Program.Run(args, stdout, stderr);
        return (exit, Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString());
    }
}
