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
/// microsecond ApproximateCreationDateTime (the template's precision). Nothing of the table is kept: an
/// item is a pure function of (seed, index), so every image — old, new or final — is made again when it
/// is needed, and memory does not grow with the table.
/// </summary>
internal sealed class ChangeCapture : IChangeSource
{
    private const string KeyName = "transaction_id";
    private readonly WorkloadOptions _options;
    private readonly string _tableName;
    private readonly long _expirySeconds;
    private long _clockMicros;
    private long _events;

    /// <param name="expiryClock">Items whose expires_at is at or before this moment are removed by TTL at the end.</param>
    public ChangeCapture(WorkloadOptions options, string tableName, DateTimeOffset expiryClock)
    {
        _options = options;
        _tableName = tableName;
        _expirySeconds = expiryClock.ToUnixTimeSeconds();
        _clockMicros = (options.From + options.Window).ToUnixTimeMilliseconds() * 1000;
    }

    /// <summary>Every change of the workload, in the order DynamoDB would record them.</summary>
    public IEnumerable<CapturedChange> Changes(CancellationToken cancellationToken)
    {
        // Inserts, then updates, deletes and TTL expiries, each pass in index order.
        foreach (var w in TransactionGenerator.Items(_options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new(w.Key, Record("INSERT", w.Key, newImage: Json(w.Item), oldImage: null, ttl: false));
        }

        foreach (var w in Planned(static plan => plan.Update, cancellationToken))
        {
            yield return new(w.Key, Record("MODIFY", w.Key, newImage: Json(Updated(w)), oldImage: Json(w.Item), ttl: false));
        }

        foreach (var w in Planned(static plan => plan.Delete, cancellationToken))
        {
            yield return new(w.Key, Record("REMOVE", w.Key, newImage: null, oldImage: Json(Updated(w)), ttl: false));
        }

        foreach (var w in Planned(static plan => plan.Ttl && !plan.Delete, cancellationToken))
        {
            if (Expired(w))
            {
                yield return new(w.Key, Record("REMOVE", w.Key, newImage: null, oldImage: Json(Updated(w)), ttl: true));
            }
        }
    }

    /// <summary>The table after every change, item by item in index order: made from the generator (on every core), not from the changes.</summary>
    public async IAsyncEnumerable<KeyValuePair<string, byte[]>> FinalState([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int Chunk = 4096;
        var items = new KeyValuePair<string, byte[]>?[Chunk];
        for (var start = 0; start < _options.Count; start += Chunk)
        {
            var count = Math.Min(Chunk, _options.Count - start);
            await Task.Run(
                () => Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
                {
                    var w = TransactionGenerator.Create(_options, start + i);
                    items[i] = w.Delete || Expired(w) ? null : new(w.Key, Json(Updated(w)));
                }),
                cancellationToken);
            for (var i = 0; i < count; i++)
            {
                if (items[i] is { } item)
                {
                    yield return item;
                }
            }
        }
    }

    // The workload's items that a pass concerns, made only for those (the plan is cheap, the item is not).
    private IEnumerable<WorkloadItem> Planned(Func<(bool Update, bool Delete, bool Ttl), bool> concerns, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _options.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (concerns(TransactionGenerator.Plan(_options, i)))
            {
                yield return TransactionGenerator.Create(_options, i);
            }
        }
    }

    private bool Expired(WorkloadItem w) => w.ExpiresAt is { } at && at <= _expirySeconds;

    // The item as it is after its update, if it has one.
    private static Dictionary<string, AttributeValue> Updated(WorkloadItem w) => w.Update is null
        ? w.Item
        : new Dictionary<string, AttributeValue>(w.Item, StringComparer.Ordinal)
        {
            ["status"] = new() { S = w.Update.Status },
            ["processing_timestamp"] = new() { N = w.Update.ProcessingTimestamp.ToString(CultureInfo.InvariantCulture) },
        };

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

    private byte[] Record(string eventName, string key, byte[]? newImage, byte[]? oldImage, bool ttl)
    {
        _clockMicros += 1_000;
        var eventId = string.Create(CultureInfo.InvariantCulture, $"{_options.Seed:x8}-{++_events:x12}-4000-8000-000000000000");
        return KinesisChangeRecord.Create(eventId, eventName, _tableName, _clockMicros, KeyName, "S", key, newImage, oldImage, ttl);
    }
}
