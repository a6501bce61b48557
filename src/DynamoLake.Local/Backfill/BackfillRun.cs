using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoLake.Aws;
using DynamoLake.Core.Contract;
using DynamoLake.Local.Verify;

namespace DynamoLake.Local.Backfill;

/// <summary>What a deployed stack's backfill works on, from its outputs (or flags).</summary>
/// <param name="Table">The DynamoDB table.</param>
/// <param name="LakeTable">Athena's name of the Iceberg table.</param>
/// <param name="ChangeLogDatabase">The Glue database of the S3 change log.</param>
/// <param name="WorkGroup">The Athena workgroup.</param>
/// <param name="Function">The conversion function.</param>
/// <param name="Location">s3://BUCKET/PREFIX/ of the export and its rows.</param>
/// <param name="Settle">How long a change may take to reach the lake: the repair runs again after it.</param>
/// <param name="Snapshot">s3://BUCKET/PREFIX/ of the snapshot table the current-state view reads beside the change log.</param>
internal sealed record BackfillTarget(string Table, string LakeTable, string ChangeLogDatabase, string WorkGroup, string Function, string Location, TimeSpan Settle, string Snapshot)
{
    /// <summary>A deployed stack's names (flags for the workgroup and the settle window win), or what the stack lacks.</summary>
    public static (BackfillTarget? Target, string? Problem) FromStack(Aws.CloudFormationStack deployed, string stackName, string? workGroup, TimeSpan? settle)
    {
        ArgumentNullException.ThrowIfNull(deployed);
        var names = VerifyTarget.FromStack(deployed);
        var missing = new List<string>();
        if (names.Table is null || names.Catalog is null)
        {
            missing.Add("SourceTableName and AthenaTable");
        }

        if (names.ChangeLogDatabase is null || !deployed.Outputs.ContainsKey("ExportConverterFunctionName"))
        {
            missing.Add("ChangeLogDatabase and ExportConverterFunctionName (the stack's S3 change log, EnableS3Path=true: the hand-off reads it to tell the keys the stream has mentioned, ADR 0018)");
        }

        if (!deployed.Outputs.ContainsKey("BackfillLocation") || !deployed.Outputs.ContainsKey("SnapshotLocation"))
        {
            missing.Add("BackfillLocation and SnapshotLocation (deploy the stack's current template)");
        }

        if (missing.Count > 0)
        {
            return (null, $"the stack '{stackName}' has no output {string.Join("; no ", missing)}.");
        }

        return (new BackfillTarget(
            names.Table!,
            $"\"{names.Catalog}\".\"{names.Database}\".\"{names.LakeTable}\"",
            names.ChangeLogDatabase!,
            workGroup ?? names.WorkGroup ?? "primary",
            deployed.Outputs["ExportConverterFunctionName"],
            deployed.Outputs["BackfillLocation"],
            settle ?? names.Settle ?? VerifyTarget.DefaultSettle(Pipeline.TemplateFacts.LoadEmbedded()),
            deployed.Outputs["SnapshotLocation"]), null);
    }
}

/// <param name="ExportArn">An export to take instead of starting one.</param>
/// <param name="Concurrency">Conversion invocations at once.</param>
/// <param name="QueryTimeout">How long one Athena query may run.</param>
/// <param name="Results">The query result location (default: the workgroup's).</param>
/// <param name="Loads">How many MERGE statements the load is split into, by data file, run one after another.</param>
internal sealed record BackfillOptions(string? ExportArn, int Concurrency, TimeSpan QueryTimeout, string? Results, int Loads = 1);

/// <summary>What a backfill did.</summary>
internal sealed record BackfillResult(string ExportArn, DateTimeOffset ExportTime, int Files, long Items, long Rows, IReadOnlyDictionary<string, long> Failed, long ScannedBytes);

/// <summary>
/// <c>backfill --stack</c> (ADR 0018): a DynamoDB export at T (or a given one), its data files converted by the
/// stack's conversion function (the Transform's conversion), and the hand-off in Athena: a staging table over
/// the rows, the load, the repair now and again once a change in flight at the load has settled, and the
/// staging table removed. Nothing of the table passes through this process: it starts each step and reports.
/// </summary>
internal sealed class BackfillRun(TableContract contract, AwsSession session, BackfillOptions options, TextWriter progress)
{
    public async Task<BackfillResult> RunAsync(BackfillTarget target, CancellationToken cancellationToken)
    {
        var snapshot = await new SnapshotExport(session, progress).RunAsync(target, options.ExportArn, options.Concurrency, cancellationToken);
        using var athena = new AthenaSteps(session, target.WorkGroup, options.Results, options.QueryTimeout, progress);
        var staging = BackfillPlan.StagingTable(contract, snapshot.ExportId);
        var stagingName = BackfillPlan.Glue(target.ChangeLogDatabase, staging);
        var changes = BackfillPlan.ChangeLog(contract, target.ChangeLogDatabase);
        await athena.CreateStagingAsync(contract, target.ChangeLogDatabase, staging, snapshot.RowsLocation, cancellationToken);
        try
        {
            if (options.Loads <= 1)
            {
                await athena.RunAsync("load", BackfillPlan.Load(contract, target.LakeTable, stagingName, changes), cancellationToken);
            }
            else
            {
                // Split by data file, the groups about equal in bytes, one MERGE at a time (two at once would both insert).
                var groups = await GroupsAsync(snapshot.RowsLocation, options.Loads, cancellationToken);
                for (var g = 0; g < groups.Count; g++)
                {
                    await athena.RunAsync(string.Create(CultureInfo.InvariantCulture, $"load {g + 1} of {groups.Count} ({groups[g].Count:N0} files)"), BackfillPlan.Load(contract, target.LakeTable, stagingName, changes, groups[g]), cancellationToken);
                }
            }

            await athena.RunAsync("repair", BackfillPlan.Repair(contract, target.LakeTable, changes, snapshot.ExportId), cancellationToken);

            // A change in flight at the load's read may commit beside its row: once it has settled, the stream
            // has mentioned its key, and the repair takes the snapshot row out.
            if (target.Settle > TimeSpan.Zero)
            {
                await progress.WriteLineAsync($"repair again in {target.Settle.TotalSeconds:0} s, once changes in flight at the load have settled");
                await Task.Delay(target.Settle, cancellationToken);
            }

            await athena.RunAsync("repair", BackfillPlan.Repair(contract, target.LakeTable, changes, snapshot.ExportId), cancellationToken);

            // The change log's share: the rows join the snapshot table the current-state view reads (a copy
            // inside S3, named after the export and the file, so a rerun overwrites rather than adds).
            await KeepSnapshotAsync(snapshot, target.Snapshot, cancellationToken);
        }
        finally
        {
            await athena.DropAsync(target.ChangeLogDatabase, staging);
        }

        return new BackfillResult(snapshot.ExportArn, snapshot.ExportTime, snapshot.Files, snapshot.Items, snapshot.Rows, snapshot.Failed, athena.ScannedBytes);
    }

    // The rows files in at most n groups of about equal bytes (the largest file first, to the lightest group).
    private async Task<List<List<string>>> GroupsAsync(string rowsLocation, int n, CancellationToken cancellationToken)
    {
        var (bucket, prefix) = S3Location.Parse(rowsLocation);
        using var s3 = session.S3();
        var files = new List<(string Path, long Size)>();
        await foreach (var item in VerifyRun.Objects(s3, bucket, prefix, cancellationToken))
        {
            files.Add(($"s3://{bucket}/{item.Key}", item.Size ?? 0));
        }

        var groups = Enumerable.Range(0, Math.Min(n, Math.Max(files.Count, 1))).Select(_ => (Files: new List<string>(), Bytes: 0L)).ToList();
        foreach (var (path, size) in files.OrderByDescending(f => f.Size).ThenBy(f => f.Path, StringComparer.Ordinal))
        {
            var lightest = groups.MinBy(g => g.Bytes);
            var at = groups.IndexOf(lightest);
            lightest.Files.Add(path);
            groups[at] = (lightest.Files, lightest.Bytes + size);
        }

        return [.. groups.Where(g => g.Files.Count > 0).Select(g => g.Files)];
    }

    private async Task KeepSnapshotAsync(SnapshotExport.Converted snapshot, string location, CancellationToken cancellationToken)
    {
        var (rowsBucket, rowsPrefix) = S3Location.Parse(snapshot.RowsLocation);
        var (bucket, prefix) = S3Location.Parse(location);
        using var s3 = session.S3();
        var copied = 0;
        await foreach (var item in VerifyRun.Objects(s3, rowsBucket, rowsPrefix, cancellationToken))
        {
            var name = item.Key[(item.Key.LastIndexOf('/') + 1)..];
            await s3.CopyObjectAsync(new Amazon.S3.Model.CopyObjectRequest { SourceBucket = rowsBucket, SourceKey = item.Key, DestinationBucket = bucket, DestinationKey = $"{prefix}{snapshot.ExportId}-{name}" }, cancellationToken);
            copied++;
        }

        await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"snapshot table: {copied:N0} rows files copied to {location} (the current-state view reads them beside the change log)"));
    }
}

/// <summary>Athena statements run one at a time in a workgroup, each reported with the bytes it scanned.</summary>
internal sealed class AthenaSteps(AwsSession session, string workGroup, string? results, TimeSpan timeout, TextWriter progress) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private AthenaClient? _athena;

    /// <summary>The bytes every statement so far scanned (what they are billed by).</summary>
    public long ScannedBytes { get; private set; }

    public async Task<AthenaClient.Finished> RunAsync(string step, string sql, CancellationToken cancellationToken)
    {
        _athena ??= new AthenaClient(session.Json(_http, "ATHENA", "athena", "AmazonAthena"));
        var finished = await _athena.RunAsync(sql, workGroup, results, timeout, cancellationToken);
        ScannedBytes += finished.ScannedBytes;
        await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{step}: query {finished.Id} done, {finished.ScannedBytes:N0} bytes scanned"));
        return finished;
    }

    /// <summary>The staging table over the export's rows, any left from an earlier run of the same export removed first.</summary>
    public async Task CreateStagingAsync(TableContract contract, string database, string table, string rowsLocation, CancellationToken cancellationToken)
    {
        await RunAsync("staging table (any left from an earlier run removed)", BackfillPlan.DropStaging(database, table), cancellationToken);
        await RunAsync("staging table", BackfillPlan.CreateStaging(contract, database, table, rowsLocation), cancellationToken);
    }

    /// <summary>Drops a staging table; a failure is a warning naming it, so that it never hides the error that led here.</summary>
    public async Task DropAsync(string database, string table)
    {
        try
        {
            await RunAsync("staging table removed", BackfillPlan.DropStaging(database, table), CancellationToken.None);
        }
        catch (Exception e) when (e is AthenaQueryException or AwsCallException or AwsApiException or HttpRequestException)
        {
            await progress.WriteLineAsync($"warning: the staging table {database}.{table} could not be removed ({e.Message}); drop it in Athena.");
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// A DynamoDB export of the table, started at now (or one given) and awaited, and its data files converted by the
/// stack's conversion function, a few at a time: the rows land under BackfillLocation's <c>rows/EXPORT_ID/</c>.
/// Shared by backfill --stack and verify --in-athena.
/// </summary>
internal sealed class SnapshotExport(AwsSession session, TextWriter output)
{
    // Written to from the conversion's parallel invocations.
    private readonly TextWriter progress = TextWriter.Synchronized(output);

    /// <summary>An export converted.</summary>
    public sealed record Converted(string ExportArn, string ExportId, DateTimeOffset ExportTime, int Files, long Items, long Rows, IReadOnlyDictionary<string, long> Failed, string RowsLocation)
    {
        /// <summary>The export's time in µs since the epoch.</summary>
        public long ExportMicros => Micros(ExportTime);
    }

    /// <summary>An export's time, in µs since the epoch.</summary>
    public static long Micros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>An export's time as DescribeExport gives it (UTC).</summary>
    /// <exception cref="VerifyException">The export gives none (moto without tests/tools/moto_server.py).</exception>
    public static DateTimeOffset Time(ExportDescription export) =>
        new(DateTime.SpecifyKind(export.ExportTime ?? throw new VerifyException($"the export {export.ExportArn} gives no ExportTime (a local moto: start it with tests/tools/moto_server.py, which writes exports as AWS does)"), DateTimeKind.Utc));

    public async Task<Converted> RunAsync(BackfillTarget target, string? exportArn, int concurrency, CancellationToken cancellationToken)
    {
        var (bucket, prefix) = S3Location.Parse(target.Location);
        using var dynamo = session.DynamoDb();
        using var s3 = session.S3();
        var export = await ExportAsync(dynamo, target.Table, exportArn, bucket, prefix, progress, cancellationToken);
        var exportId = export.ExportArn[(export.ExportArn.LastIndexOf('/') + 1)..];
        var exportTime = Time(export);
        if (export.S3Bucket != bucket || !(export.S3Prefix ?? "").StartsWith(prefix + "exports", StringComparison.Ordinal))
        {
            throw new VerifyException($"the export {export.ExportArn} is under s3://{export.S3Bucket}/{export.S3Prefix}; the conversion function reads exports under {target.Location}exports/ only: run without --export-arn to export there, or copy the export under that prefix");
        }

        var files = await DataFilesAsync(s3, export, cancellationToken);
        await Say($"export {exportId}: {Plural(files.Count, "data file")}, as at {exportTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}");

        // One invocation per data file, a few at a time; each writes its rows to one object named after its
        // file, so a retry overwrites what an earlier attempt wrote.
        var rowsLocation = $"s3://{bucket}/{prefix}rows/{exportId}/";
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var lambda = new LambdaClient(new AwsRestClient(http, session.Endpoint("LAMBDA", "lambda"), session.Region, LambdaClient.SigningName, _ => Task.FromResult(session.Credentials), TimeProvider.System, maxAttempts: 3, TimeSpan.FromSeconds(1)) { AttemptTimeout = TimeSpan.FromMinutes(15.5) });
        long items = 0, rows = 0, done = 0;
        var failed = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var micros = Micros(exportTime);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (file, token) =>
        {
            var payload = Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonObject { ["exportId"] = exportId, ["exportTimeMicros"] = micros, ["dataFile"] = $"s3://{bucket}/{file}", ["output"] = rowsLocation }.ToJsonString());
            using var answer = await lambda.InvokeAsync(target.Function, payload, token);
            var root = answer.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("items", out var itemCount) || !root.TryGetProperty("written", out var written) || !root.TryGetProperty("failed", out var failures))
            {
                throw new VerifyException($"the function {target.Function} answered without items, written and failed: is it the stack's ExportConverterFunction?");
            }

            Interlocked.Add(ref items, itemCount.GetInt64());
            Interlocked.Add(ref rows, written.GetInt64());
            foreach (var reason in failures.EnumerateObject())
            {
                failed.AddOrUpdate(reason.Name, reason.Value.GetInt64(), (_, n) => n + reason.Value.GetInt64());
            }

            var finished = Interlocked.Increment(ref done);
            if (finished == files.Count || finished % Math.Max(files.Count / 10, 1) == 0)
            {
                await Say($"converted {finished:N0} of {Plural(files.Count, "data file")} ({Interlocked.Read(ref items):N0} items)");
            }
        });

        return new Converted(export.ExportArn, exportId, exportTime, files.Count, items, rows, failed, rowsLocation);
    }

    /// <summary>Starts an export of the table under <c>PREFIX/exports</c> (or takes the one given) and waits until it has completed.</summary>
    internal static async Task<ExportDescription> ExportAsync(IAmazonDynamoDB dynamo, string tableName, string? exportArn, string bucket, string prefix, TextWriter progress, CancellationToken cancellationToken)
    {
        string arn;
        if (exportArn is { } given)
        {
            arn = given;
        }
        else
        {
            TableDescription table;
            try
            {
                table = (await dynamo.DescribeTableAsync(tableName, cancellationToken)).Table;
            }
            catch (ResourceNotFoundException)
            {
                throw new VerifyException($"the DynamoDB table '{tableName}' does not exist: check --stack and --region.");
            }

            var now = DateTime.UtcNow;
            var started = await dynamo.ExportTableToPointInTimeAsync(
                new ExportTableToPointInTimeRequest
                {
                    TableArn = table.TableArn,
                    S3Bucket = bucket,
                    S3Prefix = prefix + "exports",
                    ExportFormat = ExportFormat.DYNAMODB_JSON,

                    // No ExportTime: the export is of the table as it is when DynamoDB starts it (a time of this
                    // machine's clock could be ahead of AWS's, and be refused as in the future).

                    // A retry of this call (the SDK's, within the same second) starts no second export.
                    ClientToken = $"dynamolake-{tableName}-{now:yyyyMMddHHmmss}",
                },
                cancellationToken);
            arn = started.ExportDescription.ExportArn;
            await progress.WriteLineAsync($"export started: {arn}");
        }

        var pause = TimeSpan.FromSeconds(1);
        while (true)
        {
            var description = (await dynamo.DescribeExportAsync(new DescribeExportRequest { ExportArn = arn }, cancellationToken)).ExportDescription;
            if (description.ExportStatus == ExportStatus.COMPLETED)
            {
                return description;
            }

            if (description.ExportStatus == ExportStatus.FAILED)
            {
                throw new VerifyException($"the export {arn} failed: {description.FailureCode}: {description.FailureMessage}");
            }

            await progress.WriteLineAsync($"export {description.ExportStatus}");
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromSeconds(Math.Min(pause.TotalSeconds * 2, 30));
        }
    }

    /// <summary>The data files manifest-files.json lists (the summary names it), as the export's documented output has them.</summary>
    internal static async Task<List<string>> DataFilesAsync(Amazon.S3.IAmazonS3 s3, ExportDescription export, CancellationToken cancellationToken)
    {
        var summaryKey = export.ExportManifest ?? throw new VerifyException($"the export {export.ExportArn} names no manifest (ExportManifest)");
        string filesKey;
        using (var summary = await s3.GetObjectAsync(export.S3Bucket, summaryKey, cancellationToken))
        using (var document = await JsonDocument.ParseAsync(summary.ResponseStream, cancellationToken: cancellationToken))
        {
            filesKey = document.RootElement.TryGetProperty("manifestFilesS3Key", out var key) && key.GetString() is { Length: > 0 } text
                ? text
                : throw new VerifyException($"s3://{export.S3Bucket}/{summaryKey} names no manifestFilesS3Key");
        }

        var files = new List<string>();
        using var manifest = await s3.GetObjectAsync(export.S3Bucket, filesKey, cancellationToken);
        using var reader = new StreamReader(manifest.ResponseStream);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0)
            {
                using var entry = JsonDocument.Parse(line);
                files.Add(entry.RootElement.GetProperty("dataFileS3Key").GetString()!);
            }
        }

        return files;
    }

    private Task Say(string line) => progress.WriteLineAsync(line);

    private static string Plural(long n, string what) => string.Create(CultureInfo.InvariantCulture, $"{n:N0} {what}{(n == 1 ? "" : "s")}");
}
