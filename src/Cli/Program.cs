using System.CommandLine;
using System.CommandLine.Help;
using DynamoLake.Local;

namespace Cli;

/// <summary>Entry point of the local workbench (never deployed).</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => Run(args, Console.OpenStandardOutput(), Console.Error);

    /// <summary>The program's name in usage and messages.</summary>
    public const string Name = Tool.Name;

    private static readonly Dictionary<string, string[]> s_examples = new(StringComparer.Ordinal)
    {
        ["pipeline"] = ["pipeline", "pipeline --count 1000 --days 3 --lake /tmp/lake", "pipeline --duplicates 0.5 --shuffle --shards 8", "pipeline --contract examples/orders.json --count 5000 --lake /tmp/orders-lake   (your own table: a workload made from its contract)", "pipeline --contract examples/customer-orders.json --lake /tmp/customer-orders-lake   (a partition key and a sort key; lists, sets, maps)", "pipeline --contract examples/shop-orders.json --contract examples/shop-customers.json --count 5000 --lake /tmp/shop-lake   (two tables on one stream: parity per table)", "pipeline --contract examples/app-orders.json,examples/app-customers.json,examples/app-invoices.json --count 5000 --lake /tmp/app-lake   (single-table design: an Iceberg table per entity)", "pipeline --existing 5000 --count 10000 --lake /tmp/existing-lake   (items in the table before capture: a snapshot handed over while the stream goes on)", "pipeline --endpoint http://127.0.0.1:5000 --count 2000   (moto: python3 -m moto.server -H 127.0.0.1 -p 5000)"],
        ["query"] = ["query --name daily-risk", "query --name today-by-hour --format csv", "query \"SELECT status, count(*) FROM transactions GROUP BY status\" --format json", "query \"SELECT status, count(*) AS orders, max(total) AS largest FROM orders GROUP BY status\" --contract examples/orders.json --lake /tmp/orders-lake"],
        ["redrive"] = ["redrive", "redrive lake/errors/processing-failed --lake lake"],
        ["backfill"] = ["backfill /tmp/transactions-export.json.gz   (written by export)", "backfill /tmp/transactions-export.json.gz --lake /tmp/lake", "backfill --stack dynamolake --dry-run   (the export, the conversion and the Athena statements, nothing run)", "backfill --stack dynamolake   (AWS: a deployed stack with EnableS3Path=true; export, convert on Lambda, load and repair in Athena)"],
        ["invoke"] = ["invoke transform events/kinesis-insert.json", "invoke partition-keys events/kinesis-mixed-batch.json", "invoke transform /tmp/big.json --repeat 300 > /dev/null   (after: dynamolake make-request /tmp/big.json; warm-up, steady and floor MB/s on stderr)"],
        ["make-request"] = ["make-request /tmp/big.json", "make-request /tmp/small.json --bytes 100000 --seed 7"],
        ["contract"] =
        [
            "contract glue-columns", "contract view", "contract view --contract schema/transactions.json   (your table's contract: any file)",
            "contract infer --endpoint http://127.0.0.1:5000 --table orders   (moto, after the seed example: key, TTL and types from the items)",
            "contract infer --from-export /tmp/transactions-export.json.gz --key transaction_id --ttl expires_at --table transactions   (after the export example)",
        ],
        ["seed"] = ["seed --endpoint http://127.0.0.1:8000 --create-table --count 10000   (dynalite: node tests/tools/node_modules/dynalite/cli.js --port 8000)", "seed --endpoint http://127.0.0.1:5000 --table orders --create-table --count 500 --days 1   (moto)"],
        ["provision"] = ["provision --print-request"],
        ["verify"] = ["verify --stack dynamolake --dry-run   (the queries and the IAM actions, nothing run)", "verify --stack dynamolake   (AWS: after sam deploy and a seed)", "verify --stack dynamolake --wait 900 --results s3://my-athena-results/verify/   (AWS)", "verify --stack dynamolake --in-athena --dry-run   (an export against the lake inside Athena: the statements, nothing run)", "verify --stack dynamolake --in-athena   (AWS: no Scan; needs EnableS3Path=true)"],
        ["template"] = ["template   (the sample: prints the checked-in serverless.template)", "template --contract schema/transactions.json --s3-partitions year,month,day,hour --out /tmp/my-template.json", "template --contract examples/shop-orders.json --contract examples/shop-customers.json --out /tmp/shop-template.json   (a set on one stream: an Iceberg table per contract)"],
        ["export"] = ["export --endpoint http://127.0.0.1:5000 --table transactions --file /tmp/transactions-export.json.gz   (moto, after pipeline --endpoint)"],
    };

    /// <summary>A parser message in a person's words: "a whole number", not "System.Int32".</summary>
    internal static string Plain(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"as expected type '([^']+)'", m => "as " + m.Groups[1].Value switch
        {
            var t when t.Contains("Int32", StringComparison.Ordinal) || t.Contains("Int64", StringComparison.Ordinal) => "a whole number",
            var t when t.Contains("Double", StringComparison.Ordinal) => "a number such as 0.5",
            var t when t.Contains("DateTimeOffset", StringComparison.Ordinal) => "a date or time such as 2026-11-01 or 2026-11-01T12:00:00Z",
            var t when t.Contains("Boolean", StringComparison.Ordinal) => "true or false",
            _ => "a value of the right kind",
        });

    /// <summary>For an unknown option, the command's closest one (" Did you mean '--count'?"), or nothing.</summary>
    private static string DidYouMean(ParseResult parsed, string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, "'(--?[^']+)'");
        if (!match.Success || !message.StartsWith("Unrecognized", StringComparison.Ordinal))
        {
            return "";
        }

        var given = match.Groups[1].Value;
        var closest = parsed.CommandResult.Command.Options.Where(o => o.Name.StartsWith('-'))
            .Select(o => o.Name).MinBy(name => Distance(name, given));
        return closest is not null && Distance(closest, given) <= Math.Max(2, given.Length / 3) ? $" Did you mean '{closest}'?" : "";
    }

    /// <summary>Edit distance, for "did you mean".</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    /// <summary>Parses and runs a command line. Exit codes: 0 ok, 1 a failed run or check, 2 usage.</summary>
    public static async Task<int> Run(string[] args, Stream stdout, TextWriter stderr)
    {
        // Named for what the user types in the README (dotnet run --project src/Cli -- …), not the assembly.
        var root = new Command(Name, "DynamoLake: DynamoDB change data into an exact, queryable lake. Local workbench (installed as a .NET tool, or: dotnet run --project src/Cli -- COMMAND).")
        {
            new HelpOption(),
            new VersionOption(),
            PipelineCommand.Create(stdout, stderr),
            QueryCommand.Create(stdout, stderr),
            RedriveCommand.Create(stdout, stderr),
            BackfillCommand.Create(stdout, stderr),
            InvokeCommand.Create(stdout, stderr),
            MakeRequestCommand.Create(stdout, stderr),
            ContractCommand.Create(stdout, stderr),
            SeedCommand.Create(stdout, stderr),
            ExportCommand.Create(stdout, stderr),
            ProvisionCommand.Create(stdout, stderr),
            VerifyCommand.Create(stdout, stderr),
            TemplateCommand.Create(stdout, stderr),
        };

        foreach (var command in root.Subcommands)
        {
            if (s_examples.TryGetValue(command.Name, out var examples))
            {
                command.Description += "\n\nExamples:\n" + string.Concat(examples.Select(e => $"  {Name} {e}\n")).TrimEnd('\n');
            }
        }

        if (args is [var verb, ..] && !verb.StartsWith('-') && root.Subcommands.All(c => c.Name != verb))
        {
            var closest = root.Subcommands.Select(c => c.Name).MinBy(name => Distance(name, verb))!;
            await stderr.WriteLineAsync($"error: '{verb}' is not a {Name} command. Did you mean '{closest}'? Commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}.");
            return ExitCodes.Usage;
        }

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await stderr.WriteLineAsync($"error: {Plain(error.Message)}{DidYouMean(parsed, error.Message)}");
            }

            await stderr.WriteLineAsync("Run with --help for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            // Help and version go to stdout, like any tool's.
            await using var output = new StreamWriter(stdout, leaveOpen: true) { AutoFlush = true };
            // Ctrl+C cancels the run, which then removes what it wrote (a lake being built beside the one in
            // place, its spill): it gets time for that before the process ends regardless.
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (Exception e)
        {
            // A person gets the cause, not a stack trace (DYNAMOLAKE_DEBUG=1 shows it).
            await stderr.WriteLineAsync($"error: {ErrorText.Of(e)}");
            if (Environment.GetEnvironmentVariable("DYNAMOLAKE_DEBUG") == "1")
            {
                await stderr.WriteLineAsync(e.ToString());
            }

            return ExitCodes.Failed;
        }
    }
}
