using System.Diagnostics;

namespace DynamoLake.Testing;

/// <summary>
/// The local servers the tests use and whether this machine has them. Outside CI a missing server skips
/// the tests that need it (with the reason); with <c>CI=true</c> it fails them.
/// </summary>
public static class LocalServers
{
    public const string Moto = "moto";
    public const string Dynalite = "dynalite";

    /// <summary>Not a server but a required tool of the same kind: cfn-lint with the SAM translator.</summary>
    public const string CfnLint = "cfn-lint";

    private static readonly Lazy<string?> s_cfnLintMissing = new(() => Probe("cfn-lint", "--version")
        ? null
        : "cfn-lint is not installed (python3 -m pip install cfn-lint)");

    private static readonly Lazy<string?> s_motoMissing = new(() => Probe("python3", "-c", "import moto.server")
        ? null
        : "moto is not installed for python3 (python3 -m pip install 'moto[server]')");

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>tests/tools: the npm packages the tests own (npm ci --prefix tests/tools).</summary>
    public static string ToolsFolder => Path.Combine(RepoPaths.Root, "tests", "tools");

    public static string DynaliteCli => Path.Combine(ToolsFolder, "node_modules", "dynalite", "cli.js");

    /// <summary>Why <paramref name="server"/> cannot start here, or null when it can.</summary>
    public static string? Missing(string server) => server switch
    {
        Moto => s_motoMissing.Value,
        CfnLint => s_cfnLintMissing.Value,
        Dynalite => File.Exists(DynaliteCli) ? null : $"dynalite is not installed: run npm ci --prefix tests/tools ({DynaliteCli} is missing)",
        _ => throw new ArgumentOutOfRangeException(nameof(server), server, "unknown server"),
    };

    public static LocalServer StartDynalite() => Start(Dynalite, () => LocalServer.Start(
        Dynalite,
        "node",
        port => [DynaliteCli, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"],
        ToolsFolder,
        TimeSpan.FromSeconds(30)));

    public static LocalServer StartMoto() => Start(Moto, () => LocalServer.Start(
        Moto,
        "python3",
        // moto through tests/tools/moto_server.py: its DynamoDB exports are written as AWS documents them.
        port => [Path.Combine(RepoPaths.Root, "tests", "tools", "moto_server.py"), "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        RepoPaths.Root,
        TimeSpan.FromSeconds(60)));

    private static LocalServer Start(string server, Func<LocalServer> start) =>
        Missing(server) is { } why ? throw new InvalidOperationException($"{server} is required but missing: {why}.") : start();

    private static bool Probe(string fileName, params string[] arguments)
    {
        try
        {
            var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            process.WaitForExit(TimeSpan.FromSeconds(30));
            return process.HasExited && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
