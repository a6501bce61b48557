using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cli.Pipeline;

/// <summary>
/// Delivers change records the way Firehose does from a Kinesis source: records go to shards by partition
/// key (the item key, as DynamoDB's Kinesis destination does), each shard's records are cut into
/// transformation requests of at most <c>BufferSizeInMBs</c> of data (base64, recordIds,
/// kinesisRecordMetadata), and each shard's requests stay in order. <c>--shuffle</c> interleaves the
/// shards' requests at random; <c>--duplicates RATE</c> redelivers a request right after itself (Firehose
/// retrying an invocation whose answer it did not get: at-least-once).
/// </summary>
internal sealed class FirehoseDelivery
{
    public const string DeliveryStreamArn = "arn:aws:firehose:us-east-1:111122223333:deliverystream/dynamolake-iceberg";
    public const string SourceStreamArn = "arn:aws:kinesis:us-east-1:111122223333:stream/dynamolake-changes";

    private readonly int _bufferBytes;
    private readonly int _shards;
    private readonly double _duplicates;
    private readonly Random? _shuffle;
    private readonly Random _redelivery;
    private readonly long[] _sequence;
    private long _arrivalMs;

    public FirehoseDelivery(int bufferBytes, int shards, double duplicates, int? shuffleSeed, int seed, long startArrivalMs)
    {
        _bufferBytes = bufferBytes;
        _shards = shards;
        _duplicates = duplicates;
        _shuffle = shuffleSeed is { } s ? new Random(s) : null;
        _redelivery = new Random(seed);
        _sequence = new long[shards];
        _arrivalMs = startArrivalMs;
    }

    public long Redelivered { get; private set; }

    public IEnumerable<DeliveryBatch> Batches(IEnumerable<CapturedChange> changes)
    {
        var open = new List<CapturedChange>[_shards];
        var openBytes = new long[_shards];
        var ready = new List<(int Shard, List<CapturedChange> Records)>();
        for (var i = 0; i < _shards; i++)
        {
            open[i] = [];
        }

        foreach (var change in changes)
        {
            var shard = ShardOf(change.Key);
            if (open[shard].Count > 0 && openBytes[shard] + change.Record.Length > _bufferBytes)
            {
                // A shard may have one request waiting; a second one first lets a waiting request go.
                if (ready.Exists(r => r.Shard == shard))
                {
                    foreach (var batch in Release(ready, shard))
                    {
                        yield return batch;
                    }
                }

                ready.Add((shard, open[shard]));
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
                ready.Add((i, open[i]));
            }
        }

        while (ready.Count > 0)
        {
            foreach (var batch in Release(ready, mustInclude: null))
            {
                yield return batch;
            }
        }
    }

    // Sends one waiting request: the given shard's when its order requires it, else the oldest, or a random one with --shuffle.
    private IEnumerable<DeliveryBatch> Release(List<(int Shard, List<CapturedChange> Records)> ready, int? mustInclude)
    {
        int index;
        if (mustInclude is { } shard)
        {
            // With --shuffle, other shards' waiting requests may go first, picked at random.
            while (_shuffle is not null && ready.Count > 1 && _shuffle.Next(2) == 0)
            {
                var others = Enumerable.Range(0, ready.Count).Where(i => ready[i].Shard != shard).ToList();
                if (others.Count == 0)
                {
                    break;
                }

                foreach (var batch in Send(ready, others[_shuffle.Next(others.Count)]))
                {
                    yield return batch;
                }
            }

            index = ready.FindIndex(r => r.Shard == shard);
        }
        else
        {
            index = _shuffle is null ? 0 : _shuffle.Next(ready.Count);
        }

        foreach (var batch in Send(ready, index))
        {
            yield return batch;
        }
    }

    private IEnumerable<DeliveryBatch> Send(List<(int Shard, List<CapturedChange> Records)> ready, int index)
    {
        var (shard, records) = ready[index];
        ready.RemoveAt(index);
        var batch = Build(shard, records);
        yield return batch;
        if (_duplicates > 0 && _redelivery.NextDouble() < _duplicates)
        {
            Redelivered++;
            yield return batch with { Redelivery = true };
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
