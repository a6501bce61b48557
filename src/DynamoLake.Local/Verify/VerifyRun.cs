using System.Diagnostics;
using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;
using DynamoLake.Aws;
using DynamoLake.Core.Contract;
using DynamoLake.Local.Pipeline;

namespace DynamoLake.Local.Verify;

/// <summary>How a verify run goes.</summary>
internal sealed record VerifyOptions
{
    public required string WorkGroup { get; init; }

    /// <summary>Where the UNLOAD goes (s3://…/); null for the workgroup's result location.</summary>
    public string? Results { get; init; }

    public int Segments { get; init; } = 4;

    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public bool ShowValues { get; init; }

    public int Limit { get; init; } = 20;
}

/// <summary>What one check found.</summary>
/// <param name="SourceRows">Items the Scan read.</param>
/// <param name="Relations">Per lake relation: its first differences, and how many differing keys are in flight.</param>
/// <param name="ChangedKeys">Keys the change stream carried within the settle window.</param>
/// <param name="SettlesAt">When (this machine's clock) the newest change of a differing key in flight is older than the window.</param>
/// <param name="LeftBehind">S3 prefixes the run could not remove.</param>
/// <param name="Timings">When each phase ended.</param>
internal sealed record VerifyResult(
    long SourceRows,
    IReadOnlyList<(string Name, List<string> Differences, long InFlight)> Relations,
    int ChangedKeys,
    DateTimeOffset? SettlesAt,
    IReadOnlyList<string> LeftBehind,
    IReadOnlyList<(string Phase, TimeSpan Elapsed)> Timings)
{
    /// <summary>Whether no relation differs from the source (keys in flight aside).</summary>
    public bool Equal => Relations.All(r => r.Differences.Count == 0);

    public long InFlight => Relations.Max(r => r.InFlight);
}

/// <summary>
/// One check of a deployed lake against its table: a parallel Scan of the table while Athena UNLOADs the
/// lake (the Iceberg table, and the current-state view when the S3 path is on) as Parquet; the Parquet comes
/// down and the same parity as the local pipeline's compares them; the keys the change stream carried within
/// the settle window are in flight, not differences. What the run wrote to S3 is removed at the end.
/// </summary>
internal sealed class VerifyRun(TableContract contract, AwsSession session, VerifyOptions options, TextWriter log)
{
    // What parity's DuckDB may hold; what does not fit goes to disk, as in the local pipeline.
    private const int ParityMemoryMegabytes = 256;

    public async Task<VerifyResult> RunAsync(VerifyTarget target, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var timings = new List<(string, TimeSpan)>();
        var runId = $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}";
        var work = Path.Combine(Path.GetTempPath(), "dynamolake-verify-" + runId);
        using var dynamo = session.DynamoDb();
        long expected, itemCount;
        try
        {
            // ItemCount is refreshed about every six hours (0 for a table seeded a moment ago): it only sizes the
            // comparison's slices, with room to grow, and eight slices' worth when unknown.
            var description = await dynamo.DescribeTableAsync(target.Table, cancellationToken);
            itemCount = description.Table.ItemCount ?? 0;
            expected = itemCount > 0 ? itemCount + (itemCount / 2) : 8 * Parity.SliceRows;
        }
        catch (ResourceNotFoundException)
        {
            throw new VerifyException($"the DynamoDB table '{target.Table}' does not exist in {session.Region}{(session.Override("DYNAMODB") is { } at ? " at " + at : "")}: check --table (or --stack) and --region.");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var athenaJson = session.Json(http, "ATHENA", "athena", "AmazonAthena");
        var athena = new AthenaClient(athenaJson);
        var group = await athena.GetWorkGroupAsync(options.WorkGroup, cancellationToken);
        var results = options.Results ?? group.OutputLocation
            ?? throw new VerifyException($"the Athena workgroup '{options.WorkGroup}' has no query result location{(group.ManagedResults ? " (it uses managed query results, which Athena keeps where verify cannot read them; an UNLOAD still writes to a location you give)" : "")}: give --results s3://BUCKET/PREFIX/ (verify writes its UNLOAD there and removes it afterwards), or another --workgroup.");
        var (bucket, prefix) = S3Location.Parse(results);
        var runPrefix = $"{prefix}dynamolake-verify/{runId}/";
        using var s3 = session.S3();
        var written = new List<(string Bucket, string Prefix)> { (bucket, runPrefix) };
        Directory.CreateDirectory(work);
        try
        {
            var relations = new List<(string Name, string Query, string Folder, bool Iceberg)> { (target.AthenaTable, target.AthenaTable, Path.Combine(work, "table"), true) };
            if (target.AthenaView(contract) is { } view)
            {
                relations.Add((view, view, Path.Combine(work, "view"), false));
            }

            using var database = LakeDatabase.InMemory();
            database.Bound(Path.Combine(work, "parity"), ParityMemoryMegabytes);
            var started = DateTimeOffset.UtcNow;

            // A lake that cannot be exported stops the Scan at once: the user hears Athena's reason, not after a whole table.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var lake = Task.Run(() => UnloadAsync(athena, s3, relations, bucket, runPrefix, written, group.ManagedResults, stop.Token), stop.Token);
            _ = lake.ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            var inFlight = new HashSet<string>(StringComparer.Ordinal);
            var arrivals = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            var numberKeys = contract.UniqueKey.Select(c => c.Type.Kind is ColumnKind.Decimal or ColumnKind.Int or ColumnKind.Long).ToArray();
            string[] keyAttributes = [.. contract.UniqueKey.Select(c => c.Source)];

            // The source: the Scan's items; as it ends, the lake is awaited (it was exported meanwhile) and the
            // change stream read, so that parity finds both sides and the keys in flight ready.
            async IAsyncEnumerable<KeyValuePair<string, byte[]>> Source()
            {
                await using (var items = TableScan.ItemsAsync(dynamo, target.Table, keyAttributes, options.Segments, n => progress?.Invoke(n, itemCount), stop.Token).GetAsyncEnumerator(stop.Token))
                {
                    while (true)
                    {
                        bool more;
                        try
                        {
                            more = await items.MoveNextAsync();
                        }
                        catch (OperationCanceledException) when (lake.IsFaulted)
                        {
                            await lake; // throws the export's own error
                            throw;
                        }
                        catch (Exception e) when (!cancellationToken.IsCancellationRequested && !lake.IsFaulted && Seeder.RetryPolicy.IsTransient(e, CancellationToken.None))
                        {
                            throw new VerifyException($"the Scan of '{target.Table}' failed, after retries: {ErrorText.Of(e)}. A slow or throttled table may need fewer --segments (now {options.Segments}).");
                        }

                        if (!more)
                        {
                            break;
                        }

                        yield return items.Current;
                    }
                }

                timings.Add(("Scan of the table", watch.Elapsed));
                await lake;
                timings.Add(("UNLOAD of the lake and its download", watch.Elapsed));
                if (target.Stream is { } stream)
                {
                    // The window on the stream's clock (AWS's, as the Date header gave it; whole seconds, so a second more).
                    var since = started + athenaJson.ClockOffset - target.Settle - TimeSpan.FromSeconds(1);
                    var kinesis = new KinesisChanges(session.Json(http, "KINESIS", "kinesis", "Kinesis_20131202"));
                    var (keys, _) = await kinesis.ChangedSinceAsync(stream, target.Table, keyAttributes, since, cancellationToken);
                    foreach (var (key, arrived) in keys)
                    {
                        arrivals[Parity.NormalKey(key, numberKeys)] = arrived;
                    }

                    inFlight.UnionWith(keys.Keys);
                    timings.Add(("change stream", watch.Elapsed));
                }
            }

            Parity.Report report;
            try
            {
                report = await Parity.CompareAsync(
                    contract,
                    Source(),
                    database,
                    relations.Select(r => VerifyPlan.Relation(contract, r.Folder, r.Iceberg)).ToList(),
                    Math.Max(expected, 1),
                    new Parity.Options { InFlight = inFlight, ShowValues = options.ShowValues, Limit = options.Limit },
                    cancellationToken);
            }
            catch when (!lake.IsCompleted)
            {
                // The Scan or the comparison failed while Athena still exports: stop the query and let the export
                // end before what it wrote is removed (its own error, if any, is not the one to report).
                await stop.CancelAsync();
                await lake.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                throw;
            }
            timings.Add(("parity", watch.Elapsed));

            // Differing keys in flight settle once their newest change is older than the window (on this machine's clock).
            var differing = report.InFlight.SelectMany(k => k).Select(k => arrivals.TryGetValue(k, out var at) ? at : (DateTimeOffset?)null).Where(a => a is not null).ToList();
            DateTimeOffset? settlesAt = differing.Count == 0 ? null : differing.Max()!.Value - athenaJson.ClockOffset + target.Settle + TimeSpan.FromSeconds(1);
            return new VerifyResult(
                report.SourceRows,
                relations.Select((r, i) => (r.Name, report.Differences[i], (long)report.InFlight[i].Count)).ToList(),
                inFlight.Count,
                settlesAt,
                await RemoveAsync(s3, written),
                timings);
        }
        catch
        {
            await RemoveAsync(s3, written);
            throw;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // UNLOADs each relation under the run's prefix and downloads its files.
    private async Task UnloadAsync(AthenaClient athena, Amazon.S3.IAmazonS3 s3, List<(string Name, string Query, string Folder, bool Iceberg)> relations, string bucket, string runPrefix, List<(string Bucket, string Prefix)> written, bool managedResults, CancellationToken cancellationToken)
    {
        foreach (var relation in relations)
        {
            var part = relation.Iceberg ? "table/" : "view/";
            var sql = VerifyPlan.Unload(contract, relation.Query, $"s3://{bucket}/{runPrefix}{part}", relation.Iceberg);
            AthenaClient.Finished finished;
            try
            {
                // A workgroup with managed query results takes no client-side result location (the UNLOAD's TO is ours still).
                finished = await athena.RunAsync(sql, options.WorkGroup, managedResults ? null : $"s3://{bucket}/{runPrefix}athena/", options.QueryTimeout, cancellationToken);
            }
            catch (AthenaQueryException e) when (!relation.Iceberg && e.State == "FAILED")
            {
                // The view exists only once the stack's saved query has been run.
                throw new VerifyException($"{e.Message} — if the view {relation.Name} does not exist yet, run the stack's saved query 'transactions_current view' once (Athena → Saved queries).");
            }

            if (!managedResults && finished.OutputLocation is { } location && !location.StartsWith($"s3://{bucket}/{runPrefix}", StringComparison.Ordinal))
            {
                // The workgroup put the query's own files (metadata, manifest) elsewhere: they are the run's too.
                var (otherBucket, key) = S3Location.Parse(location[..(location.LastIndexOf('/') + 1)]);
                written.Add((otherBucket, key + finished.Id));
            }

            Directory.CreateDirectory(relation.Folder);
            var files = 0;
            await foreach (var item in Objects(s3, bucket, runPrefix + part, cancellationToken))
            {
                using var response = await s3.GetObjectAsync(bucket, item.Key, cancellationToken);
                await response.WriteResponseStreamToFileAsync(Path.Combine(relation.Folder, $"part-{files++:D5}"), append: false, cancellationToken);
            }

            if (files == 0)
            {
                // An empty lake: UNLOAD wrote nothing, and DuckDB needs a file to know the columns.
                using var empty = LakeDatabase.InMemory();
                empty.Execute($"COPY ({VerifyPlan.Empty(contract, relation.Iceberg)}) TO '{LakeDatabase.Escape(Path.Combine(relation.Folder, "empty"))}' (FORMAT parquet)");
            }

            await log.WriteLineAsync($"lake: {relation.Name} exported by Athena query {finished.Id} ({files:N0} files)");
        }
    }

    // Removes what the run wrote to S3; returns the prefixes it could not remove (named to the user, never silently left).
    internal static async Task<IReadOnlyList<string>> RemoveAsync(Amazon.S3.IAmazonS3 s3, List<(string Bucket, string Prefix)> written)
    {
        var left = new List<string>();
        foreach (var (bucket, prefix) in written)
        {
            try
            {
                var keys = new List<KeyVersion>();
                await foreach (var item in Objects(s3, bucket, prefix, CancellationToken.None))
                {
                    keys.Add(new KeyVersion { Key = item.Key });
                }

                foreach (var chunk in keys.Chunk(1000))
                {
                    var response = await s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = bucket, Objects = [.. chunk] });
                    if (response.DeleteErrors is { Count: > 0 } errors)
                    {
                        left.Add($"s3://{bucket}/{prefix} ({errors[0].Code}: {errors[0].Message})");
                        break;
                    }
                }
            }
            catch (Amazon.S3.AmazonS3Exception e)
            {
                left.Add($"s3://{bucket}/{prefix} ({e.ErrorCode}: {e.Message})");
            }
            catch (Exception e) when (e is Amazon.Runtime.AmazonClientException or HttpRequestException or IOException)
            {
                left.Add($"s3://{bucket}/{prefix} ({e.Message})");
            }
        }

        return left;
    }

    internal static async IAsyncEnumerable<S3Object> Objects(Amazon.S3.IAmazonS3 s3, string bucket, string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = token }, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return item;
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }
}
