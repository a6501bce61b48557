using System.Globalization;
using System.Text;
using DynamoLake.Core.Contract;
using DynamoLake.Local.Pipeline;
using DynamoLake.Testing;

namespace DynamoLake.Local.Tests;

/// <summary>The pipeline's sinks hold a bounded amount: what they keep on disk must come back whole and in order.</summary>
public sealed class BoundedSinkTests : IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-sink-");

    private string Folder => Path.Combine(_temp.Path, "folder");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void PartitionedSpill_OverItsBudget_GivesEveryRecordBackInOrderPerPartition()
    {
        var random = new Random(5);
        var expected = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
        using var spill = new PartitionedSpill(Path.Combine(Folder, "spill"), budgetBytes: 2_000);
        for (var i = 0; i < 3_000; i++)
        {
            var partition = "p" + random.Next(13).ToString(CultureInfo.InvariantCulture);
            var record = Encoding.UTF8.GetBytes($"{i}:" + new string('x', random.Next(0, i % 100 == 0 ? 5_000 : 120)));
            var split = random.Next(record.Length + 1);
            spill.Add(partition, record.AsSpan(0, split), record.AsSpan(split));
            (expected.TryGetValue(partition, out var list) ? list : expected[partition] = []).Add(record);
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(Folder, "spill"))); // the budget really sent records to disk
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), spill.Partitions.Order(StringComparer.Ordinal));
        foreach (var (partition, records) in expected)
        {
            var chunks = spill.Read(partition, chunkBytes: 1_000).ToList();
            Assert.Equal(records.Select(Encoding.UTF8.GetString), chunks.SelectMany(c => c).Select(Encoding.UTF8.GetString));
            Assert.All(chunks.SkipLast(1), c => Assert.True(c.Sum(r => r.Length) >= 1_000));
            Assert.All(chunks, c => Assert.True(c.Take(c.Count - 1).Sum(r => r.Length) < 1_000));
            Assert.Equal(records.Sum(r => 4L + r.Length), spill.BytesOf(partition));
        }

        spill.Remove("p0");
        Assert.Empty(spill.Read("p0", 1_000));
        spill.Dispose();
        Assert.False(Directory.Exists(Path.Combine(Folder, "spill")));
    }

    [Theory]
    [InlineData(1, IcebergTableSink.DefaultMaxBucketBytes, IcebergTableSink.DefaultSpillBudgetBytes)]
    [InlineData(2, 2_048, 1_024)] // buckets are split (again if need be) until each fits before it is applied
    public async Task IcebergTableSink_AnyBound_AppliesEachKeysOperationsInArrivalOrder_WithinTheRowsPartition(int seed, long maxBucketBytes, long spillBudgetBytes)
    {
        var contract = TableContract.LoadEmbedded();
        var paths = new LakePaths(Path.Combine(Folder, "lake"), "analytics", contract.Table);
        var random = new Random(seed);

        // The model: Firehose applies an operation only in the partition (day) of the row that carries it.
        var expected = new Dictionary<(long Day, string Key), (long Micros, string Status)>();
        var day = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        using var sink = new IcebergTableSink(contract, Path.Combine(Folder, "work"), maxBucketBytes, spillBudgetBytes);
        sink.Load([Row("txn_loaded", day, "LOADED")]);
        expected[(day / 86_400_000_000L, "txn_loaded")] = (day, "LOADED");
        for (var i = 0; i < 4_000; i++)
        {
            var key = "txn_" + random.Next(600).ToString("D4", CultureInfo.InvariantCulture);
            var micros = day + (random.Next(5) * 86_400_000_000L) + random.Next(1_000_000);
            var at = (micros / 86_400_000_000L, key);
            if (random.Next(5) == 0)
            {
                sink.Apply("delete", Row(key, micros, "GONE"));
                expected.Remove(at);
            }
            else
            {
                var status = "S" + i.ToString(CultureInfo.InvariantCulture);
                sink.Apply(random.Next(2) == 0 ? "insert" : "update", Row(key, micros, status));
                expected[at] = (micros, status);
            }
        }

        var files = await sink.WriteAsync(paths, CancellationToken.None);

        Assert.Equal(expected.Count, sink.Count);
        Assert.Equal(maxBucketBytes < 10_000, sink.Splits > 0);
        Assert.InRange(sink.LargestAppliedBytes, 1, maxBucketBytes);
        var got = ReadBack(paths, contract);
        Assert.Equal(expected.OrderBy(e => e.Key), got.OrderBy(e => e.Key));
        Assert.Equal(expected.Keys.Select(k => k.Day).Distinct().Count(), files);
        sink.Dispose();
        Assert.False(Directory.Exists(Path.Combine(Folder, "work")));
    }

    [Fact]
    public async Task IcebergTableSink_LikeFirehose_DeletesOnlyInTheDeleteRowsPartition()
    {
        var contract = TableContract.LoadEmbedded();
        var paths = new LakePaths(Path.Combine(Folder, "lake"), "analytics", contract.Table);
        var monday = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        var tuesday = monday + 86_400_000_000L;
        using var sink = new IcebergTableSink(contract, Path.Combine(Folder, "work"));

        sink.Apply("update", Row("moved", monday, "PENDING"));
        sink.Apply("update", Row("moved", tuesday, "APPROVED")); // re-dated: its delete half finds nothing on Tuesday
        sink.Apply("update", Row("keys-only", monday, "PENDING"));
        sink.Apply("delete", Encoding.UTF8.GetBytes("""{"transaction_id":"keys-only","timestamp":null}""")); // the null partition
        sink.Apply("update", Row("deleted", monday, "PENDING"));
        sink.Apply("delete", Row("deleted", monday, "PENDING"));
        await sink.WriteAsync(paths, CancellationToken.None);

        var got = ReadBack(paths, contract);
        Assert.Equal(
            [((monday / 86_400_000_000L, "keys-only"), (monday, "PENDING")), ((monday / 86_400_000_000L, "moved"), (monday, "PENDING")), ((tuesday / 86_400_000_000L, "moved"), (tuesday, "APPROVED"))],
            got.OrderBy(e => e.Key).Select(e => (e.Key, e.Value)));
    }

    // Every row by (day, key), checking that each lies in the partition folder of its own timestamp's day.
    private static Dictionary<(long Day, string Key), (long Micros, string Status)> ReadBack(LakePaths paths, TableContract contract)
    {
        using var lake = LakeDatabase.Open(paths, contract, projection: null);
        using var reader = lake.Query("SELECT transaction_id, epoch_us(\"timestamp\"), status, strftime(\"timestamp\", '%Y-%m-%d') = regexp_extract(filename, 'timestamp_day=([0-9-]+)', 1) FROM read_parquet('" + paths.IcebergGlob + "', filename = true)");
        var got = new Dictionary<(long, string), (long, string)>();
        while (reader.Read())
        {
            Assert.True(reader.GetBoolean(3), "a row lies in the partition of its timestamp's day");
            Assert.True(got.TryAdd((reader.GetInt64(1) / 86_400_000_000L, reader.GetString(0)), (reader.GetInt64(1), reader.GetString(2))), "one row per key and partition");
        }

        return got;
    }

    private static byte[] Row(string key, long micros, string status) =>
        Encoding.UTF8.GetBytes($$"""{"transaction_id":"{{key}}","timestamp":{{micros}},"amount":12.30,"status":"{{status}}"}""");
}
