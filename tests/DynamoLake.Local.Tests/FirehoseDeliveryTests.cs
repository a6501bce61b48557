using System.Text;
using System.Text.Json;
using CsCheck;
using DynamoLake.Local.Pipeline;

namespace DynamoLake.Local.Tests;

/// <summary>
/// The orderings the delivery produces are those a Kinesis-sourced Firehose can (ADR 0011), over many seeds:
/// each shard in its order, shards interleaved, redelivery as a re-read of a shard's last requests.
/// </summary>
public sealed class FirehoseDeliveryTests
{
    private static List<CapturedChange> Changes(int count, int keys = 97) =>
        [.. Enumerable.Range(0, count).Select(i => new CapturedChange($"key-{i % keys}", Encoding.UTF8.GetBytes($$"""{"n":{{i}},"pad":"{{new string('x', 200 + (i % 50))}}"}""")))];

    private static List<(string Key, int N)> Delivered(DeliveryBatch batch) =>
        [.. JsonDocument.Parse(batch.Request).RootElement.GetProperty("records").EnumerateArray()
            .Select(r => (r.GetProperty("kinesisRecordMetadata").GetProperty("partitionKey").GetString()!,
                          JsonDocument.Parse(r.GetProperty("data").GetBytesFromBase64()).RootElement.GetProperty("n").GetInt32()))];

    private static string ShardOf(DeliveryBatch batch) =>
        JsonDocument.Parse(batch.Request).RootElement.GetProperty("records")[0].GetProperty("kinesisRecordMetadata").GetProperty("shardId").GetString()!;

    /// <summary>
    /// Checks one delivery against the model: per shard, first sends are the shard's records in order, and each
    /// redelivery replays a run of that shard's last <see cref="FirehoseDelivery.ReplayDepth"/> requests, in order,
    /// ending at the newest one sent, before anything newer of the shard.
    /// </summary>
    private static void AssertKinesisOrdering(List<DeliveryBatch> batches, int count)
    {
        var firstSends = new Dictionary<string, List<DeliveryBatch>>(StringComparer.Ordinal);
        var replayNext = new Dictionary<string, int>(StringComparer.Ordinal); // index of the next request a replay must send
        foreach (var batch in batches)
        {
            var shard = ShardOf(batch);
            var sent = firstSends.TryGetValue(shard, out var list) ? list : firstSends[shard] = [];
            if (!batch.Redelivery)
            {
                Assert.False(replayNext.ContainsKey(shard), "a new request went out while its shard was being read again");
                sent.Add(batch);
                continue;
            }

            // A replay starts at one of the shard's last requests, or continues where it is.
            var at = replayNext.TryGetValue(shard, out var next)
                ? next
                : sent.FindLastIndex(b => b.RecordIds.SequenceEqual(batch.RecordIds));
            Assert.True(at >= sent.Count - FirehoseDelivery.ReplayDepth && at >= 0, "a redelivery reached further back than a checkpoint re-read");
            Assert.Equal(sent[at].RecordIds, batch.RecordIds);
            if (at + 1 < sent.Count)
            {
                replayNext[shard] = at + 1;
            }
            else
            {
                replayNext.Remove(shard);
            }
        }

        Assert.Empty(replayNext);

        // First sends: every record once, and each key's changes in order.
        var delivered = batches.Where(b => !b.Redelivery).SelectMany(Delivered).ToList();
        Assert.Equal(Enumerable.Range(0, count), delivered.Select(d => d.N).Order());
        Assert.All(delivered.GroupBy(d => d.Key), g => Assert.Equal(g.Select(d => d.N).Order(), g.Select(d => d.N)));

        // Whatever the redeliveries, each key's last delivered change is its newest.
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, n) in batches.SelectMany(Delivered))
        {
            last[key] = n;
        }

        Assert.All(delivered.GroupBy(d => d.Key), g => Assert.Equal(g.Max(d => d.N), last[g.Key]));
    }

    [Fact]
    public void Batches_AnySeedShardsAndRedeliveryRate_ProduceOnlyKinesisOrderings()
    {
        Gen.Select(Gen.Int[1, 1_000_000], Gen.Int[1, 9], Gen.Int[0, 3], Gen.Bool, Gen.Int[1, 2_000])
            .Sample(
                t =>
                {
                    var (seed, shards, rate, shuffle, count) = t;
                    var delivery = new FirehoseDelivery(8 * 1024, shards, duplicates: rate * 0.25, shuffle ? seed : null, seed, startArrivalMs: 0);
                    var batches = delivery.Batches(Changes(count)).ToList();
                    AssertKinesisOrdering(batches, count);
                    Assert.Equal(delivery.Redelivered, batches.Count(b => b.Redelivery));
                    Assert.All(batches, b => Assert.True(b.Data.Sum(d => d.Length) <= 8 * 1024 || b.Data.Length == 1));
                },
                iter: 150);
    }

    [Fact]
    public void Batches_Shuffled_InterleaveTheShards()
    {
        var batches = new FirehoseDelivery(16 * 1024, shards: 6, duplicates: 0, shuffleSeed: 3, seed: 1, startArrivalMs: 0).Batches(Changes(5_000)).ToList();

        var unshuffled = new FirehoseDelivery(16 * 1024, shards: 6, duplicates: 0, shuffleSeed: null, seed: 1, startArrivalMs: 0).Batches(Changes(5_000)).ToList();
        Assert.NotEqual(unshuffled.Select(ShardOf), batches.Select(ShardOf));
    }

    [Fact]
    public void Batches_WithRedelivery_ReadAShardAgainFromOneAndFromTwoRequestsBack()
    {
        var delivery = new FirehoseDelivery(16 * 1024, shards: 2, duplicates: 0.5, shuffleSeed: 4, seed: 7, startArrivalMs: 0);

        var batches = delivery.Batches(Changes(2_000)).ToList();

        AssertKinesisOrdering(batches, 2_000);
        var replays = batches.Select((b, i) => (b, i)).Where(x => x.b.Redelivery).ToList();
        Assert.Contains(replays, r => batches[r.i - 1].RecordIds.SequenceEqual(r.b.RecordIds)); // right after itself
        Assert.Contains(replays, r => !batches[r.i - 1].RecordIds.SequenceEqual(r.b.RecordIds)); // after a later request of its shard
    }
}
