using System.CommandLine;
using System.Globalization;
using System.Text;
using DynamoLake.Aws;
using DynamoLake.Core.Contract;
using DynamoLake.Local;
using DynamoLake.Local.Backfill;
using DynamoLake.Local.Pipeline;
using DynamoLake.Local.Verify;
using Spectre.Console;

namespace Cli;

/// <summary>
/// <c>verify</c>: proves a deployed lake equal to its DynamoDB table, in the user's own account — one Scan of the
/// table and one Athena UNLOAD of the lake, compared by the local pipeline's parity, with changes still in
/// flight told apart from differences.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var contractFile = ContractFlag.Create();
        var stack = new Option<string?>("--stack") { Description = "The deployed stack: names, settle window and the S3 path from its outputs and parameters." };
        var table = new Option<string?>("--table") { Description = "The DynamoDB table (default: the stack's SourceTableName)." };
        var catalog = new Option<string?>("--catalog") { Description = "Athena catalog of the table bucket, s3tablescatalog/BUCKET (default: from the stack)." };
        var database = new Option<string?>("--database") { Description = "The S3 Tables namespace (default: from the stack)." };
        var lakeTable = new Option<string?>("--lake-table") { Description = "The Iceberg table (default: from the stack, else the contract's table)." };
        var changeLog = new Option<string?>("--change-log-database") { Description = "Glue database of the S3 path, to check its current-state view too (default: the stack's ChangeLogDatabase when EnableS3Path)." };
        var stream = new Option<string?>("--stream") { Description = "Kinesis stream of the table's changes, to tell changes in flight (default: the stack's ChangeStreamName)." };
        var workGroup = new Option<string?>("--workgroup") { Description = "Athena workgroup (default: the stack's own, AthenaWorkGroup in its outputs; else primary)." };
        var results = new Option<string?>("--results") { Description = "s3://BUCKET/PREFIX/ for the UNLOAD (removed afterwards); default: the workgroup's result location (the stack's workgroup has one)." };
        var region = new Option<string?>("--region") { Description = "AWS region (default: the SDK's chain)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "One endpoint for every service (local stand-ins); AWS_ENDPOINT_URL_<SERVICE> overrides it per service." };
        var settle = new Option<int?>("--settle") { Description = "Seconds a change may take to reach the lake (default: the stack's buffer intervals + 120 s)." };
        var wait = new Option<int>("--wait") { Description = "Seconds to wait for changes in flight to settle, checking again (0: report them and stop).", DefaultValueFactory = _ => 0 };
        var segments = new Option<int>("--segments") { Description = "Parallel Scan segments.", DefaultValueFactory = _ => 4 };
        var queryTimeout = new Option<int>("--query-timeout") { Description = "Seconds an Athena query may run before it is stopped.", DefaultValueFactory = _ => 600 };
        var limit = new Option<int>("--limit") { Description = "Differences listed per relation.", DefaultValueFactory = _ => 20 };
        var showValues = new Option<bool>("--show-values") { Description = "Show the differing values (customer data) on this terminal; by default only keys and columns." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the queries and the IAM actions (with --in-athena: the statements), and stop (with --stack, only DescribeStacks is called)." };
        var inAthena = new Option<bool>("--in-athena") { Description = "With --stack: compare a DynamoDB export with the lake inside Athena (no Scan, no read capacity, no download); only the differences come back." };
        var exportArn = new Option<string?>("--export-arn") { Description = "With --in-athena: compare this completed export (DYNAMODB_JSON) instead of starting one." };
        var concurrency = new Option<int>("--concurrency") { Description = "With --in-athena: conversion invocations at once (one per data file of the export).", DefaultValueFactory = _ => 10 };
        var command = new Command("verify", "Prove a deployed lake equal to its DynamoDB table: one Scan, one Athena UNLOAD, compared by the local pipeline's parity; changes in flight are told apart.")
        {
            stack, table, catalog, database, lakeTable, changeLog, stream, workGroup, results, region, endpoint, settle, wait, segments, queryTimeout, limit, showValues, dryRun, inAthena, exportArn, concurrency, contractFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var contract = ContractFlag.Environment(parse, contractFile).Contract();
            Uri? endpointUri = null;
            if (parse.GetValue(endpoint) is { } text && !LocalEndpoint.TryParse(text, out endpointUri))
            {
                await stderr.WriteLineAsync($"error: --endpoint must be an http(s) URL such as http://127.0.0.1:5000, not '{text}'.");
                return ExitCodes.Usage;
            }

            foreach (var (name, value, least) in new[] { ("--segments", parse.GetValue(segments), 1), ("--query-timeout", parse.GetValue(queryTimeout), 1), ("--limit", parse.GetValue(limit), 1), ("--wait", parse.GetValue(wait), 0), ("--settle", parse.GetValue(settle) ?? 0, 0) })
            {
                if (value < least)
                {
                    await stderr.WriteLineAsync($"error: {name} must be at least {least}, not {value}.");
                    return ExitCodes.Usage;
                }
            }

            if (parse.GetValue(segments) > 1000)
            {
                await stderr.WriteLineAsync("error: --segments must be at most 1000 (DynamoDB's limit is 1,000,000, but more than the table's partitions only adds calls).");
                return ExitCodes.Usage;
            }

            if (parse.GetValue(inAthena) && parse.GetValue(stack) is null)
            {
                await stderr.WriteLineAsync("error: --in-athena needs --stack NAME: the stack's conversion function and backfill location convert the export, as backfill --stack does.");
                return ExitCodes.Usage;
            }

            if (parse.GetValue(inAthena) && parse.GetValue(concurrency) < 1)
            {
                await stderr.WriteLineAsync($"error: --concurrency must be at least 1, not {parse.GetValue(concurrency)}.");
                return ExitCodes.Usage;
            }

            if (parse.GetValue(inAthena) && BackfillPlan.Refusal(contract) is { } refusal)
            {
                await stderr.WriteLineAsync($"error: {refusal.Replace("backfill --stack", "verify --in-athena", StringComparison.Ordinal)}; verify without --in-athena compares them.");
                return ExitCodes.Usage;
            }

            var (session, problem) = AwsSession.Create(parse.GetValue(region), endpointUri, Environment.GetEnvironmentVariable, SeedCommand.ConfiguredRegion);
            if (session is null)
            {
                await stderr.WriteLineAsync($"error: {problem}");
                return ExitCodes.Usage;
            }

            try
            {
                // Credentials first (a stack is described with them): without them nothing can be called, and
                // the message says how to give them.
                if (parse.GetValue(stack) is not null || !parse.GetValue(dryRun))
                {
                    _ = session.Credentials;
                    if (session.CredentialsNote is { } note)
                    {
                        await stderr.WriteLineAsync($"note: {note}");
                    }
                }

                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
                var deployed = parse.GetValue(stack) is { } stackName
                    ? await CloudFormationStack.DescribeAsync(http, session.Endpoint("CLOUDFORMATION", "cloudformation"), stackName, session.Region, session.Credentials, cancellationToken)
                    : null;
                if (parse.GetValue(inAthena))
                {
                    var (exportTarget, lacking) = BackfillTarget.FromStack(deployed!, parse.GetValue(stack)!, parse.GetValue(workGroup), parse.GetValue(settle) is { } s ? TimeSpan.FromSeconds(s) : null);
                    if (exportTarget is null)
                    {
                        await stderr.WriteLineAsync($"error: {lacking}");
                        return ExitCodes.Failed;
                    }

                    return await InAthenaAsync(contract, session, exportTarget, parse.GetValue(exportArn), parse.GetValue(results), TimeSpan.FromSeconds(parse.GetValue(queryTimeout)), parse.GetValue(concurrency), parse.GetValue(limit), parse.GetValue(dryRun), stdout, stderr, cancellationToken);
                }

                var fromStack = deployed is not null ? VerifyTarget.FromStack(deployed) : new VerifyTarget.Names(null, null, null, null, null, null, null);
                var missing = new List<string>();
                string Need(string? flag, string? stacked, string option)
                {
                    if ((flag ?? stacked) is { } value)
                    {
                        return value;
                    }

                    missing.Add(option);
                    return "";
                }

                var target = new VerifyTarget
                {
                    Table = Need(parse.GetValue(table), fromStack.Table, "--table"),
                    Catalog = Need(parse.GetValue(catalog), fromStack.Catalog, "--catalog"),
                    Database = Need(parse.GetValue(database), fromStack.Database, "--database"),
                    LakeTable = parse.GetValue(lakeTable) ?? fromStack.LakeTable ?? contract.Table,
                    ChangeLogDatabase = parse.GetValue(changeLog) ?? fromStack.ChangeLogDatabase,
                    Stream = parse.GetValue(stream) ?? fromStack.Stream,
                    Settle = parse.GetValue(settle) is { } seconds ? TimeSpan.FromSeconds(seconds) : fromStack.Settle ?? VerifyTarget.DefaultSettle(TemplateFacts.LoadEmbedded()),
                    SettleSource = parse.GetValue(settle) is not null ? "--settle" : fromStack.Settle is not null ? "the stack's buffer intervals + 120 s" : "the template's default buffer intervals + 120 s",
                    Stack = parse.GetValue(stack),
                };
                if (missing.Count > 0)
                {
                    await stderr.WriteLineAsync($"error: nothing names the {string.Join(", ", missing)} to verify: give --stack NAME (a deployed DynamoLake stack), or {string.Join(" and ", missing)}.");
                    return ExitCodes.Usage;
                }

                if (!target.Catalog.StartsWith("s3tablescatalog/", StringComparison.Ordinal))
                {
                    await stderr.WriteLineAsync($"error: --catalog must be s3tablescatalog/BUCKET (Athena's name of the table bucket), not '{target.Catalog}'.");
                    return ExitCodes.Usage;
                }

                if (parse.GetValue(results) is { } location)
                {
                    try
                    {
                        S3Location.Parse(location);
                    }
                    catch (VerifyException e)
                    {
                        await stderr.WriteLineAsync($"error: {e.Message}");
                        return ExitCodes.Usage;
                    }
                }

                // The stack's own workgroup carries a result location, a bytes-scanned cutoff and engine version 3.
                var athenaWorkGroup = parse.GetValue(workGroup) ?? fromStack.WorkGroup ?? "primary";
                if (parse.GetValue(dryRun))
                {
                    await Write(stdout, DryRun(contract, target, session.Region, athenaWorkGroup, parse.GetValue(results)), cancellationToken);
                    return ExitCodes.Ok;
                }

                var options = new VerifyOptions
                {
                    WorkGroup = athenaWorkGroup,
                    Results = parse.GetValue(results),
                    Segments = parse.GetValue(segments),
                    QueryTimeout = TimeSpan.FromSeconds(parse.GetValue(queryTimeout)),
                    ShowValues = parse.GetValue(showValues),
                    Limit = parse.GetValue(limit),
                };
                return await RunAsync(contract, session, target, options, TimeSpan.FromSeconds(parse.GetValue(wait)), stdout, stderr, cancellationToken);
            }
            catch (Exception e) when (e is VerifyException or AwsCallException or AwsApiException or AthenaQueryException or LambdaFunctionException or PipelineException or DuckDB.NET.Data.DuckDBException)
            {
                await stderr.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException)
            {
                var denied = e is Amazon.Runtime.AmazonServiceException { ErrorCode: "AccessDenied" or "AccessDeniedException" } ? " docs/verify.md's policy lists every action verify needs." : "";
                await stderr.WriteLineAsync($"error: {ErrorText.ServiceCall(e)}{denied}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    // verify --in-athena: an export against the lake, compared in Athena; the same report and exit codes.
    private static async Task<int> InAthenaAsync(TableContract contract, AwsSession session, BackfillTarget target, string? exportArn, string? results, TimeSpan queryTimeout, int concurrency, int limit, bool dryRun, Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (dryRun)
        {
            var staging = BackfillPlan.Glue(target.ChangeLogDatabase, BackfillPlan.StagingTable(contract, "EXPORT_ID"));
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"source: a DynamoDB export of '{target.Table}' (ExportTableToPointInTime at now, no read capacity), converted by Lambda '{target.Function}' under {target.Location}rows/EXPORT_ID/\n");
            text.Append(CultureInfo.InvariantCulture, $"lake: {target.LakeTable}, compared inside Athena workgroup '{target.WorkGroup}' once the export is {target.Settle.TotalSeconds:0} s old; keys changed since the export are counted, not compared\n");
            text.Append("queries:\n");
            text.Append("  ").Append(BackfillPlan.CreateStaging(contract, target.ChangeLogDatabase, BackfillPlan.StagingTable(contract, "EXPORT_ID"), $"{target.Location}rows/EXPORT_ID/")).Append('\n');
            text.Append("  UNLOAD (").Append(ExportComparison.Differences(contract, target.LakeTable, staging, BackfillPlan.ChangeLog(contract, target.ChangeLogDatabase), 0)).Append(CultureInfo.InvariantCulture, $") TO '{target.Location}verify/RUN/' WITH (format = 'PARQUET')\n");
            text.Append("  ").Append(BackfillPlan.DropStaging(target.ChangeLogDatabase, BackfillPlan.StagingTable(contract, "EXPORT_ID"))).Append('\n');
            await Write(stdout, text.ToString(), cancellationToken);
            return ExitCodes.Ok;
        }

        var result = await new ExportVerify(contract, session, results, queryTimeout, concurrency, limit, stderr).RunAsync(target, exportArn, cancellationToken);
        var report = new StringBuilder();
        report.Append(CultureInfo.InvariantCulture, $"{target.LakeTable}: {Counted.Of(result.Count, "difference")}\n");
        foreach (var difference in result.Differences)
        {
            report.Append("  ").Append(difference).Append('\n');
        }

        var failed = result.Failed.Values.Sum();
        if (failed > 0)
        {
            report.Append(CultureInfo.InvariantCulture, $"not compared: {failed:N0} export items the conversion failed ({string.Join(", ", result.Failed.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}: {f.Value:N0}"))})\n");
        }

        report.Append(CultureInfo.InvariantCulture, $"parity: {result.Rows:N0} rows, {Counted.Of(result.Count, "difference")} ({result.Changed:N0} keys changed since the export, not compared; export {result.ExportArn}; Athena scanned {result.ScannedBytes:N0} bytes)\n");
        await Write(stdout, report.ToString(), cancellationToken);
        return result.Count == 0 && failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task<int> RunAsync(TableContract contract, AwsSession session, VerifyTarget target, VerifyOptions options, TimeSpan wait, Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + wait;
        var run = new VerifyRun(contract, session, options, stderr);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
        while (true)
        {
            var result = await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn("items/s"), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var scan = progress.AddTask($"scanning '{target.Table}'", maxValue: 1);
                    var outcome = await run.RunAsync(
                        target,
                        (read, expected) =>
                        {
                            scan.MaxValue = Math.Max(Math.Max(expected, read), 1);
                            scan.Value = read;
                        },
                        cancellationToken);
                    scan.Value = scan.MaxValue;
                    return outcome;
                });

            foreach (var (phase, elapsed) in result.Timings)
            {
                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {phase}: done at {elapsed.TotalSeconds:F1} s"));
            }

            foreach (var left in result.LeftBehind)
            {
                await stderr.WriteLineAsync($"warning: verify could not remove what it wrote under {left}; remove it yourself (aws s3 rm --recursive).");
            }

            var now = DateTimeOffset.UtcNow;
            if (result.Equal && result.InFlight > 0 && wait > TimeSpan.Zero)
            {
                var settled = result.SettlesAt ?? now;
                if (settled <= deadline)
                {
                    await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{result.InFlight:N0} keys in flight: checking again at {settled:HH:mm:ss}Z, once their latest change is {target.Settle.TotalSeconds:0} s old (--wait)"));
                    await Task.Delay(settled - now > TimeSpan.Zero ? settled - now : TimeSpan.Zero, cancellationToken);
                    continue;
                }

                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{result.InFlight:N0} keys are still in flight and settle by {settled:HH:mm:ss}Z, after --wait ends; give --wait {Math.Ceiling((settled - now).TotalSeconds + 5):0} or more to see them settle."));
            }

            await Write(stdout, Report(target, result), cancellationToken);
            return result.Equal ? ExitCodes.Ok : ExitCodes.Failed;
        }
    }

    private static string Report(VerifyTarget target, VerifyResult result)
    {
        var text = new StringBuilder();
        var inFlight = target.Stream is null ? "changes in flight not checked: give --stream or --stack" : string.Create(CultureInfo.InvariantCulture, $"{result.InFlight:N0} in flight");
        if (target.Stream is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"in flight: {result.ChangedKeys:N0} keys changed on '{target.Stream}' within the settle window ({target.Settle.TotalSeconds:0} s, {target.SettleSource})\n");
        }

        foreach (var (name, differences, keys) in result.Relations)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {Parity.Summary(differences)}{(target.Stream is null ? "" : $" ({keys:N0} in flight)")}\n");
            foreach (var difference in differences)
            {
                text.Append("  ").Append(difference).Append('\n');
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"parity: {result.SourceRows:N0} rows, {Parity.Summary(result.Relations.Select(r => r.Differences))} ({inFlight})\n");
        return text.ToString();
    }

    private static string DryRun(TableContract contract, VerifyTarget target, string region, string workGroup, string? results)
    {
        var location = results ?? "s3://RESULTS/";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"source: DynamoDB table '{target.Table}' in {region}: one consistent, parallel Scan\n");
        text.Append(CultureInfo.InvariantCulture, $"lake: {target.AthenaTable}{(target.AthenaView(contract) is { } v ? " and " + v : "")}, through Athena workgroup '{workGroup}'; the UNLOAD goes under {location}dynamolake-verify/RUN/ and is removed afterwards{(results is null ? " (RESULTS: the workgroup's result location)" : "")}\n");
        text.Append(CultureInfo.InvariantCulture, $"in flight: {(target.Stream is { } s ? $"keys changed on the Kinesis stream '{s}' within {target.Settle.TotalSeconds:0} s ({target.SettleSource}) of the run" : "not checked (no --stream)")}\n");
        text.Append("queries:\n");
        text.Append("  ").Append(VerifyPlan.Unload(contract, target.AthenaTable, $"{location}dynamolake-verify/RUN/table/", iceberg: true)).Append('\n');
        if (target.AthenaView(contract) is { } view)
        {
            text.Append("  ").Append(VerifyPlan.Unload(contract, view, $"{location}dynamolake-verify/RUN/view/", iceberg: false)).Append('\n');
        }

        text.Append("IAM actions:\n");
        foreach (var permission in VerifyPlan.Permissions(target, region, workGroup, results ?? "s3://RESULTS/", contract))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {permission.Action,-36} {permission.Resource}   ({permission.Why})\n");
        }

        return text.ToString();
    }

    private static async Task Write(Stream stdout, string text, CancellationToken cancellationToken)
    {
        await stdout.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await stdout.FlushAsync(cancellationToken);
    }
}
