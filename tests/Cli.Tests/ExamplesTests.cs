using System.Diagnostics;
using System.Text.RegularExpressions;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>
/// Every example line that starts with the CLI (dynamolake, or dotnet run --project src/Cli --) in the README, in
/// the guides that need no AWS account (docs/local-workbench.md, docs/functions.md) and in every verb's --help
/// runs, as a user would run it: the CLI in its
/// own process, in a fresh folder (with the repository's events/), against the local servers the line names
/// (moto for 127.0.0.1:5000, dynalite for 127.0.0.1:8000, each at the port the test started it on).
/// A line marked as needing AWS runs with --dry-run against a stack of that name in moto's CloudFormation.
/// </summary>
public sealed partial class ExamplesTests(MotoFixture moto, DynaliteFixture dynalite) : IClassFixture<MotoFixture>, IClassFixture<DynaliteFixture>, IDisposable
{
    // Verbs run in this order, so that what an example reads was made by an earlier one (a lake, an export, a request).
    private static readonly string[] s_order = ["make-request", "pipeline", "query", "seed", "export", "backfill", "redrive", "invoke", "contract", "provision", "verify"];

    private readonly TempFolder _temp = new("dynamolake-examples-");

    private string Folder => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [RequiresServerFact(LocalServers.Moto, LocalServers.Dynalite)]
    public async Task EveryExample_OfTheReadmeTheLocalGuidesAndEveryHelp_Runs()
    {
        var documented = new[] { "README.md", "docs/local-workbench.md", "docs/functions.md" }.SelectMany(MarkdownExamples).ToList();
        var help = await HelpExamples();
        Assert.Contains(documented, e => e.Source == "README.md" && e.Line == "pipeline"); // the main job is among them
        Assert.True(documented.Count(e => e.Source == "docs/local-workbench.md") >= 8, "the workbench guide's examples were not found");
        Assert.True(help.Count >= 20, $"only {help.Count} examples were found in --help");
        var examples = documented.Concat(help).DistinctBy(e => e.Line).ToList();
        CopyFolder(Path.Combine(RepoPaths.Root, "events"), Path.Combine(Folder, "events"));
        CopyFolder(Path.Combine(RepoPaths.Root, "schema"), Path.Combine(Folder, "schema"));
        CopyFolder(Path.Combine(RepoPaths.Root, "examples"), Path.Combine(Folder, "examples"));
        await MotoStacks.CreateAsync(moto.Server.Endpoint, "dynamolake", new Dictionary<string, string>
        {
            ["SourceTableName"] = "transactions",
            ["AthenaTable"] = "s3tablescatalog/dynamolake-lake.analytics.transactions",
            ["ChangeStreamName"] = "dynamolake-changes",
            ["ChangeLogDatabase"] = "dynamolake_changes",
            ["AthenaWorkGroup"] = "dynamolake",
            ["ExportConverterFunctionName"] = "dynamolake-export-converter",
            ["BackfillLocation"] = "s3://dynamolake-athena-results/backfill/",
            ["SnapshotLocation"] = "s3://dynamolake-data/snapshot/",
        });

        var failures = new List<string>();
        foreach (var example in examples.OrderBy(e => Array.IndexOf(s_order, Verb(e.Line))))
        {
            var (args, input) = Arguments(example);
            var (exit, output) = await RunAsync(args, input);
            if (exit != example.ExpectedExit)
            {
                failures.Add($"{example.Source}: dynamolake {example.Line}\n  ran as: {string.Join(' ', args)}\n  exit {exit} (documented: {example.ExpectedExit}): {output.Trim()}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {examples.Count} examples failed:\n" + string.Join("\n", failures));
    }

    /// <param name="ExpectedExit">0, or what a comment says the line exits with ("# exit 1: …"), for examples that show a failure.</param>
    private sealed record Example(string Source, string Line, bool NeedsAws, int ExpectedExit = 0);

    // Lines in a Markdown file's bash blocks that run the CLI (as dynamolake or through dotnet run), comments removed.
    private static IEnumerable<Example> MarkdownExamples(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, file));
        foreach (Match block in BashBlock().Matches(text))
        {
            foreach (var raw in block.Groups[1].Value.Split('\n'))
            {
                var line = raw.Trim();
                var cli = CliPrefix().Match(line);
                if (!cli.Success)
                {
                    continue;
                }

                var comment = Comment().Match(line);
                var command = (comment.Success ? line[..comment.Index] : line)[cli.Length..].Trim();
                var expected = comment.Success && ExitComment().Match(comment.Value) is { Success: true } exit ? int.Parse(exit.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
                yield return new Example(file, command, comment.Success && comment.Value.Contains("AWS", StringComparison.Ordinal), expected);
            }
        }
    }

    // The "Examples:" lines of every verb's --help, their notes "   (…)" removed.
    private static async Task<List<Example>> HelpExamples()
    {
        var (_, rootHelp, _) = await CliRun.Run("--help");
        var verbs = Regex.Matches(rootHelp, @"^\s{2}([a-z][a-z-]+)(?: <[^>]+>)*\s{2,}", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("pipeline", verbs);
        var examples = new List<Example>();
        foreach (var verb in verbs)
        {
            var (exit, help, _) = await CliRun.Run(verb, "--help");
            Assert.Equal(0, exit);
            var at = help.IndexOf("Examples:", StringComparison.Ordinal);
            Assert.True(at >= 0, $"{verb} --help has no examples");
            foreach (var line in help[at..].Split('\n').Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)))
            {
                var text = line.Trim();
                var note = Note().Match(text);
                var command = (note.Success ? text[..note.Index] : text)["dynamolake ".Length..].Trim();
                examples.Add(new Example($"{verb} --help", command, note.Success && note.Groups[1].Value.StartsWith("AWS", StringComparison.Ordinal)));
            }
        }

        return examples;
    }

    // The line's words as a shell would pass them, with the named servers' ports, /tmp/ inside the test's folder,
    // redirections dropped (output is captured), and --dry-run for a line that needs AWS.
    private (List<string> Words, string? Input) Arguments(Example example)
    {
        var words = new List<string>();
        string? input = null;
        var tokens = Words().Matches(example.Line).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Value).ToList();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token is "<")
            {
                input = Path.Combine(Folder, tokens[++i]);
                continue;
            }

            if (token is ">" or "2>")
            {
                i++;
                continue;
            }

            if (token is "2>&1")
            {
                continue;
            }

            token = token.Replace("http://127.0.0.1:5000", moto.Server.Endpoint.ToString().TrimEnd('/'), StringComparison.Ordinal)
                .Replace("http://127.0.0.1:8000", dynalite.Server.Endpoint.ToString().TrimEnd('/'), StringComparison.Ordinal);
            words.Add(token.StartsWith("/tmp/", StringComparison.Ordinal) ? Path.Combine(Folder, "tmp", token["/tmp/".Length..]) : token);
        }

        if (example.NeedsAws && !words.Contains("--dry-run"))
        {
            words.Add("--dry-run");
        }

        return (words, input);
    }

    private async Task<(int Exit, string Output)> RunAsync(List<string> args, string? input)
    {
        Directory.CreateDirectory(Path.Combine(Folder, "tmp"));
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // A user's AWS configuration, pointed at moto: what names no endpoint goes there, never to AWS.
        start.Environment["AWS_ACCESS_KEY_ID"] = "local";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "local";
        start.Environment["AWS_REGION"] = "us-east-1";
        start.Environment["AWS_ENDPOINT_URL"] = moto.Server.Endpoint.ToString();
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(await File.ReadAllTextAsync(input));
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, "did not end within 3 minutes (killed)");
        }

        // The error first, whole; then the end of what went to stdout.
        var (error, output) = (await stderr, await stdout);
        return (process.ExitCode, error + (output.Length > 1_000 ? output[^1_000..] : output));
    }

    private static string Verb(string line) => line.Split(' ', 2)[0];

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();

    [GeneratedRegex(@"^(dynamolake|dotnet run( -c Release)? --project src/Cli --)\s")]
    private static partial Regex CliPrefix();

    // A comment: " #" outside quotes (the examples' SQL has no '#').
    [GeneratedRegex(@"\s#.*$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"#\s*exit (\d+)")]
    private static partial Regex ExitComment();

    [GeneratedRegex(@"\s{3,}\((.*)\)$")]
    private static partial Regex Note();

    [GeneratedRegex("\"([^\"]*)\"|'([^']*)'|\\S+")]
    private static partial Regex Words();
}
