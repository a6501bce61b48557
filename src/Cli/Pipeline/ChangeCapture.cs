using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Seeder;

namespace Cli.Pipeline;

/// <summary>
/// The embedded source: the Seeder's workload applied to an in-process table, emitting exactly the change
/// records Kinesis Data Streams for DynamoDB would carry — INSERT with NewImage, MODIFY with OldImage and
/// NewImage, REMOVE with OldImage, and TTL expiries as REMOVE by the DynamoDB service principal — with
/// microsecond ApproximateCreationDateTime (the template's precision). The table's final state is kept
/// as DynamoDB JSON images for the parity check.
/// </summary>
internal sealed class ChangeCapture : IChangeSource
{
    private readonly WorkloadOptions _options;
    private readonly string _tableName;
    private readonly DateTimeOffset _expiryClock;
    private long _clockMicros;
    private long _events;

    /// <param name="expiryClock">Items whose expires_at is at or before this moment are removed by TTL at the end.</param>
    public ChangeCapture(WorkloadOptions options, string tableName, DateTimeOffset expiryClock)
    {
        _options = options;
        _tableName = tableName;
        _expiryClock = expiryClock;
        _clockMicros = (options.From + options.Window).ToUnixTimeMilliseconds() * 1000;
    }

    /// <summary>The table after every change emitted so far: key → item as DynamoDB JSON.</summary>
    public Dictionary<string, byte[]> Table { get; } = new(StringComparer.Ordinal);

    /// <summary>Every change of the workload, in the order DynamoDB would record them.</summary>
    public IEnumerable<CapturedChange> Changes(CancellationToken cancellationToken)
    {
        const string KeyName = "transaction_id";
        var later = new List<(int Index, string Key, bool Update, bool Delete, long? ExpiresAt)>();
        foreach (var w in TransactionGenerator.Items(_options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var image = Json(w.Item);
            Table[w.Key] = image;
            if (w.Update is not null || w.Delete || w.ExpiresAt is not null)
            {
                later.Add((w.Index, w.Key, w.Update is not null, w.Delete, w.ExpiresAt));
            }

            yield return new(w.Key, Record("INSERT", KeyName, w.Key, newImage: image, oldImage: null, ttl: false));
        }

        // Items are pure functions of (seed, index): only the updated ones are made again.
        foreach (var (index, key, _, _, _) in later.Where(l => l.Update))
        {
            var w = TransactionGenerator.Create(_options, index);
            var old = Table[key];
            var updated = new Dictionary<string, AttributeValue>(w.Item, StringComparer.Ordinal)
            {
                ["status"] = new() { S = w.Update!.Status },
                ["processing_timestamp"] = new() { N = w.Update.ProcessingTimestamp.ToString(CultureInfo.InvariantCulture) },
            };
            var image = Json(updated);
            Table[key] = image;
            yield return new(key, Record("MODIFY", KeyName, key, newImage: image, oldImage: old, ttl: false));
        }

        foreach (var (_, key, _, _, _) in later.Where(l => l.Delete))
        {
            var old = Table[key];
            Table.Remove(key);
            yield return new(key, Record("REMOVE", KeyName, key, newImage: null, oldImage: old, ttl: false));
        }

        var expiry = _expiryClock.ToUnixTimeSeconds();
        foreach (var (_, key, _, _, _) in later.Where(l => !l.Delete && l.ExpiresAt is { } at && at <= expiry))
        {
            var old = Table[key];
            Table.Remove(key);
            yield return new(key, Record("REMOVE", KeyName, key, newImage: null, oldImage: old, ttl: true));
        }
    }

    public Task<IReadOnlyDictionary<string, byte[]>> FinalStateAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, byte[]>>(Table);

    /// <summary>How many change records the workload makes (for progress), without making them.</summary>
    public static long CountChanges(WorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        long changes = 0;
        for (var i = 0; i < options.Count; i++)
        {
            var (update, delete, ttl) = TransactionGenerator.Plan(options, i);
            changes += 1 + (update ? 1 : 0) + (delete ? 1 : 0) + (ttl && !delete ? 1 : 0);
        }

        return changes;
    }

    private static byte[] Json(Dictionary<string, AttributeValue> item)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            DynamoDbJson.WriteItem(writer, item);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private byte[] Record(string eventName, string keyName, string key, byte[]? newImage, byte[]? oldImage, bool ttl)
    {
        _clockMicros += 1_000;
        var eventId = string.Create(CultureInfo.InvariantCulture, $"{_options.Seed:x8}-{++_events:x12}-4000-8000-000000000000");
        return KinesisChangeRecord.Create(eventId, eventName, _tableName, _clockMicros, keyName, "S", key, newImage, oldImage, ttl);
    }
}
