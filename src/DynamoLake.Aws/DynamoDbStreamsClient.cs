using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoLake.Aws;

/// <summary>
/// The DynamoDB Streams API (JSON over HTTP, <c>X-Amz-Target: DynamoDBStreams_20120810.*</c>) signed with
/// our SigV4 signer — AWSSDK.DynamoDBStreams is not available here. DescribeStream, GetShardIterator and
/// GetRecords are all the pipeline needs. A failed call is an <see cref="AwsCallException"/> naming its action.
/// </summary>
internal sealed class DynamoDbStreamsClient
{
    private readonly AwsJsonClient _client;

    public DynamoDbStreamsClient(HttpClient http, Uri endpoint, string region, AwsCredentials credentials)
    {
        _client = new AwsJsonClient(http, endpoint, region, credentials, "dynamodb", "DynamoDBStreams_20120810", "1.0");
    }

    /// <summary>Every shard id of the stream, parents before children (the order the API lists them).</summary>
    public async Task<List<string>> ShardsAsync(string streamArn, CancellationToken cancellationToken)
    {
        var shards = new List<string>();
        string? start = null;
        do
        {
            var request = new JsonObject { ["StreamArn"] = streamArn };
            if (start is not null)
            {
                request["ExclusiveStartShardId"] = start;
            }

            using var response = await CallAsync("DescribeStream", request, cancellationToken);
            var description = response.RootElement.GetProperty("StreamDescription");
            foreach (var shard in description.GetProperty("Shards").EnumerateArray())
            {
                shards.Add(shard.GetProperty("ShardId").GetString()!);
            }

            start = description.TryGetProperty("LastEvaluatedShardId", out var last) && last.ValueKind == JsonValueKind.String ? last.GetString() : null;
        }
        while (start is not null);

        return shards;
    }

    /// <summary>Every record of a shard from TRIM_HORIZON until it has no more (raw JSON of each record).</summary>
    public async IAsyncEnumerable<JsonElement> RecordsAsync(string streamArn, string shardId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? iterator;
        using (var response = await CallAsync("GetShardIterator", new JsonObject { ["StreamArn"] = streamArn, ["ShardId"] = shardId, ["ShardIteratorType"] = "TRIM_HORIZON" }, cancellationToken))
        {
            iterator = response.RootElement.GetProperty("ShardIterator").GetString();
        }

        while (iterator is not null)
        {
            using var page = await CallAsync("GetRecords", new JsonObject { ["ShardIterator"] = iterator, ["Limit"] = 1000 }, cancellationToken);
            var records = page.RootElement.GetProperty("Records");
            foreach (var record in records.EnumerateArray())
            {
                yield return record.Clone();
            }

            // An open shard answers an empty page once it is caught up: everything written so far has been read.
            iterator = records.GetArrayLength() > 0 && page.RootElement.TryGetProperty("NextShardIterator", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
    }

    /// <summary>The endpoint called.</summary>
    public Uri Endpoint => _client.Endpoint;

    private Task<JsonDocument> CallAsync(string operation, JsonObject body, CancellationToken cancellationToken) =>
        _client.CallAsync(operation, body, cancellationToken);
}
