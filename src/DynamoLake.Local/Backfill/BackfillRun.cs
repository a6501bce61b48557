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
internal sealed record BackfillTarget(string Table, string LakeTable, string ChangeLogDatabase, string WorkGroup, string Function, string Location, TimeSpan Settle);

/// <param name="ExportArn">An export to take instead of starting one.</param>
/// <param name="Concurrency">Conversion invocations at once.</param>
/// <param name="QueryTimeout">How long one Athena query may run.</param>
/// <param name="Results">The query result location (default: the workgroup's).</param>
internal sealed record BackfillOptions(string? ExportArn, int Concurrency, TimeSpan QueryTimeout, string? Results);

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
        var (bucket, prefix) = S3Location.Parse(target.Location);
        using var dynamo = session.DynamoDb();
        using var s3 = session.S3();
        var export = await ExportAsync(dynamo, target, bucket, prefix, cancellationToken);
        var exportId = export.ExportArn[(export.ExportArn.LastIndexOf('/') + 1)..];
        var exportTime = new DateTimeOffset(DateTime.SpecifyKind(export.ExportTime ?? throw new VerifyException($"the export {export.ExportArn} gives no ExportTime"), DateTimeKind.Utc));
        var files = await DataFilesAsync(s3, export, cancellationToken);
        await Say($"export {exportId}: {Plural(files.Count, "data file")}, as at {exportTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}");

        // Conversion: one invocation per data file, a few at a time; each writes its rows to one object named
        // after its file, so a retry overwrites what an earlier attempt wrote.
        var rowsLocation = $"s3://{bucket}/{prefix}rows/{exportId}/";
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var lambda = new LambdaClient(new AwsRestClient(http, session.Endpoint("LAMBDA", "lambda"), session.Region, LambdaClient.SigningName, _ => Task.FromResult(session.Credentials), TimeProvider.System, maxAttempts: 3, TimeSpan.FromSeconds(1)) { AttemptTimeout = TimeSpan.FromMinutes(15.5) });
        long items = 0, rows = 0, done = 0;
        var failed = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var micros = (exportTime.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken }, async (file, token) =>
        {
            var payload = Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonObject { ["exportId"] = exportId, ["exportTimeMicros"] = micros, ["dataFile"] = $"s3://{bucket}/{file}", ["output"] = rowsLocation }.ToJsonString());
            using var answer = await lambda.InvokeAsync(target.Function, payload, token);
            var root = answer.RootElement;
            Interlocked.Add(ref items, root.GetProperty("items").GetInt64());
            Interlocked.Add(ref rows, root.GetProperty("written").GetInt64());
            foreach (var reason in root.GetProperty("failed").EnumerateObject())
            {
                failed.AddOrUpdate(reason.Name, reason.Value.GetInt64(), (_, n) => n + reason.Value.GetInt64());
            }

            var finished = Interlocked.Increment(ref done);
            if (finished == files.Count || finished % Math.Max(files.Count / 10, 1) == 0)
            {
                await Say($"converted {finished:N0} of {Plural(files.Count, "data file")} ({Interlocked.Read(ref items):N0} items)");
            }
        });

        // The hand-off in Athena, one statement at a time.
        using var athenaHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var athena = new AthenaClient(session.Json(athenaHttp, "ATHENA", "athena", "AmazonAthena"));
        var staging = BackfillPlan.StagingTable(contract, exportId);
        var stagingName = $"\"awsdatacatalog\".\"{target.ChangeLogDatabase}\".\"{staging}\"";
        var changes = $"\"awsdatacatalog\".\"{target.ChangeLogDatabase}\".\"{LakeSchema.ChangeLogTable(contract)}\"";
        long scanned = 0;
        async Task Run(string step, string sql)
        {
            var finished = await athena.RunAsync(sql, target.WorkGroup, options.Results, options.QueryTimeout, cancellationToken);
            scanned += finished.ScannedBytes;
            await Say($"{step}: query {finished.Id} done, {finished.ScannedBytes:N0} bytes scanned");
        }

        await Run("staging table (any left from an earlier run removed)", BackfillPlan.DropStaging(target.ChangeLogDatabase, staging));
        await Run("staging table", BackfillPlan.CreateStaging(contract, target.ChangeLogDatabase, staging, rowsLocation));
        try
        {
            await Run("load", BackfillPlan.Load(contract, target.LakeTable, stagingName, changes));
            await Run("repair", BackfillPlan.Repair(contract, target.LakeTable, changes, exportId));

            // A change in flight at the load's read may commit beside its row: once it has settled, the stream
            // has mentioned its key, and the repair takes the snapshot row out.
            if (target.Settle > TimeSpan.Zero)
            {
                await Say($"repair again in {target.Settle.TotalSeconds:0} s, once changes in flight at the load have settled");
                await Task.Delay(target.Settle, cancellationToken);
            }

            await Run("repair", BackfillPlan.Repair(contract, target.LakeTable, changes, exportId));
        }
        finally
        {
            await Run("staging table removed", BackfillPlan.DropStaging(target.ChangeLogDatabase, staging));
        }

        return new BackfillResult(export.ExportArn, exportTime, files.Count, items, rows, failed, scanned);
    }

    // Starts the export (or takes the one given) and waits until it has completed.
    private async Task<ExportDescription> ExportAsync(IAmazonDynamoDB dynamo, BackfillTarget target, string bucket, string prefix, CancellationToken cancellationToken)
    {
        string arn;
        if (options.ExportArn is { } given)
        {
            arn = given;
        }
        else
        {
            TableDescription table;
            try
            {
                table = (await dynamo.DescribeTableAsync(target.Table, cancellationToken)).Table;
            }
            catch (ResourceNotFoundException)
            {
                throw new VerifyException($"the DynamoDB table '{target.Table}' does not exist in {session.Region}: check --stack and --region.");
            }

            var now = DateTime.UtcNow;
            var started = await dynamo.ExportTableToPointInTimeAsync(
                new ExportTableToPointInTimeRequest
                {
                    TableArn = table.TableArn,
                    S3Bucket = bucket,
                    S3Prefix = prefix + "exports",
                    ExportFormat = ExportFormat.DYNAMODB_JSON,
                    ExportTime = now,

                    // The same request within 8 hours starts no second export (the API's idempotency window).
                    ClientToken = $"dynamolake-{target.Table}-{now:yyyyMMddHHmmss}",
                },
                cancellationToken);
            arn = started.ExportDescription.ExportArn;
            await Say($"export started: {arn}");
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

            await Say($"export {description.ExportStatus}");
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromSeconds(Math.Min(pause.TotalSeconds * 2, 30));
        }
    }

    // The data files manifest-files.json lists (the summary names it), as the export's documented output has them.
    private static async Task<List<string>> DataFilesAsync(Amazon.S3.IAmazonS3 s3, ExportDescription export, CancellationToken cancellationToken)
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
