using System.CommandLine;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using DynamoLake.Core.Contract;
using DynamoLake.Local;
using Seeder;
using Spectre.Console;

namespace Cli;

/// <summary>
/// <c>seed</c>: writes the Seeder's workload (inserts, then status updates, deletes, TTL items) to a table
/// — a local moto or dynalite with <c>--endpoint</c>, or AWS — with a progress bar, and prints one summary
/// line. Exit 1 when a write was left unwritten or the table is missing; 2 for bad flags.
/// </summary>
internal static class SeedCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var defaults = new WorkloadOptions();
        var count = new Option<int>("--count", "-n") { Description = "Transactions to insert.", DefaultValueFactory = _ => defaults.Count };
        var seed = new Option<long>("--seed") { Description = "Seed: the same seed gives the same transactions on every machine.", DefaultValueFactory = _ => defaults.Seed };
        var endpoint = new Option<string?>("--endpoint") { Description = "DynamoDB endpoint, e.g. http://127.0.0.1:8000 (moto, dynalite); AWS when absent." };
        var region = new Option<string?>("--region") { Description = "AWS region (default: the SDK's chain; us-east-1 for a local endpoint)." };
        var table = new Option<string?>("--table") { Description = "Table name (default: the contract's table)." };
        var contractFile = ContractFlag.Create();
        var createTable = new Option<bool>("--create-table") { Description = "Create the table from the contract (key, stream, TTL) when it does not exist." };
        var updates = new Option<double>("--update-fraction") { Description = "Share of transactions inserted PENDING, then approved, declined or flagged.", DefaultValueFactory = _ => defaults.UpdateFraction };
        var moves = new Option<double>("--move-fraction") { Description = "Share of the updated transactions whose update also re-dates them to an earlier day (a change of the Iceberg partition source).", DefaultValueFactory = _ => defaults.MoveFraction };
        var deletes = new Option<double>("--delete-fraction") { Description = "Share of transactions deleted after the updates.", DefaultValueFactory = _ => defaults.DeleteFraction };
        var ttl = new Option<double>("--ttl-fraction") { Description = "Share of transactions with expires_at (DynamoDB's TTL deletes them in AWS).", DefaultValueFactory = _ => defaults.TtlFraction };
        var from = WorkloadWindow.FromOption();
        var days = WorkloadWindow.DaysOption();
        var parallelism = new Option<int>("--parallelism") { Description = "Requests in flight at once (1-64).", DefaultValueFactory = _ => SeedRequest.DefaultParallelism };

        var command = new Command("seed", "Write realistic transactions to DynamoDB, then update and delete some, accounting for every write.")
        {
            count, seed, endpoint, region, table, createTable, updates, moves, deletes, ttl, from, days, parallelism, contractFile,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var (start, window, windowProblem) = WorkloadWindow.Resolve(parse.GetValue(from), parse.GetValue(days), DateTimeOffset.UtcNow);
            if (windowProblem is not null)
            {
                stderr.WriteLine($"error: {windowProblem}");
                return Task.FromResult(ExitCodes.Usage);
            }

            var options = new WorkloadOptions
            {
                Count = parse.GetValue(count),
                Seed = parse.GetValue(seed),
                UpdateFraction = parse.GetValue(updates),
                MoveFraction = parse.GetValue(moves),
                DeleteFraction = parse.GetValue(deletes),
                TtlFraction = parse.GetValue(ttl),
                From = start,
                Window = window,
            };
            var endpointText = parse.GetValue(endpoint);
            if (endpointText is not null && !LocalEndpoint.TryParse(endpointText, out _))
            {
                stderr.WriteLine($"error: --endpoint must be an http(s) URL such as http://127.0.0.1:8000, not '{endpointText}'.");
                return Task.FromResult(ExitCodes.Usage);
            }

            var contract = ContractFlag.Environment(parse, contractFile).Contract();
            var target = new Target(endpointText is null ? null : new Uri(endpointText), parse.GetValue(region), parse.GetValue(table) ?? contract.Table, parse.GetValue(createTable));
            return RunAsync(contract, options, parse.GetValue(parallelism), target, stdout, stderr, cancellationToken);
        });
        return command;
    }

    private sealed record Target(Uri? Endpoint, string? Region, string Table, bool CreateTable)
    {
        public string Where => Endpoint is null ? "AWS" : Endpoint.ToString();
    }

    private static async Task<int> RunAsync(TableContract contract, WorkloadOptions options, int parallelism, Target target, Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var problems = WorkloadFlags.Problems(options).ToList();
        if (parallelism is < 1 or > SeedRequest.MaxParallelism)
        {
            problems.Add($"--parallelism must be between 1 and {SeedRequest.MaxParallelism}, not {parallelism}.");
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await stderr.WriteLineAsync($"error: {problem}");
            }

            return ExitCodes.Usage;
        }

        if (RegionProblem(target.Endpoint, target.Region, ConfiguredRegion) is { } regionProblem)
        {
            await stderr.WriteLineAsync($"error: {regionProblem}");
            return ExitCodes.Usage;
        }

        using var client = DynamoDbClients.Create(target.Endpoint, target.Region);
        try
        {
            if (target.CreateTable)
            {
                foreach (var note in await TableSetup.CreateIfMissingAsync(client, target.Table, contract, cancellationToken))
                {
                    await stderr.WriteLineAsync(note);
                }
            }

            var plan = SeedRun.Plan(options);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
            var run = new SeedRun(client, contract, new Seeder.RetryPolicy());
            var summary = await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn("items/s"), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var tasks = new Dictionary<SeedRun.Phase, ProgressTask>
                    {
                        [SeedRun.Phase.Insert] = progress.AddTask("insert", maxValue: plan.Inserts),
                        [SeedRun.Phase.Update] = progress.AddTask("update", maxValue: Math.Max(plan.Updates, 1)),
                        [SeedRun.Phase.Delete] = progress.AddTask("delete", maxValue: Math.Max(plan.Deletes, 1)),
                    };
                    var result = await run.RunAsync(target.Table, options, parallelism, (phase, n) => tasks[phase].Increment(n), cancellationToken);
                    foreach (var task in tasks.Values)
                    {
                        task.Value = task.MaxValue;
                    }

                    return result;
                });

            var line = string.Create(
                CultureInfo.InvariantCulture,
                $"seeded '{summary.Table}' at {target.Where} (seed {summary.Seed}): {summary.Written:N0} of {summary.Count:N0} written, {summary.Updated:N0} updated, {summary.Deleted:N0} deleted, {summary.TtlItems:N0} with TTL, {summary.Retries:N0} retries, {summary.NotWritten + summary.NotUpdated + summary.NotDeleted:N0} not written; {summary.ItemsPerSecond:N0} items/s in {summary.Duration.TotalSeconds:F2} s\n");
            await stdout.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
            await stdout.FlushAsync(cancellationToken);
            if (!summary.Complete)
            {
                await stderr.WriteLineAsync($"error: {summary.Shortfall()}");
                return ExitCodes.Failed;
            }

            return ExitCodes.Ok;
        }
        catch (SeedException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (ErrorText.Credentials(e) is { } credentials)
        {
            await stderr.WriteLineAsync($"error: {credentials}");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            await stderr.WriteLineAsync($"error: DynamoDB at {target.Where} failed: {Describe(e)}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>Why DynamoDB cannot be reached without a region, naming the flag; null when a region or endpoint is known.</summary>
    /// <param name="endpoint">--endpoint, if given.</param>
    /// <param name="region">--region, if given.</param>
    /// <param name="configuredRegion">The SDK chain's region; asked only when neither flag is given (it may probe instance metadata).</param>
    internal static string? RegionProblem(Uri? endpoint, string? region, Func<string?> configuredRegion) =>
        endpoint is null && region is null && configuredRegion() is null
            ? "no AWS region is configured for DynamoDB: pass --region (or set AWS_REGION / a profile's region), or --endpoint for a local DynamoDB such as moto or dynalite."
            : null;

    /// <summary>The region the SDK's chain finds (environment, profile, instance metadata), if any.</summary>
    internal static string? ConfiguredRegion() => Amazon.Runtime.FallbackRegionFactory.GetRegionEndpoint()?.SystemName;

    private static string Describe(Exception e) => e switch
    {
        AmazonServiceException service => $"{service.ErrorCode ?? service.StatusCode.ToString()}: {service.Message}",
        { InnerException: { } inner } => $"{e.Message} ({inner.Message})",
        _ => e.Message,
    };
}
