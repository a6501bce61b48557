using System.CommandLine;
using System.Globalization;
using System.Text;
using DynamoLake.Aws;
using DynamoLake.Core.Contract;
using DynamoLake.Local;
using DynamoLake.Local.Backfill;
using DynamoLake.Local.Pipeline;
using DynamoLake.Local.Verify;

namespace Cli;

/// <summary>
/// <c>backfill PATH</c>: reads a DynamoDB export (DynamoDB JSON lines, <c>{"Item":{…}}</c>, optionally .gz)
/// and feeds every item through the same contract and functions as an INSERT, so existing data joins the lake.
/// <c>backfill --stack NAME</c>: the same for a deployed lake, run by AWS's services (ADR 0018).
/// </summary>
internal static class BackfillCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var path = new Argument<string?>("path") { Description = "An export file or folder (e.g. the export's data/ folder with *.json.gz), for the local lake.", Arity = ArgumentArity.ZeroOrOne };
        var lake = new Option<string>("--lake") { Description = "Folder of the local lake.", DefaultValueFactory = _ => "lake" };
        var contractFile = ContractFlag.Create();
        var stack = new Option<string?>("--stack") { Description = "A deployed stack (with EnableS3Path=true): export its table, convert the export with its conversion function and hand it over in Athena (ADR 0018)." };
        var exportArn = new Option<string?>("--export-arn") { Description = "With --stack: take this completed export (DYNAMODB_JSON) instead of starting one." };
        var region = new Option<string?>("--region") { Description = "AWS region (default: the SDK's chain)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "One endpoint for every service (local stand-ins); AWS_ENDPOINT_URL_<SERVICE> overrides it per service." };
        var workGroup = new Option<string?>("--workgroup") { Description = "Athena workgroup (default: the stack's own)." };
        var results = new Option<string?>("--results") { Description = "s3://BUCKET/PREFIX/ for Athena's result files (default: the workgroup's result location)." };
        var concurrency = new Option<int>("--concurrency") { Description = "Conversion invocations at once (one per data file of the export).", DefaultValueFactory = _ => 10 };
        var queryTimeout = new Option<int>("--query-timeout") { Description = "Seconds an Athena query may run before it is stopped (Athena's own DML limit is 30 minutes unless raised).", DefaultValueFactory = _ => 1800 };
        var repairWait = new Option<int?>("--repair-wait") { Description = "Seconds between the two repairs, for changes in flight at the load to settle (default: the stack's buffer intervals + 120 s)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "With --stack: print the Athena statements and stop (only DescribeStacks is called)." };
        var loads = new Option<int>("--loads") { Description = "With --stack: split the load into this many MERGE statements by data file, run one after another (a table whose load would pass Athena's 30-minute DML limit or the workgroup's bytes-scanned cutoff).", DefaultValueFactory = _ => 1 };
        var command = new Command("backfill", "Load a table's existing items into the lake: a local export into the local lake, or (--stack) a deployed table's export into its deployed lake.")
        {
            path, lake, contractFile, stack, exportArn, region, endpoint, workGroup, results, concurrency, queryTimeout, repairWait, dryRun, loads,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var environment = ContractFlag.Environment(parse, contractFile);
            var contract = environment.Contract();
            if (parse.GetValue(stack) is { } stackName)
            {
                if (parse.GetValue(path) is not null)
                {
                    await stderr.WriteLineAsync("error: give PATH (a local export, for the local lake) or --stack NAME (a deployed lake), not both.");
                    return ExitCodes.Usage;
                }

                return await StackAsync(parse, stackName, contract, stdout, stderr, (exportArn, region, endpoint, workGroup, results, concurrency, queryTimeout, repairWait, dryRun, loads), cancellationToken);
            }

            if (parse.GetValue(path) is not { } exportPath)
            {
                await stderr.WriteLineAsync("error: nothing to backfill: give PATH (a DynamoDB export on this machine, for the local lake) or --stack NAME (a deployed stack).");
                return ExitCodes.Usage;
            }

            var template = environment.Template();
            var paths = LakePaths.For(parse.GetValue(lake)!, template, contract);
            // Built beside the lake in place and put in place only once complete (ADR 0012).
            return await StagedRun.RunAsync(paths, stderr, async stage =>
            {
                var now = DateTimeOffset.UtcNow;
                var changes = ExportReader.Changes(exportPath, [.. contract.UniqueKey.Select(c => c.Source)], contract.Table, now.ToUnixTimeMilliseconds() * 1000);
                var delivery = new FirehoseDelivery(template.ProcessorBufferBytes, shards: 4, duplicates: 0, shuffleSeed: null, seed: 1, now.ToUnixTimeMilliseconds());
                string line;
                bool failed;
                long items;
                using (var loader = LakeLoader.OnExistingLake(environment, template, stage))
                {
                    var before = loader.Iceberg.Count;
                    await loader.DeliverAsync(changes, delivery, null, cancellationToken);
                    var files = await loader.WriteAsync(cancellationToken);
                    line = string.Create(
                        CultureInfo.InvariantCulture,
                        $"backfill: {Counted.Of(loader.Changes, "item")}: {loader.Transform.Ok:N0} Ok, {loader.Transform.Failed:N0} failed; lake rows {before:N0} → {loader.Iceberg.Count:N0}; {Counted.Of(files.Iceberg + files.ChangeLog, "Parquet file")}, {Counted.Of(files.Errors, "error object")} written\n");
                    failed = loader.Transform.Failed > 0;
                    items = loader.Changes;
                }

                var details = string.Create(CultureInfo.InvariantCulture, $"{items:N0} items from {Path.GetFullPath(exportPath)}");
                return await StagedRun.CommitAsync(stage, "backfill", details, line, failed, stdout, stderr, cancellationToken);
            }, cancellationToken);
        });
        return command;
    }

    // backfill --stack: the deployed hand-off (ADR 0018).
    private static async Task<int> StackAsync(
        ParseResult parse,
        string stackName,
        TableContract contract,
        Stream stdout,
        TextWriter stderr,
        (Option<string?> ExportArn, Option<string?> Region, Option<string?> Endpoint, Option<string?> WorkGroup, Option<string?> Results, Option<int> Concurrency, Option<int> QueryTimeout, Option<int?> RepairWait, Option<bool> DryRun, Option<int> Loads) o,
        CancellationToken cancellationToken)
    {
        Uri? endpointUri = null;
        if (parse.GetValue(o.Endpoint) is { } text && !LocalEndpoint.TryParse(text, out endpointUri))
        {
            await stderr.WriteLineAsync($"error: --endpoint must be an http(s) URL such as http://127.0.0.1:5000, not '{text}'.");
            return ExitCodes.Usage;
        }

        foreach (var (name, value, least) in new[] { ("--concurrency", parse.GetValue(o.Concurrency), 1), ("--query-timeout", parse.GetValue(o.QueryTimeout), 1), ("--repair-wait", parse.GetValue(o.RepairWait) ?? 0, 0), ("--loads", parse.GetValue(o.Loads), 1) })
        {
            if (value < least)
            {
                await stderr.WriteLineAsync($"error: {name} must be at least {least}, not {value}.");
                return ExitCodes.Usage;
            }
        }

        if (BackfillPlan.Refusal(contract) is { } refusal)
        {
            await stderr.WriteLineAsync($"error: {refusal}.");
            return ExitCodes.Usage;
        }

        var (session, problem) = AwsSession.Create(parse.GetValue(o.Region), endpointUri, Environment.GetEnvironmentVariable, SeedCommand.ConfiguredRegion);
        if (session is null)
        {
            await stderr.WriteLineAsync($"error: {problem}");
            return ExitCodes.Usage;
        }

        try
        {
            _ = session.Credentials;
            if (session.CredentialsNote is { } note)
            {
                await stderr.WriteLineAsync($"note: {note}");
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var deployed = await CloudFormationStack.DescribeAsync(http, session.Endpoint("CLOUDFORMATION", "cloudformation"), stackName, session.Region, session.Credentials, cancellationToken);
            var (target, lacking) = BackfillTarget.FromStack(deployed, stackName, parse.GetValue(o.WorkGroup), parse.GetValue(o.RepairWait) is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
            if (target is null)
            {
                await stderr.WriteLineAsync($"error: {lacking}");
                return ExitCodes.Failed;
            }

            if (parse.GetValue(o.DryRun))
            {
                var id = "EXPORT_ID";
                var staging = BackfillPlan.Glue(target.ChangeLogDatabase, BackfillPlan.StagingTable(contract, id));
                var changes = BackfillPlan.ChangeLog(contract, target.ChangeLogDatabase);
                var plan = new StringBuilder();
                plan.Append(CultureInfo.InvariantCulture, $"export: DynamoDB table '{target.Table}' at now (ExportTableToPointInTime, DYNAMODB_JSON) to {target.Location}exports/\n");
                plan.Append(CultureInfo.InvariantCulture, $"conversion: Lambda '{target.Function}' once per data file ({parse.GetValue(o.Concurrency)} at once), rows to {target.Location}rows/EXPORT_ID/\n");
                plan.Append(CultureInfo.InvariantCulture, $"hand-off in Athena workgroup '{target.WorkGroup}', one statement at a time:\n");
                var stagingTable = BackfillPlan.StagingTable(contract, id);
                var steps = new List<string>
                {
                    BackfillPlan.DropStaging(target.ChangeLogDatabase, stagingTable),
                    BackfillPlan.CreateStaging(contract, target.ChangeLogDatabase, stagingTable, $"{target.Location}rows/{id}/"),
                    parse.GetValue(o.Loads) > 1
                        ? BackfillPlan.Load(contract, target.LakeTable, staging, changes, [$"{target.Location}rows/{id}/FILE", "…"]) + $"   -- {parse.GetValue(o.Loads)} of these, the rows files split by bytes"
                        : BackfillPlan.Load(contract, target.LakeTable, staging, changes),
                    BackfillPlan.Repair(contract, target.LakeTable, changes, id),
                    $"-- after {target.Settle.TotalSeconds:0} s, once changes in flight at the load have settled:",
                    BackfillPlan.Repair(contract, target.LakeTable, changes, id),
                    $"-- the rows files copied inside S3 to {target.Snapshot}{id}-FILE (the snapshot table the current-state view reads)",
                    BackfillPlan.DropStaging(target.ChangeLogDatabase, stagingTable),
                };
                foreach (var step in steps)
                {
                    plan.Append("  ").Append(step).Append(step.StartsWith("--", StringComparison.Ordinal) ? "\n" : ";\n");
                }

                await stdout.WriteAsync(Encoding.UTF8.GetBytes(plan.ToString()), cancellationToken);
                return ExitCodes.Ok;
            }

            var options = new BackfillOptions(parse.GetValue(o.ExportArn), parse.GetValue(o.Concurrency), TimeSpan.FromSeconds(parse.GetValue(o.QueryTimeout)), parse.GetValue(o.Results), parse.GetValue(o.Loads));
            var result = await new BackfillRun(contract, session, options, stderr).RunAsync(target, cancellationToken);
            var failed = result.Failed.Values.Sum();
            var reasons = failed == 0 ? "" : " (" + string.Join(", ", result.Failed.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Key}: {f.Value:N0}"))) + "; the conversion function's log has each file's codes; correct the contract and run backfill again)";
            await stdout.WriteAsync(
                Encoding.UTF8.GetBytes(string.Create(
                    CultureInfo.InvariantCulture,
                    $"backfill: export {result.ExportArn} at {result.ExportTime:yyyy-MM-dd'T'HH:mm:ss'Z'}: {Counted.Of(result.Items, "item")} in {Counted.Of(result.Files, "data file")}, {result.Rows:N0} converted, {failed:N0} failed{reasons}; loaded into {target.LakeTable} where the stream had not spoken, repaired twice; Athena scanned {result.ScannedBytes:N0} bytes\n")),
                cancellationToken);
            return failed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        }
        catch (Exception e) when (e is VerifyException or AwsCallException or AwsApiException or AthenaQueryException or LambdaFunctionException)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException)
        {
            await stderr.WriteLineAsync($"error: {ErrorText.ServiceCall(e)}");
            return ExitCodes.Failed;
        }
    }
}
