using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DynamoLake.Core.Contract;
using DynamoLake.Local.Pipeline;
using DynamoLake.Testing;

namespace DynamoLake.Local.Tests;

/// <summary>
/// List columns in the local lake: Parquet's nested lists as DuckDB reads them back, and parity comparing
/// them with the source's L lists and DynamoDB sets.
/// </summary>
public sealed class ListColumnTests : IDisposable
{
    private const string ContractJson = """
        {
          "table": "lists",
          "uniqueKey": ["id"],
          "columns": [
            {"name": "id", "type": "string", "required": true},
            {"name": "tags", "type": {"type": "list", "element": "string"}},
            {"name": "nums", "type": {"type": "list", "element": "long"}},
            {"name": "rates", "type": {"type": "list", "element": "decimal(9,2)"}},
            {"name": "items", "type": {"type": "list", "element": {"type": "struct", "fields": [{"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}, {"name": "opts", "type": {"type": "list", "element": "string"}}]}}},
            {"name": "s", "type": {"type": "struct", "fields": [{"name": "lines", "type": {"type": "list", "element": "string"}}, {"name": "x", "type": "int"}]}},
            {"name": "grid", "type": {"type": "list", "element": {"type": "list", "element": "int"}}},
            {"name": "ts", "type": {"type": "list", "element": "timestamptz"}, "sourceUnit": "milliseconds"},
            {"name": "_op", "type": "string", "required": true, "derived": "operation"},
            {"name": "_event_time", "type": "timestamptz", "required": true, "derived": "event_time"},
            {"name": "_event_id", "type": "string", "required": true, "derived": "event_id"},
            {"name": "_ttl_delete", "type": "boolean", "required": true, "derived": "ttl_delete"}
          ]
        }
        """;

    private static readonly TableContract s_contract = TableContract.Parse(Encoding.UTF8.GetBytes(ContractJson), "lists.json");

    private readonly TempFolder _temp = new("dynamolake-lists-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Lists_AnyNestingOfAbsentNullEmptyAndNullElements_ReadBackAsWritten_OverSeeds()
    {
        using var lake = LakeDatabase.InMemory();
        for (var seed = 0; seed < 60; seed++)
        {
            var random = new Random(seed);
            var rows = Enumerable.Range(0, 1 + random.Next(40)).Select(i => Row(random, i)).ToList();
            var file = Path.Combine(_temp.Path, $"seed-{seed}.parquet");
            // Row groups of a few rows: the levels start again in each.
            var chunks = rows.Chunk(1 + random.Next(7)).Select(c => (IReadOnlyList<byte[]>)c.Select(r => Encoding.UTF8.GetBytes(r.Written.ToJsonString())).ToList());
            var written = await ParquetLayout.Iceberg(s_contract).WriteAsync(chunks, () => File.Create(file), CancellationToken.None);
            Assert.Equal(rows.Count, written);

            const string Columns = "id := id, tags := tags, nums := nums, rates := CAST(rates AS VARCHAR[]), items := items, s := s, grid := grid, ts := list_transform(ts, lambda t: epoch_ms(t)), _op := _op, _event_time := _event_time, _event_id := _event_id, _ttl_delete := _ttl_delete";
            using var reader = lake.Query($"SELECT to_json(struct_pack({Columns}))::VARCHAR FROM read_parquet('{file}') ORDER BY id");
            foreach (var row in rows.OrderBy(r => r.Id, StringComparer.Ordinal))
            {
                Assert.True(reader.Read());
                var read = JsonNode.Parse(reader.GetString(0));
                Assert.True(JsonNode.DeepEquals(row.Expected, read), $"seed {seed}, row {row.Id}:\nwritten  {row.Written.ToJsonString()}\nexpected {row.Expected.ToJsonString()}\nread     {read!.ToJsonString()}");
            }

            Assert.False(reader.Read());
        }
    }

    [Fact]
    public async Task Parity_ComparesListsInOrder_SetsInAnyOrder_AndElementsExactly()
    {
        using var lake = LakeDatabase.InMemory();
        var file = Path.Combine(_temp.Path, "lake.parquet");
        string[] rows =
        [
            """{"id":"a","tags":["x","y"],"nums":[2,1],"rates":["1.50","2.00"],"items":[{"sku":"k","qty":1,"opts":["o"]},null],"grid":[[1],[],null],"ts":[1764633600000000]}""",
            """{"id":"b","tags":["x","y"],"nums":[],"rates":null,"s":{"lines":["l1",null],"x":3}}""",
        ];
        await ParquetLayout.Iceberg(s_contract).WriteAsync([rows.Select(Encoding.UTF8.GetBytes).ToList()], () => File.Create(file), CancellationToken.None);
        var relation = $"read_parquet('{file}')";

        // The source as DynamoDB JSON: sets in another order than the lake's, numbers spelt otherwise.
        const string A = """{"id":{"S":"a"},"tags":{"SS":["y","x"]},"nums":{"L":[{"N":"2"},{"N":"1"}]},"rates":{"NS":["2","1.5"]},"items":{"L":[{"M":{"sku":{"S":"k"},"qty":{"N":"1"},"opts":{"SS":["o"]}}},{"NULL":true}]},"grid":{"L":[{"L":[{"N":"1"}]},{"L":[]},{"NULL":true}]},"ts":{"NS":["1764633600000"]}}""";
        const string B = """{"id":{"S":"b"},"tags":{"L":[{"S":"x"},{"S":"y"}]},"nums":{"L":[]},"s":{"M":{"lines":{"L":[{"S":"l1"},{"NULL":true}]},"x":{"N":"3"}}}}""";
        Assert.Empty(await Differences(lake, relation, A, B));

        // An L list is ordered: the same elements in another order differ.
        Assert.Equal(["a.nums: source [1, 2], lake [2, 1]"], await Differences(lake, relation, A.Replace("""{"L":[{"N":"2"},{"N":"1"}]}""", """{"L":[{"N":"1"},{"N":"2"}]}""", StringComparison.Ordinal), B));
        Assert.Equal(["b.tags: source [y, x], lake [x, y]"], await Differences(lake, relation, A, B.Replace("""[{"S":"x"},{"S":"y"}]""", """[{"S":"y"},{"S":"x"}]""", StringComparison.Ordinal)));

        // An element's value, a field of a struct in a list, a list in a list, a null element, an empty list against a missing one.
        Assert.Single(await Differences(lake, relation, A.Replace("""["2","1.5"]""", """["2","1.51"]""", StringComparison.Ordinal), B), d => d.StartsWith("a.rates: ", StringComparison.Ordinal));
        Assert.Single(await Differences(lake, relation, A.Replace("""{"N":"1"},"opts""", """{"N":"7"},"opts""", StringComparison.Ordinal), B), d => d.StartsWith("a.items: ", StringComparison.Ordinal));
        Assert.Single(await Differences(lake, relation, A.Replace("""{"L":[]},{"NULL":true}]}""", """{"L":[{"N":"0"}]},{"NULL":true}]}""", StringComparison.Ordinal), B), d => d.StartsWith("a.grid: ", StringComparison.Ordinal));
        Assert.Single(await Differences(lake, relation, A, B.Replace("""{"S":"l1"},{"NULL":true}""", """{"S":"l1"}""", StringComparison.Ordinal)), d => d.StartsWith("b.s.lines: ", StringComparison.Ordinal));
        Assert.Equal(["b.nums: source ∅, lake []"], await Differences(lake, relation, A, B.Replace(""","nums":{"L":[]}""", "", StringComparison.Ordinal)));
        Assert.Single(await Differences(lake, relation, A.Replace("1764633600000", "1764633600001", StringComparison.Ordinal), B), d => d.StartsWith("a.ts: ", StringComparison.Ordinal));
    }

    private static async Task<List<string>> Differences(LakeDatabase lake, string relation, params string[] items)
    {
        var source = items.Select(i => new KeyValuePair<string, byte[]>(JsonNode.Parse(i)!["id"]!["S"]!.GetValue<string>(), Encoding.UTF8.GetBytes(i)));
        return (await Parity.CompareAsync(s_contract, source.ToAsyncEnumerable(), lake, relation, CancellationToken.None)).Differences;
    }

    // A row as the Transform writes it (absent columns left out), and as DuckDB should read it (every column, absent ones null).
    private sealed record GeneratedRow(string Id, JsonObject Written, JsonObject Expected);

    private static GeneratedRow Row(Random random, int index)
    {
        var id = "k" + index.ToString("D3", CultureInfo.InvariantCulture);
        var written = new JsonObject { ["id"] = id };
        var expected = new JsonObject { ["id"] = id };
        Column("tags", () => List(random, () => Text(random)));
        Column("nums", () => List(random, () => random.NextInt64(long.MinValue, long.MaxValue)));
        Column("rates", () => List(random, () => decimal.Round(random.Next(-99_999_999, 99_999_999) / 100m, 2)));
        Column("items", () => List(random, () => Struct(random, ("sku", () => Text(random)), ("qty", () => random.Next()), ("opts", () => List(random, () => Text(random))))));
        Column("s", () => Struct(random, ("lines", () => List(random, () => Text(random))), ("x", () => random.Next())));
        Column("grid", () => List(random, () => List(random, () => random.Next(-1000, 1000))));
        Column("ts", () => List(random, () => random.NextInt64(0, 4_102_444_800_000) * 1000));
        foreach (var derived in new[] { "_op", "_event_time", "_event_id", "_ttl_delete" })
        {
            expected[derived] = null;
        }

        // Timestamps are written in µs and read back (epoch_ms) in ms; decimals read back as their text.
        if (expected["ts"] is JsonArray times)
        {
            expected["ts"] = new JsonArray([.. times.Select(t => t is null ? null : JsonValue.Create(t.GetValue<long>() / 1000))]);
        }

        if (expected["rates"] is JsonArray rates)
        {
            expected["rates"] = new JsonArray([.. rates.Select(r => r is null ? null : JsonValue.Create(r.GetValue<decimal>().ToString("0.00", CultureInfo.InvariantCulture)))]);
        }

        return new GeneratedRow(id, written, expected);

        void Column(string name, Func<JsonNode?> value)
        {
            var roll = random.Next(5);
            if (roll == 0)
            {
                expected[name] = null; // absent
                return;
            }

            var node = roll == 1 ? null : value();
            written[name] = Written(node);
            expected[name] = node;
        }

        // What the Transform writes: a struct's null fields sometimes left out.
        JsonNode? Written(JsonNode? node) => node switch
        {
            JsonObject fields => new JsonObject(fields.Where(f => f.Value is not null || random.Next(2) == 0).Select(f => KeyValuePair.Create(f.Key, Written(f.Value)))),
            JsonArray elements => new JsonArray([.. elements.Select(Written)]),
            _ => node?.DeepClone(),
        };
    }

    private static JsonArray List(Random random, Func<JsonNode?> element)
    {
        var count = random.Next(4);
        return new JsonArray([.. Enumerable.Range(0, count).Select(_ => random.Next(6) == 0 ? null : element())]);
    }

    // A struct with every field present in what DuckDB reads (absent fields null); some left out of what is written.
    private static JsonObject Struct(Random random, params (string Name, Func<JsonNode?> Value)[] fields)
    {
        var node = new JsonObject();
        foreach (var (name, value) in fields)
        {
            node[name] = random.Next(4) == 0 ? null : value();
        }

        return node;
    }

    private static readonly string[] s_pieces = ["a", "é", "中", "😀", "\"", "\\", " "];

    private static JsonNode Text(Random random) => string.Concat(Enumerable.Range(0, random.Next(6)).Select(_ => s_pieces[random.Next(s_pieces.Length)]));
}
