using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// Delivers change records the way Firehose does from a Kinesis source: records go to shards by partition
/// key (the item key, as DynamoDB's Kinesis destination does), each shard's records are cut into
/// transformation requests of at most <c>BufferSizeInMBs</c> of record data (counted before base64; the
/// request carries it base64 with recordIds and kinesisRecordMetadata), and each shard's requests go out in the
/// shard's order.
/// </summary>
/// <remarks>
/// The orderings produced are exactly those ADR 0011 settles from the AWS documentation, and no others:
/// <list type="bullet">
/// <item>one shard's requests in the shard's order, always (a shard is read in sequence-number order);</item>
/// <item>across shards, any interleaving (<c>--shuffle</c> picks the next shard at random; without it, the
/// oldest request goes first);</item>
/// <item>redelivery (<c>--duplicates RATE</c>: at-least-once): after a request, the shard is read again from
/// an earlier checkpoint, so its last one or two requests are sent again, in order, before anything newer
/// of that shard. Other shards' requests may come between (with <c>--shuffle</c>).</item>
/// </list>
/// A shard's older request never follows a newer one of the same shard unless that newer one follows again.
/// </remarks>
internal sealed class FirehoseDelivery
{
    public const string DeliveryStreamArn = "arn:aws:firehose:us-east-1:111122223333:deliverystream/dynamolake-iceberg";
    public const string SourceStreamArn = "arn:aws:kinesis:us-east-1:111122223333:stream/dynamolake-changes";

    /// <summary>How far back a redelivery may reach in one shard: its last requests, at most this many.</summary>
    public const int ReplayDepth = 2;

    private readonly int _bufferBytes;
    private readonly int _shards;
    private readonly double _duplicates;
    private readonly Random? _shuffle;
    private readonly Random _redelivery;
    private readonly long[] _sequence;
    private readonly Queue<DeliveryBatch>[] _sent;
    private long _arrivalMs;

    public FirehoseDelivery(int bufferBytes, int shards, double duplicates, int? shuffleSeed, int seed, long startArrivalMs)
    {
        _bufferBytes = bufferBytes;
        _shards = shards;
        _duplicates = duplicates;
        _shuffle = shuffleSeed is { } s ? new Random(s) : null;
        _redelivery = new Random(seed);
        _sequence = new long[shards];
        _sent = new Queue<DeliveryBatch>[shards];
        _arrivalMs = startArrivalMs;
    }

    public long Redelivered { get; private set; }

    public IEnumerable<DeliveryBatch> Batches(IEnumerable<CapturedChange> changes)
    {
        var open = new List<CapturedChange>[_shards];
        var openBytes = new long[_shards];

        // Requests cut and not yet sent, oldest first. While records arrive a shard has at most one here;
        // at the end, its last open request joins it.
        var waiting = new List<(int Shard, List<CapturedChange> Records)>();
        for (var i = 0; i < _shards; i++)
        {
            open[i] = [];
            _sent[i] = new Queue<DeliveryBatch>(ReplayDepth);
        }

        foreach (var change in changes)
        {
            var shard = ShardOf(change.Key);
            if (open[shard].Count > 0 && openBytes[shard] + change.Record.Length > _bufferBytes)
            {
                // A shard may have one request waiting; a second one first lets the waiting one go (with
                // --shuffle, other shards' waiting requests may go before it, picked at random).
                if (waiting.Exists(r => r.Shard == shard))
                {
                    while (_shuffle is not null && _shuffle.Next(2) == 0 && waiting.Exists(r => r.Shard != shard))
                    {
                        var others = waiting.Where(r => r.Shard != shard).Select(r => r.Shard).ToList();
                        foreach (var batch in SendOldestOf(waiting, others[_shuffle.Next(others.Count)]))
                        {
                            yield return batch;
                        }
                    }

                    foreach (var batch in SendOldestOf(waiting, shard))
                    {
                        yield return batch;
                    }
                }

                waiting.Add((shard, open[shard]));
                open[shard] = [];
                openBytes[shard] = 0;
            }

            open[shard].Add(change);
            openBytes[shard] += change.Record.Length;
        }

        for (var i = 0; i < _shards; i++)
        {
            if (open[i].Count > 0)
            {
                waiting.Add((i, open[i]));
            }
        }

        // The drain: a shard is picked (the oldest request's, or any with --shuffle), and its oldest request goes.
        while (waiting.Count > 0)
        {
            var shard = waiting[_shuffle is null ? 0 : _shuffle.Next(waiting.Count)].Shard;
            foreach (var batch in SendOldestOf(waiting, shard))
            {
                yield return batch;
            }
        }

        foreach (var sent in _sent)
        {
            sent.Clear();
        }
    }

    // Sends the shard's oldest waiting request, then, at the redelivery rate, the shard read again from an
    // earlier checkpoint: its last one or two requests once more, in order.
    private IEnumerable<DeliveryBatch> SendOldestOf(List<(int Shard, List<CapturedChange> Records)> waiting, int shard)
    {
        var index = waiting.FindIndex(r => r.Shard == shard);
        var records = waiting[index].Records;
        waiting.RemoveAt(index);
        var batch = Build(shard, records);
        yield return batch;
        if (_duplicates <= 0)
        {
            yield break;
        }

        // The shard's last requests are kept only for redelivery (each up to a request's size).
        var sent = _sent[shard];
        if (sent.Count == ReplayDepth)
        {
            sent.Dequeue();
        }

        sent.Enqueue(batch);
        if (_redelivery.NextDouble() < _duplicates)
        {
            var from = sent.Count - _redelivery.Next(1, sent.Count + 1);
            foreach (var again in sent.Skip(from))
            {
                Redelivered++;
                yield return again with { Redelivery = true };
            }
        }
    }

    // FNV-1a over the key's UTF-8 bytes: stable across runs and machines, like Kinesis's MD5 of the partition key.
    private int ShardOf(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return (int)(hash % (uint)_shards);
    }

    private DeliveryBatch Build(int shard, List<CapturedChange> records)
    {
        var arrival = ++_arrivalMs;
        var ids = new string[records.Count];
        var data = new byte[records.Count][];
        var size = records.Sum(r => (long)r.Record.Length) * 4 / 3 + (records.Count * 400) + 512;
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(size, int.MaxValue));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("invocationId"u8, Guid.NewGuid().ToString());
            writer.WriteString("deliveryStreamArn"u8, DeliveryStreamArn);
            writer.WriteString("sourceKinesisStreamArn"u8, SourceStreamArn);
            writer.WriteString("region"u8, "us-east-1");
            writer.WriteStartArray("records"u8);
            for (var i = 0; i < records.Count; i++)
            {
                var sequence = (++_sequence[shard]).ToString("D20", CultureInfo.InvariantCulture);
                var sequenceNumber = $"4966{shard:D4}{sequence}";
                ids[i] = $"{sequenceNumber}{i:D10}";
                data[i] = records[i].Record;
                writer.WriteStartObject();
                writer.WriteString("recordId"u8, ids[i]);
                writer.WriteNumber("approximateArrivalTimestamp"u8, arrival);
                writer.WriteBase64String("data"u8, records[i].Record);
                writer.WriteStartObject("kinesisRecordMetadata"u8);
                writer.WriteString("sequenceNumber"u8, sequenceNumber);
                writer.WriteNumber("subsequenceNumber"u8, 0);
                writer.WriteString("partitionKey"u8, records[i].Key);
                writer.WriteString("shardId"u8, $"shardId-{shard:D12}");
                writer.WriteNumber("approximateArrivalTimestamp"u8, arrival);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return new DeliveryBatch(buffer.WrittenSpan.ToArray(), ids, data, arrival, Redelivery: false);
    }
}
