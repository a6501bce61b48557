using System.Buffers;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoLake.Aws;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;
using Seeder;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// The source against a real DynamoDB API (moto locally): the Seeder writes its workload to the table,
/// then the change records are read from the table's stream (DynamoDB Streams, NEW_AND_OLD_IMAGES) and the
/// final state is a Scan. The records go to the functions as DynamoDB Streams records, the shape EventBridge
/// Pipes delivers.
/// </summary>
internal sealed class StreamsSource : IChangeSource, IDisposable
{
    private readonly IAmazonDynamoDB _client;
    private readonly string _table;
    private readonly List<CapturedChange> _changes;
    private readonly string[] _keyNames;

    private StreamsSource(IAmazonDynamoDB client, string table, List<CapturedChange> changes, string[] keyNames, ExportSnapshot? snapshot)
    {
        _keyNames = keyNames;
        _client = client;
        _table = table;
        _changes = changes;
        Snapshot = snapshot;
    }

    /// <summary>With --existing: the table's export, as INSERT records of snapshot rows, and its time.</summary>
    public ExportSnapshot? Snapshot { get; }

    /// <summary>How many change records the stream gave (the items before capture have none).</summary>
    public int Count => _changes.Count;

    /// <summary>A DynamoDB export read back as the hand-off takes it.</summary>
    /// <param name="Changes">Each item as the INSERT record of a snapshot row (<c>export:&lt;ExportId&gt;</c>, one µs before the export).</param>
    /// <param name="Micros">The export's time, µs since the epoch.</param>
    internal sealed record ExportSnapshot(IReadOnlyList<CapturedChange> Changes, long Micros);

    /// <param name="options">The pipeline's options (endpoint, table, workload).</param>
    /// <param name="log">Notes for the user.</param>
    /// <param name="seedProgress">Told the writes settled per seeding phase.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<IChangeSource> PrepareAsync(PipelineOptions options, TextWriter log, Action<SeedRun.Phase, long>? seedProgress, CancellationToken cancellationToken)
    {
        var endpoint = options.Endpoint!;
        var region = options.Region ?? DynamoDbClients.LocalRegion;
        var contract = options.Environment.Contract();
        var client = DynamoDbClients.Create(endpoint, region);
        foreach (var note in await TableSetup.CreateIfMissingAsync(client, options.Table, contract, cancellationToken, options.StreamView))
        {
            await log.WriteLineAsync(note);
        }

        var description = await client.DescribeTableAsync(options.Table, cancellationToken);
        var streamArn = description.Table.LatestStreamArn
            ?? throw new PipelineException($"table '{options.Table}' at {endpoint} has no stream; enable NEW_AND_OLD_IMAGES (or let the pipeline create the table)");

        var summary = await new SeedRun(client, contract, new Seeder.RetryPolicy()).RunAsync(options.Table, options.Workload, SeedRequest.DefaultParallelism, seedProgress, cancellationToken);
        if (!summary.Complete)
        {
            throw new PipelineException("the seed did not complete: " + summary.Shortfall());
        }

        await log.WriteLineAsync($"seeded '{options.Table}': {summary.Written:N0} written, {summary.Updated:N0} updated, {summary.Deleted:N0} deleted");

        // The DynamoDB client's rule for a local endpoint.
        var credentials = DynamoDbClients.ChainConfigured ? await AwsCredentialChain.ResolveAsync(cancellationToken) : new AwsCredentials("local", "local");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var streams = new DynamoDbStreamsClient(http, endpoint, region, credentials);
        string[] keyNames = [.. contract.UniqueKey.Select(c => c.Source)];
        var changes = new List<CapturedChange>();
        try
        {
            foreach (var shard in await streams.ShardsAsync(streamArn, cancellationToken))
            {
                await foreach (var record in streams.RecordsAsync(streamArn, shard, cancellationToken))
                {
                    var text = ItemKey.OfChangeRecord(record, keyNames)
                        ?? throw new PipelineException($"a record of {streamArn} lacks the key attribute(s) {string.Join(", ", keyNames)} in dynamodb.Keys");
                    changes.Add(new CapturedChange(text, System.Text.Encoding.UTF8.GetBytes(record.GetRawText())));
                }
            }
        }
        catch (AwsCallException e)
        {
            throw new PipelineException($"DynamoDB Streams {e.Action[(e.Action.IndexOf(':', StringComparison.Ordinal) + 1)..]} at {streams.Endpoint} failed: {e.Message}");
        }

        await log.WriteLineAsync($"read {changes.Count:N0} change records from {streamArn}");
        ExportSnapshot? snapshot = null;
        if (options.Existing > 0)
        {
            // The workload's first items were in the table before capture: a stream enabled after them never
            // carried their inserts. The snapshot is the table's export, taken now and read as AWS writes it
            // (moto keeps no history: it holds the table after every write, its ExportTime says so).
            var workload = Workloads.For(contract, options.Workload);
            var existing = new HashSet<string>(Enumerable.Range(0, options.Existing).Select(i => workload.Create(i).Key), StringComparer.Ordinal);
            changes = [.. changes.Where(c => !(existing.Contains(c.Key) && IsInsert(c.Record)))];
            try
            {
                snapshot = await ExportSnapshotAsync(client, options, contract, keyNames, log, cancellationToken);
            }
            catch (Exception e) when (e is Verify.VerifyException or InvalidDataException)
            {
                throw new PipelineException($"the snapshot of '{options.Table}' at {endpoint}: {e.Message}");
            }
        }

        return new StreamsSource(client, options.Table, changes, keyNames, snapshot);
    }

    public IEnumerable<CapturedChange> Changes(CancellationToken cancellationToken) => _changes;

    private static bool IsInsert(byte[] record)
    {
        using var document = JsonDocument.Parse(record);
        return document.RootElement.TryGetProperty("eventName", out var name) && name.GetString() == "INSERT";
    }

    // The table's export to the endpoint's S3 (point-in-time recovery switched on first), read back item by item.
    private static async Task<ExportSnapshot> ExportSnapshotAsync(IAmazonDynamoDB client, PipelineOptions options, TableContract contract, string[] keyNames, TextWriter log, CancellationToken cancellationToken)
    {
        await client.UpdateContinuousBackupsAsync(new UpdateContinuousBackupsRequest { TableName = options.Table, PointInTimeRecoverySpecification = new PointInTimeRecoverySpecification { PointInTimeRecoveryEnabled = true } }, cancellationToken);
        var config = new Amazon.S3.AmazonS3Config { ServiceURL = options.Endpoint!.ToString(), ForcePathStyle = true, AuthenticationRegion = options.Region ?? DynamoDbClients.LocalRegion };
        using var s3 = DynamoDbClients.ChainConfigured ? new Amazon.S3.AmazonS3Client(config) : new Amazon.S3.AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials("local", "local"), config);
        const string Bucket = "dynamolake-pipeline-exports";
        try
        {
            await s3.PutBucketAsync(Bucket, cancellationToken);
        }
        catch (Amazon.S3.AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }

        var export = await Backfill.SnapshotExport.ExportAsync(client, options.Table, null, Bucket, $"{options.Table}/{Guid.NewGuid():N}/", log, cancellationToken);
        var exportId = export.ExportArn[(export.ExportArn.LastIndexOf('/') + 1)..];
        var micros = Backfill.SnapshotExport.Micros(Backfill.SnapshotExport.Time(export));
        var keys = contract.UniqueKey.Select(c => c.Source).ToList();
        var changes = new List<CapturedChange>();
        foreach (var file in await Backfill.SnapshotExport.DataFilesAsync(s3, export, cancellationToken))
        {
            using var data = await s3.GetObjectAsync(Bucket, file, cancellationToken);
            await using var lines = new System.IO.Compression.GZipStream(data.ResponseStream, System.IO.Compression.CompressionMode.Decompress);
            using var reader = new StreamReader(lines);
            var number = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                number++;
                if (line.Length > 0)
                {
                    // The record the export conversion makes of the item: a snapshot row one µs before the export.
                    var record = SnapshotConversion.Record(line, keys, options.Table, LakeSchema.SnapshotEventIdPrefix + exportId, micros - 1, file, number);
                    using var document = JsonDocument.Parse(record);
                    changes.Add(new CapturedChange(ItemKey.OfChangeRecord(document.RootElement, keys)!, record));
                }
            }
        }

        await log.WriteLineAsync($"exported '{options.Table}' (export {exportId}): {changes.Count:N0} items");
        return new ExportSnapshot(changes, micros);
    }

    public IAsyncEnumerable<KeyValuePair<string, byte[]>> FinalState(CancellationToken cancellationToken) =>
        TableScan.ItemsAsync(_client, _table, _keyNames, segments: 1, progress: null, cancellationToken);

    public void Dispose() => _client.Dispose();
}
