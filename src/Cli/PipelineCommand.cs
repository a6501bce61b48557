using System.CommandLine;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using DynamoLake.Core.Contract;
using DynamoLake.Local;
using DynamoLake.Local.Pipeline;
using Seeder;
using Spectre.Console;

namespace Cli;

/// <summary>
/// <c>pipeline</c>: the whole record path on this machine and the proof that the lake equals the source.
/// Embedded by default (an in-process change capture); <c>--endpoint</c> uses a real DynamoDB API with
/// Streams (moto). Prints a summary table and <c>parity: N rows, 0 differences</c>; exit 1 when they differ.
/// </summary>
internal static class PipelineCommand
{
    public const int DefaultCount = 20_000;

    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var defaults = new WorkloadOptions();
        var count = new Option<int>("--count", "-n") { Description = "Transactions the Seeder's workload inserts (then updates, deletes, expires).", DefaultValueFactory = _ => DefaultCount };
        var seed = new Option<long>("--seed") { Description = "Workload seed.", DefaultValueFactory = _ => defaults.Seed };
        var updates = new Option<double>("--update-fraction") { DefaultValueFactory = _ => defaults.UpdateFraction, Description = "Share of transactions updated." };
        var deletes = new Option<double>("--delete-fraction") { DefaultValueFactory = _ => defaults.DeleteFraction, Description = "Share of transactions deleted." };
        var moves = new Option<double>("--move-fraction") { DefaultValueFactory = _ => defaults.MoveFraction, Description = "Share of the updated transactions whose update re-dates them to an earlier day (moves their Iceberg partition; the Transform fails them as partition_moved)." };
        var streamView = new Option<string?>("--stream-view") { Description = "Read the changes as DynamoDB Streams with this view, as EventBridge Pipes delivers them: NEW_AND_OLD_IMAGES, or NEW_IMAGE (a REMOVE carries only its key; the Transform fails it as unknown_partition). Default: Kinesis Data Streams for DynamoDB." };
        streamView.AcceptOnlyFromAmong([.. StreamViews.All]);
        var ttl = new Option<double>("--ttl-fraction") { DefaultValueFactory = _ => defaults.TtlFraction, Description = "Share of transactions with expires_at (expired by TTL in the run)." };
        var output = new Option<string>("--lake", "--out") { Description = "Folder of the local lake (--out is the same).", DefaultValueFactory = _ => "lake" };
        var force = new Option<bool>("--force") { Description = "Replace a lake that holds error records not redriven, or rows backfilled or redriven since the last pipeline run." };
        var duplicates = new Option<double>("--duplicates") { Description = "Share of requests after which the shard is read again from one of its last two requests (at-least-once), 0-1.", DefaultValueFactory = _ => 0 };
        var shuffle = new Option<bool>("--shuffle") { Description = "Interleave the shards' requests at random (each shard stays in order, as with Kinesis)." };
        var shards = new Option<int>("--shards") { Description = "Stream shards (1-64).", DefaultValueFactory = _ => 4 };
        var endpoint = new Option<string?>("--endpoint") { Description = "DynamoDB endpoint with Streams, e.g. moto at http://127.0.0.1:5000: the Seeder writes there and changes are read from the table's stream." };
        var region = new Option<string?>("--region") { Description = "Region for --endpoint (default us-east-1)." };
        var table = new Option<string?>("--table") { Description = "Table name (default: the contract's); with --endpoint, created when missing." };
        var from = WorkloadWindow.FromOption();
        var days = WorkloadWindow.DaysOption();
        var contractFile = ContractFlag.Create();
        var existing = new Option<int>("--existing") { Description = "Items already in the table before capture starts (the workload's first ones, within --count): they reach the lake by a snapshot handed over while the stream goes on, as backfill --stack does for a deployed stack (ADR 0018). With --endpoint, the snapshot is the table's export (ExportTableToPointInTime), read as AWS writes it", DefaultValueFactory = _ => 0 };

        var command = new Command("pipeline", "Run the record path locally (source, Firehose, Transform and PartitionKeys, Iceberg and S3 sinks) and check the lake equals the source.")
        {
            count, seed, updates, moves, deletes, ttl, from, days, output, force, duplicates, shuffle, shards, streamView, endpoint, region, table, contractFile, existing,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var problems = new List<string>();
            var (start, window, windowProblem) = WorkloadWindow.Resolve(parse.GetValue(from), parse.GetValue(days), DateTimeOffset.UtcNow);
            if (windowProblem is not null)
            {
                problems.Add(windowProblem);
            }

            var workload = new WorkloadOptions
            {
                Count = parse.GetValue(count),
                Seed = parse.GetValue(seed),
                UpdateFraction = parse.GetValue(updates),
                MoveFraction = parse.GetValue(moves),
                DeleteFraction = parse.GetValue(deletes),
                TtlFraction = parse.GetValue(ttl),
                From = windowProblem is null ? start : WorkloadOptions.DefaultFrom,
                Window = windowProblem is null ? window : new WorkloadOptions().Window,
            };
            problems.AddRange(WorkloadFlags.Problems(workload));
            var rate = parse.GetValue(duplicates);
            if (!(rate is >= 0 and <= 1))
            {
                problems.Add($"--duplicates must be between 0 and 1, not {rate.ToString(CultureInfo.InvariantCulture)}.");
            }

            if (parse.GetValue(existing) is var existingItems && (existingItems < 0 || existingItems > workload.Count))
            {
                problems.Add($"--existing must be between 0 and --count ({workload.Count}), not {existingItems}.");
            }

            if (parse.GetValue(shards) is < 1 or > 64)
            {
                problems.Add($"--shards must be between 1 and 64, not {parse.GetValue(shards)}.");
            }

            Uri? endpointUri = null;
            if (parse.GetValue(endpoint) is { } text && !LocalEndpoint.TryParse(text, out endpointUri))
            {
                problems.Add($"--endpoint must be an http(s) URL such as http://127.0.0.1:5000, not '{text}'.");
            }

            var lakeFolder = parse.GetValue(output)!;
            if (File.Exists(lakeFolder))
            {
                problems.Add($"--lake '{lakeFolder}' is a file; give a folder for the lake (it is created when missing).");
            }

            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    stderr.WriteLine($"error: {problem}");
                }

                return Task.FromResult(ExitCodes.Usage);
            }

            var environment = ContractFlag.Environment(parse, contractFile);
            var main = environment.Contracts().Contracts[0];
            if (environment.IsSet && parse.GetValue(existing) > 0)
            {
                stderr.WriteLine("error: --existing hands a snapshot over to one contract's table; a set of contracts has no S3 change log yet to tell what changed since the snapshot (ADR 0018).");
                return Task.FromResult(ExitCodes.Usage);
            }

            if (environment.IsSet && endpointUri is not null)
            {
                stderr.WriteLine("error: --endpoint runs one contract: a set of contracts runs embedded (drop --endpoint), or run each contract's table on its own.");
                return Task.FromResult(ExitCodes.Usage);
            }

            var paths = LakePaths.For(lakeFolder, environment.Template(), main);
            if (CannotWrite(paths.Root) is { } why)
            {
                stderr.WriteLine($"error: cannot write the lake at '{paths.Root}': {why} Choose a writable --lake.");
                return Task.FromResult(ExitCodes.Failed);
            }

            var options = new PipelineOptions
            {
                Workload = workload,
                Out = lakeFolder,
                Environment = environment,
                Endpoint = endpointUri,
                Region = parse.GetValue(region),
                Table = parse.GetValue(table) ?? main.SourceTable ?? main.Table,
                Duplicates = rate,
                Shuffle = parse.GetValue(shuffle),
                Force = parse.GetValue(force),
                Shards = parse.GetValue(shards),
                StreamView = parse.GetValue(streamView),
                Existing = parse.GetValue(existing),
            };
            return RunAsync(options, stdout, stderr, cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(PipelineOptions options, Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
        PipelineResult result;
        TimeSpan? seeding = null;
        var notes = new StringWriter(CultureInfo.InvariantCulture);
        var runner = new PipelineRun();
        try
        {
            result = await console.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn("records/s"), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    IChangeSource source;
                    IWorkload? workload = null;
                    if (options.Endpoint is null)
                    {
                        // The sample's transactions when they fit the contract, else the contract's own items; a set's, interleaved.
                        workload = options.Environment.IsSet ? new WorkloadSet(options.Environment.Contracts(), options.Workload) : Workloads.For(options.Environment.Contract(), options.Workload);
                        source = new ChangeCapture(workload, options.Table, options.Workload.From + options.Workload.Window + options.Workload.TtlAfter, options.StreamView, options.Existing);
                    }
                    else
                    {
                        // Seeding a real DynamoDB API takes most of the time: it has its own bar and its own line in the timings.
                        var plan = SeedRun.Plan(options.Workload);
                        var seed = progress.AddTask("seeding (writes)", maxValue: Math.Max(plan.Inserts + plan.Updates + plan.Deletes, 1));
                        var watch = System.Diagnostics.Stopwatch.StartNew();
                        source = await StreamsSource.PrepareAsync(options, notes, (_, n) => seed.Increment(n), cancellationToken);
                        seeding = watch.Elapsed;
                        seed.Value = seed.MaxValue;
                    }

                    var expected = workload is null ? (long?)null : ChangeCapture.CountChanges(workload) - options.Existing;
                    var task = progress.AddTask("change records", maxValue: expected ?? 1);
                    // After delivery, each phase shows as its own line until it ends (writing files and parity take a while at size).
                    var current = task;
                    var run = await runner.RunAsync(
                        options,
                        source,
                        n => task.Value = Math.Min(n, task.MaxValue),
                        cancellationToken,
                        phase =>
                        {
                            current.Value = current.MaxValue;
                            current.StopTask();
                            current = progress.AddTask(phase, maxValue: 1).IsIndeterminate();
                        });
                    current.IsIndeterminate(false).Value = current.MaxValue;
                    return run;
                });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync($"cancelled: {LakeStage.Untouched(options.Out)}");
            return ExitCodes.Cancelled;
        }
        catch (UnauthorizedAccessException e)
        {
            await stderr.WriteLineAsync($"error: cannot write the lake at '{Path.GetFullPath(options.Out)}': {e.Message} Choose a writable --lake.");
            await Untouched(stderr, runner, options);
            return ExitCodes.Failed;
        }
        catch (IOException e) when (e.HResult == DiskFull || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase))
        {
            await stderr.WriteAsync(notes.ToString());
            await stderr.WriteLineAsync($"error: the disk under the lake at '{Path.GetFullPath(options.Out)}' is full ({e.Message}). A run needs several times the lake's size while it lasts: it builds the new lake beside the one in place, in '{Path.GetFullPath(options.Out)}/.stage-…', and its rows wait there as JSON until it ends. Free space there or choose another --lake.");
            await Untouched(stderr, runner, options);
            return ExitCodes.Failed;
        }
        catch (Exception e) when (ErrorText.Credentials(e) is { } credentials)
        {
            await stderr.WriteAsync(notes.ToString());
            await stderr.WriteLineAsync($"error: {credentials}");
            await Untouched(stderr, runner, options);
            return ExitCodes.Failed;
        }
        catch (Exception e) when (options.Endpoint is { } endpoint && e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            await stderr.WriteAsync(notes.ToString());
            await stderr.WriteLineAsync($"error: DynamoDB at {endpoint} failed: {ErrorText.Of(e)}. Is the server running there (moto: python3 -m moto.server -H 127.0.0.1 -p {endpoint.Port}), and is --endpoint right?");
            await Untouched(stderr, runner, options);
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is PipelineException or SeedException or AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            await stderr.WriteAsync(notes.ToString());
            await stderr.WriteLineAsync($"error: {ErrorText.Of(e)}");
            await Untouched(stderr, runner, options);
            return ExitCodes.Failed;
        }

        await stderr.WriteAsync(notes.ToString());
        await StagedRun.WarnAsync(stderr, result.LeftBehind);
        Summary(console, result, seeding);
        var lines = new StringBuilder();
        if (result.Tables.Count == 1)
        {
            lines.Append(CultureInfo.InvariantCulture, $"parity: {result.SourceRows:N0} rows, {Parity.Summary(result.Differences)}\n");
        }
        else
        {
            // A set of contracts: each destination table against its own items.
            foreach (var table in result.Tables)
            {
                lines.Append(CultureInfo.InvariantCulture, $"parity ({table.Table}): {table.SourceRows:N0} rows, {Parity.Summary(table.Differences)}\n");
            }
        }

        if (result.HasS3Path)
        {
            lines.Append(CultureInfo.InvariantCulture, $"view parity (S3 change log, {LakeSchema.CurrentView(options.Environment.Contract())}): {Parity.Summary(result.ViewDifferences)}\n");
        }

        await stdout.WriteAsync(Encoding.UTF8.GetBytes(lines.ToString()), cancellationToken);
        await stdout.FlushAsync(cancellationToken);
        if (!result.Equal)
        {
            foreach (var table in result.Tables)
            {
                foreach (var difference in table.Differences)
                {
                    await stderr.WriteLineAsync(result.Tables.Count == 1 ? $"difference: {difference}" : $"difference ({table.Table}): {difference}");
                }
            }

            foreach (var difference in result.ViewDifferences)
            {
                await stderr.WriteLineAsync($"view difference: {difference}");
            }

            return ExitCodes.Failed;
        }

        return ExitCodes.Ok;
    }


    // After a failure: the lake is as it was, unless the run had already put its own in place.
    private static Task Untouched(TextWriter stderr, PipelineRun runner, PipelineOptions options) =>
        runner.Committed ? Task.CompletedTask : stderr.WriteLineAsync(LakeStage.Untouched(options.Out));

    // ENOSPC: what an IOException's HResult carries on Linux when a write finds the disk full.
    private const int DiskFull = 28;

    /// <summary>Why the lake folder cannot be written (created when missing), or null when it can.</summary>
    private static string? CannotWrite(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".write-probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    private static void Summary(IAnsiConsole console, PipelineResult result, TimeSpan? seeding)
    {
        // A set of contracts has no S3 path (one table per S3 delivery stream): its column is left out.
        var s3 = result.HasS3Path;
        var table = new Table().Title("local record path").AddColumns(s3 ? ["", "Transform → Iceberg", "PartitionKeys → S3"] : ["", "Transform → Iceberg"]);
        void Row(string name, string iceberg, string changeLog) => table.AddRow(s3 ? [name, iceberg, changeLog] : [name, iceberg]);
        Row("change records", $"{result.ChangeRecords:N0}", $"{result.ChangeRecords:N0}");
        Row("requests (redelivered)", $"{result.Requests:N0} ({result.Redelivered:N0})", $"{result.Requests:N0} ({result.Redelivered:N0})");
        Row("records in", $"{result.Transform.In:N0}", $"{result.PartitionKeys.In:N0}");
        Row("Ok", $"{result.Transform.Ok:N0}", $"{result.PartitionKeys.Ok:N0}");
        Row("Dropped", $"{result.Transform.Dropped:N0}", $"{result.PartitionKeys.Dropped:N0}");
        Row("ProcessingFailed", $"{result.Transform.Failed:N0}", $"{result.PartitionKeys.Failed:N0}");
        foreach (var ((function, reason), n) in result.FailedByReason.OrderBy(r => r.Key.Reason, StringComparer.Ordinal))
        {
            Row($"  {reason}", function == "Transform" ? $"{n:N0}" : "", function == "PartitionKeys" ? $"{n:N0}" : "");
        }

        if (result.HandOff is { } handOff)
        {
            Row("snapshot hand-off", $"{handOff.Counts.Loaded:N0} loaded, {handOff.Counts.Skipped:N0} skipped, {handOff.Counts.Repaired:N0} repaired, {handOff.Failed:N0} failed", "");
        }

        Row("files written", $"{result.IcebergFiles:N0} Parquet, {result.ErrorFiles:N0} error objects", $"{result.ChangeLogFiles:N0} Parquet");
        foreach (var parity in result.Tables)
        {
            Row(result.Tables.Count == 1 ? "lake rows / source rows" : $"{parity.Table}: lake / source rows", $"{parity.LakeRows:N0} / {parity.SourceRows:N0}", "");
        }

        Row("records/s", string.Create(CultureInfo.InvariantCulture, $"{result.ChangeRecords / Math.Max(result.Elapsed.TotalSeconds, 1e-9):N0} in {result.Elapsed.TotalSeconds:F1} s"), "");
        var previous = TimeSpan.Zero;
        var phases = string.Join(", ", result.Timings.Select(t =>
        {
            var spent = t.Elapsed - previous;
            previous = t.Elapsed;
            return string.Create(CultureInfo.InvariantCulture, $"{t.Phase} {spent.TotalSeconds:F1} s");
        }));
        if (seeding is { } seeded)
        {
            phases = string.Create(CultureInfo.InvariantCulture, $"seeding and reading the stream {seeded.TotalSeconds:F1} s, ") + phases;
        }

        Row("time", phases, "");
        console.Write(table);
    }
}
