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

    private StreamsSource(IAmazonDynamoDB client, string table, List<CapturedChange> changes, string[] keyNames)
    {
        _keyNames = keyNames;
        _client = client;
        _table = table;
        _changes = changes;
    }

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
        return new StreamsSource(client, options.Table, changes, keyNames);
    }

    public IEnumerable<CapturedChange> Changes(CancellationToken cancellationToken) => _changes;

    public IAsyncEnumerable<KeyValuePair<string, byte[]>> FinalState(CancellationToken cancellationToken) =>
        TableScan.ItemsAsync(_client, _table, _keyNames, segments: 1, progress: null, cancellationToken);

    public void Dispose() => _client.Dispose();
}
