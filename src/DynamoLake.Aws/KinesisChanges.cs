using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoLake.Core.Changes;

namespace DynamoLake.Aws;

/// <summary>
/// The keys a DynamoDB table's changes touched since a moment, read from its Kinesis data stream (Kinesis
/// Data Streams for DynamoDB, API 2013-12-02): every shard from <c>AT_TIMESTAMP</c> until it is caught up.
/// Only keys are kept, of the table's own records (a stream may carry several tables).
/// </summary>
internal sealed class KinesisChanges(AwsJsonClient client)
{
    /// <summary>
    /// Keys changed at or after <paramref name="since"/> (the stream's clock), each with its latest arrival (the
    /// stream's clock), read until each shard is caught up or past the moment reading began.
    /// </summary>
    /// <param name="stream">The stream's name.</param>
    /// <param name="table">The DynamoDB table whose records count.</param>
    /// <param name="keyAttribute">The item key's attribute.</param>
    /// <param name="since">From when.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    public async Task<(Dictionary<string, DateTimeOffset> Keys, long Records)> ChangedSinceAsync(string stream, string table, IReadOnlyList<string> keyAttributes, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var keys = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        long records = 0;
        var reading = DateTimeOffset.UtcNow;
        foreach (var shard in await ShardsAsync(stream, cancellationToken))
        {
            string? iterator;
            using (var response = await client.CallAsync("GetShardIterator", new JsonObject
            {
                ["StreamName"] = stream,
                ["ShardId"] = shard,
                ["ShardIteratorType"] = "AT_TIMESTAMP",
                ["Timestamp"] = JsonValue.Create(since.ToUnixTimeMilliseconds() / 1000.0),
            }, cancellationToken))
            {
                iterator = response.RootElement.TryGetProperty("ShardIterator", out var first) ? first.GetString() : null;
            }

            while (iterator is not null)
            {
                using var page = await client.CallAsync("GetRecords", new JsonObject { ["ShardIterator"] = iterator, ["Limit"] = 1000 }, cancellationToken);
                var root = page.RootElement;
                var batch = root.GetProperty("Records");
                var newest = DateTimeOffset.MinValue;
                foreach (var record in batch.EnumerateArray())
                {
                    records++;
                    var arrived = record.TryGetProperty("ApproximateArrivalTimestamp", out var at) && at.ValueKind == JsonValueKind.Number
                        ? DateTimeOffset.FromUnixTimeMilliseconds((long)(at.GetDouble() * 1000))
                        : reading + client.ClockOffset;
                    newest = arrived > newest ? arrived : newest;
                    if (KeyOf(record.GetProperty("Data").GetBytesFromBase64(), table, keyAttributes) is { } key)
                    {
                        keys[key] = keys.TryGetValue(key, out var seen) && seen > arrived ? seen : arrived;
                    }
                }

                // Done once caught up, or once the records are newer than the moment reading began (a busy table
                // never lets a shard be caught up; what arrives after that moment belongs to the next check).
                var caughtUp = root.TryGetProperty("MillisBehindLatest", out var behind) && behind.GetInt64() == 0;
                iterator = !caughtUp && newest < reading + client.ClockOffset + TimeSpan.FromSeconds(1) && root.TryGetProperty("NextShardIterator", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
                if (iterator is not null)
                {
                    // GetRecords allows five calls a second per shard, shared with the stack's delivery streams.
                    await Task.Delay(200, cancellationToken);
                }
            }
        }

        return (keys, records);
    }

    /// <summary>The item key of a DynamoDB change record (Kinesis form), if it is one of the table's: its parts' texts as given, joined by U+001F.</summary>
    internal static string? KeyOf(byte[] data, string table, IReadOnlyList<string> keyAttributes)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("tableName", out var name) && name.GetString() != table
                ? null
                : ItemKey.OfChangeRecord(root, keyAttributes);
        }
        catch (JsonException)
        {
            // Not a change record: the stream holds something else too, which is not verify's to judge.
            return null;
        }
    }

    private async Task<List<string>> ShardsAsync(string stream, CancellationToken cancellationToken)
    {
        var shards = new List<string>();
        string? token = null;
        do
        {
            // ListShards takes the stream's name or a token, never both.
            var request = token is null ? new JsonObject { ["StreamName"] = stream } : new JsonObject { ["NextToken"] = token };
            using var response = await client.CallAsync("ListShards", request, cancellationToken);
            foreach (var shard in response.RootElement.GetProperty("Shards").EnumerateArray())
            {
                shards.Add(shard.GetProperty("ShardId").GetString()!);
            }

            token = response.RootElement.TryGetProperty("NextToken", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (token is not null);

        return shards;
    }
}
