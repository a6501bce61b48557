using System.Text;
using System.Text.Json;
using Cli.Pipeline;

namespace Cli.Tests;

public sealed class FirehoseDeliveryTests
{
    private static List<CapturedChange> Changes(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new CapturedChange($"key-{i % 97}", Encoding.UTF8.GetBytes($$"""{"n":{{i}},"pad":"{{new string('x', 200 + (i % 50))}}"}""")))];

    private static IEnumerable<(string Key, int N)> Delivered(IEnumerable<DeliveryBatch> batches) =>
        batches.SelectMany(b => JsonDocument.Parse(b.Request).RootElement.GetProperty("records").EnumerateArray()
            .Select(r => (r.GetProperty("kinesisRecordMetadata").GetProperty("partitionKey").GetString()!,
                          JsonDocument.Parse(r.GetProperty("data").GetBytesFromBase64()).RootElement.GetProperty("n").GetInt32())));

    [Fact]
    public void Batches_Shuffled_KeepEachKeysChangesInOrderAndDeliverEveryRecordOnce()
    {
        var changes = Changes(5_000);

        var batches = new FirehoseDelivery(16 * 1024, shards: 6, duplicates: 0, shuffleSeed: 3, seed: 1, startArrivalMs: 0).Batches(changes).ToList();

        var delivered = Delivered(batches).ToList();
        Assert.Equal(Enumerable.Range(0, 5_000), delivered.Select(d => d.N).Order());
        Assert.All(delivered.GroupBy(d => d.Key), g => Assert.Equal(g.Select(d => d.N).Order(), g.Select(d => d.N)));
        Assert.NotEqual(Enumerable.Range(0, 5_000), delivered.Select(d => d.N)); // the shards really were interleaved
        Assert.All(batches, b => Assert.True(b.Data.Sum(d => d.Length) <= 16 * 1024 || b.Data.Length == 1));
    }

    [Fact]
    public void Batches_WithRedelivery_SendTheSameRequestAgainRightAfterIt()
    {
        var delivery = new FirehoseDelivery(16 * 1024, shards: 2, duplicates: 0.5, shuffleSeed: null, seed: 7, startArrivalMs: 0);

        var batches = delivery.Batches(Changes(2_000)).ToList();

        Assert.True(delivery.Redelivered > 0);
        Assert.Equal(delivery.Redelivered, batches.Count(b => b.Redelivery));
        for (var i = 0; i < batches.Count; i++)
        {
            if (batches[i].Redelivery)
            {
                Assert.Equal(batches[i - 1].RecordIds, batches[i].RecordIds);
            }
        }

        Assert.Equal(2_000, Delivered(batches.Where(b => !b.Redelivery)).Count());
    }
}
