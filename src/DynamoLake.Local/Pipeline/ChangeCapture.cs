using DynamoLake.Core.Changes;
using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Seeder;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// The embedded source: the Seeder's workload played as a table would record it, emitting exactly the change
/// records Kinesis Data Streams for DynamoDB would carry — INSERT with NewImage, MODIFY with OldImage and
/// NewImage, REMOVE with OldImage, and TTL expiries as REMOVE by the DynamoDB service principal — with
/// microsecond ApproximateCreationDateTime (the template's precision). Nothing of the table is kept: an
/// item is a pure function of (seed, index), so every image — old, new or final — is made again when it
/// is needed, and memory does not grow with the table.
/// </summary>
internal sealed class ChangeCapture : IChangeSource
{
    private readonly IWorkload _workload;
    private readonly WorkloadOptions _options;
    private readonly string _tableName;
    private readonly long _expirySeconds;
    private readonly long _startMicros;
    private readonly string? _streamView;
    private readonly int _existing;
    private long _events;

    /// <param name="expiryClock">Items whose expires_at is at or before this moment are removed by TTL at the end.</param>
    /// <param name="streamView">
    /// Null: records as Kinesis Data Streams for DynamoDB carries them. A <see cref="StreamViews"/> value: as
    /// DynamoDB Streams with that view writes them (EventBridge Pipes), NEW_IMAGE dropping the old images.
    /// </param>
    public ChangeCapture(WorkloadOptions options, string tableName, DateTimeOffset expiryClock, string? streamView = null)
        : this(new TransactionWorkload(options), tableName, expiryClock, streamView)
    {
    }

    /// <param name="workload">The items and what happens to them: the sample's transactions, or a contract's items.</param>
    /// <param name="tableName">The table the records name.</param>
    /// <param name="expiryClock">Items whose TTL attribute is at or before this moment are removed by TTL at the end.</param>
    /// <param name="streamView">As above.</param>
    /// <param name="existing">How many of the first items were in the table before capture began: their inserts make no record.</param>
    public ChangeCapture(IWorkload workload, string tableName, DateTimeOffset expiryClock, string? streamView = null, int existing = 0)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var options = workload.Options;
        _workload = workload;
        _existing = existing;
        _streamView = streamView;
        _options = options;
        _tableName = tableName;
        _expirySeconds = expiryClock.ToUnixTimeSeconds();
        // Change times are a microsecond apart and end by the window's end (the run's "now"), never after it: an
        // item makes at most three changes (INSERT, MODIFY, then REMOVE or a TTL expiry).
        _startMicros = ((options.From + options.Window).ToUnixTimeMilliseconds() * 1000) - (3L * options.Count) - 1;
    }

    private enum Pass
    {
        Insert,
        Modify,
        Remove,
        Expire,
    }

    /// <summary>
    /// Every change of the workload, in the order DynamoDB would record them: inserts, then updates, deletes
    /// and TTL expiries, each pass in index order. A chunk of items is made on every core at once; event ids
    /// and times are then given in order, so the records are the same however many cores made them.
    /// </summary>
    public IEnumerable<CapturedChange> Changes(CancellationToken cancellationToken)
    {
        const int Chunk = 2048;
        var parallel = new ParallelOptions { CancellationToken = cancellationToken };
        var made = new (string Key, byte[]? NewImage, byte[]? OldImage)?[Chunk];
        var records = new CapturedChange[Chunk];
        var first = new long[Chunk];
        foreach (var pass in Enum.GetValues<Pass>())
        {
            var eventName = pass switch { Pass.Insert => "INSERT", Pass.Modify => "MODIFY", _ => "REMOVE" };
            for (var start = 0; start < _options.Count; start += Chunk)
            {
                var count = Math.Min(Chunk, _options.Count - start);
                Parallel.For(0, count, parallel, i => made[i] = Make(pass, start + i));

                // The n-th change of the run gets event n and time start + n ms.
                var changes = 0;
                for (var i = 0; i < count; i++)
                {
                    if (made[i] is not null)
                    {
                        first[changes++] = i;
                    }
                }

                var events = _events;
                Parallel.For(0, changes, parallel, n =>
                {
                    var (key, newImage, oldImage) = made[first[n]]!.Value;
                    records[n] = new(key, Record(eventName, events + n + 1, start + (int)first[n], key, newImage, oldImage, ttl: pass == Pass.Expire));
                });
                _events += changes;
                for (var n = 0; n < changes; n++)
                {
                    yield return records[n];
                }
            }
        }
    }

    /// <summary>The table after every change, item by item in index order: made from the generator (on every core), not from the changes.</summary>
    public IAsyncEnumerable<KeyValuePair<string, byte[]>> FinalState(CancellationToken cancellationToken) => FinalState(null, cancellationToken);

    /// <summary>The items of one contract of a <see cref="WorkloadSet"/> after every change.</summary>
    public IAsyncEnumerable<KeyValuePair<string, byte[]>> FinalState(int contract, CancellationToken cancellationToken) =>
        _workload is WorkloadSet set ? FinalState(i => set.PartOf(i) == contract, cancellationToken)
        : contract == 0 ? FinalState(cancellationToken) : throw new PipelineException("this source holds one table's items");

    private async IAsyncEnumerable<KeyValuePair<string, byte[]>> FinalState(Func<int, bool>? which, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int Chunk = 4096;
        var items = new KeyValuePair<string, byte[]>?[Chunk];
        for (var start = 0; start < _options.Count; start += Chunk)
        {
            var count = Math.Min(Chunk, _options.Count - start);
            await Task.Run(
                () => Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
                {
                    if (which is not null && !which(start + i))
                    {
                        items[i] = null;
                        return;
                    }

                    var w = _workload.Create(start + i);
                    items[i] = w.Delete || Expired(w) ? null : new(w.Key, Json(_workload.Updated(w)));
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

    /// <summary>
    /// The moment of the snapshot of a run with existing items: after every insert, before any other change
    /// (the first update's event time). The table then holds every item as inserted.
    /// </summary>
    public long SnapshotMicros => _startMicros + (_options.Count - _existing) + 1;

    /// <summary>How many change records the capture makes (for progress, and where the hand-off happens), without making them.</summary>
    public long CountRecords() => CountChanges(_workload) - _existing;

    /// <summary>
    /// The table at <see cref="SnapshotMicros"/> as an export holds it: every item as inserted, each as an INSERT
    /// whose eventID names the export (its row is a snapshot row) one microsecond before the snapshot's time, so
    /// that a change made at the snapshot's time is newer (the change log's view orders by event time).
    /// </summary>
    public IEnumerable<CapturedChange> Snapshot(string exportId)
    {
        for (var index = 0; index < _options.Count; index++)
        {
            var w = _workload.Create(index);
            var (table, keySchema) = _workload.TableOf(index);
            yield return new(w.Key, KinesisChangeRecord.Create(DynamoLake.Core.Contract.LakeSchema.SnapshotEventIdPrefix + exportId, "INSERT", table ?? _tableName, SnapshotMicros - 1, keySchema, w.Key, Json(w.Item), null, ttl: false));
        }
    }

    // One item's change in a pass, or null when the pass does not concern it (the plan is cheap, the item is not).
    private (string Key, byte[]? NewImage, byte[]? OldImage)? Make(Pass pass, int index)
    {
        if (pass == Pass.Insert && index < _existing)
        {
            return null; // in the table before capture began
        }

        if (pass != Pass.Insert)
        {
            var (update, delete, ttl) = _workload.Plan(index);
            var concerned = pass switch
            {
                Pass.Modify => update,
                Pass.Remove => delete,
                _ => ttl && !delete,
            };
            if (!concerned)
            {
                return null;
            }
        }

        var w = _workload.Create(index);
        return pass switch
        {
            Pass.Insert => (w.Key, Json(w.Item), null),
            Pass.Modify => (w.Key, Json(_workload.Updated(w)), Json(w.Item)),
            Pass.Remove => (w.Key, null, Json(_workload.Updated(w))),
            _ => Expired(w) ? (w.Key, null, Json(_workload.Updated(w))) : null,
        };
    }

    private bool Expired(WorkloadItem w) => w.ExpiresAt is { } at && at <= _expirySeconds;

    /// <summary>How many change records the workload makes (for progress), without making them.</summary>
    public static long CountChanges(WorkloadOptions options) => CountChanges(new TransactionWorkload(options));

    /// <summary>How many change records a workload makes (for progress), without making them.</summary>
    public static long CountChanges(IWorkload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        long changes = 0;
        for (var i = 0; i < workload.Options.Count; i++)
        {
            var (update, delete, ttl) = workload.Plan(i);
            changes += 1 + (update ? 1 : 0) + (delete ? 1 : 0) + (ttl && !delete ? 1 : 0);
        }

        return changes;
    }

    /// <summary>An item as DynamoDB JSON.</summary>
    internal static byte[] Json(Dictionary<string, AttributeValue> item)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            DynamoDbJson.WriteItem(writer, item);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private byte[] Record(string eventName, long eventNumber, int index, string key, byte[]? newImage, byte[]? oldImage, bool ttl)
    {
        var eventId = string.Create(CultureInfo.InvariantCulture, $"{_options.Seed:x8}-{eventNumber:x12}-4000-8000-000000000000");
        var (table, keySchema) = _workload.TableOf(index);
        table ??= _tableName;
        if (_streamView is not null)
        {
            return StreamsChangeRecord.Create(eventId, eventName, table, _startMicros + eventNumber, eventNumber, _streamView, keySchema, key, newImage, oldImage, ttl);
        }

        return KinesisChangeRecord.Create(eventId, eventName, table, _startMicros + eventNumber, keySchema, key, newImage, oldImage, ttl);
    }
}
