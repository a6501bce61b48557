using System.Text;
using DynamoLake.Core.Contract;

namespace Transform.Tests;

/// <summary>
/// One stream, several destination tables: changes routed by the table they name (several DynamoDB tables
/// on one Kinesis stream, or DynamoDB Streams records by their eventSourceARN) and by the entity their item
/// is (single-table design), each to its contract's row and its own Iceberg table.
/// </summary>
public sealed class ManyTablesTests
{
    private static TableContract Contract(string table, string source, string extraColumns = "", string? key = null) => TableContract.Parse(
        Encoding.UTF8.GetBytes($$"""
        {
          "table": "{{table}}",
          {{source}}
          "uniqueKey": [{{key ?? "\"pk\", \"sk\""}}],
          "columns": [
            { "name": "pk", "type": "string", "required": true },
            { "name": "sk", "type": "string", "required": true },
            {{extraColumns}}
            { "name": "_op", "type": "string", "required": true, "derived": "operation" },
            { "name": "_event_time", "type": "timestamptz", "required": true, "derived": "event_time" },
            { "name": "_event_id", "type": "string", "required": true, "derived": "event_id" },
            { "name": "_ttl_delete", "type": "boolean", "required": true, "derived": "ttl_delete" }
          ]
        }
        """),
        table + ".json");

    // Two tables on one stream, each with its own columns.
    private static readonly ContractSet s_twoTables = ContractSet.Of(
        [
            Contract("orders", "\"source\": {\"table\": \"Orders\"},", "{ \"name\": \"total\", \"type\": \"decimal(10,2)\", \"required\": true },"),
            Contract("customers", "\"source\": {\"table\": \"Customers\"},", "{ \"name\": \"email\", \"type\": \"string\" },"),
        ],
        streamTable: null);

    // One table, three entities, each by a prefix of its partition key.
    private static readonly ContractSet s_singleTable = ContractSet.Of(
        [
            Contract("orders", "\"source\": {\"entity\": {\"attribute\": \"pk\", \"prefix\": \"ORDER#\"}},", "{ \"name\": \"total\", \"type\": \"decimal(10,2)\" },"),
            Contract("customers", "\"source\": {\"entity\": {\"attribute\": \"pk\", \"prefix\": \"CUSTOMER#\"}},", "{ \"name\": \"email\", \"type\": \"string\" },"),
            Contract("invoices", "\"source\": {\"entity\": {\"attribute\": \"pk\", \"prefix\": \"INVOICE#\"}},", "{ \"name\": \"kind\", \"type\": \"string\" },"),
        ],
        streamTable: "AppData");

    // One table, two entities by a type attribute's value.
    private static readonly ContractSet s_byKind = ContractSet.Of(
        [
            Contract("invoices", "\"source\": {\"entity\": {\"attribute\": \"kind\", \"equals\": \"invoice\"}},", "{ \"name\": \"kind\", \"type\": \"string\" },"),
            Contract("receipts", "\"source\": {\"entity\": {\"attribute\": \"kind\", \"equals\": \"receipt\"}},", "{ \"name\": \"kind\", \"type\": \"string\" },"),
        ],
        streamTable: null);

    private static string Kinesis(string table, string eventName, long micros, string pk, string sk, string? image) =>
        $$$"""{"eventID":"e{{{micros}}}","eventName":"{{{eventName}}}","tableName":"{{{table}}}","dynamodb":{"ApproximateCreationDateTime":{{{micros}}},"Keys":{"pk":{"S":"{{{pk}}}"},"sk":{"S":"{{{sk}}}"}}{{{(image is null ? "" : $",\"{(eventName == "REMOVE" ? "OldImage" : "NewImage")}\":{image}")}}}}}""";

    private static string Streams(string table, string eventName, long micros, string pk, string sk, string? image) =>
        $$$"""{"eventID":"e{{{micros}}}","eventName":"{{{eventName}}}","eventSourceARN":"arn:aws:dynamodb:eu-west-1:123456789012:table/{{{table}}}/stream/2026-12-01T00:00:00.000","dynamodb":{"ApproximateCreationDateTime":{{{micros / 1_000_000}}},"SequenceNumber":"{{{micros}}}","Keys":{"pk":{"S":"{{{pk}}}"},"sk":{"S":"{{{sk}}}"}}{{{(image is null ? "" : $",\"{(eventName == "REMOVE" ? "OldImage" : "NewImage")}\":{image}")}}}}}""";

    [Fact]
    public async Task TwoTablesOnOneStream_EachChangeBecomesItsTablesRow_InItsTable_AndOtherTablesAreDropped()
    {
        var result = await Harness.Invoke(
            Harness.Request(
                Kinesis("Orders", "INSERT", 1795435200000001, "A", "1", """{"pk":{"S":"A"},"sk":{"S":"1"},"total":{"N":"12.50"}}"""),
                Kinesis("Customers", "INSERT", 1795435200000002, "A", "1", """{"pk":{"S":"A"},"sk":{"S":"1"},"email":{"S":"a@example.com"}}"""),
                Kinesis("Audit", "INSERT", 1795435200000003, "A", "1", """{"pk":{"S":"A"},"sk":{"S":"1"}}"""),
                Streams("Customers", "REMOVE", 1795435200000004, "B", "2", """{"pk":{"S":"B"},"sk":{"S":"2"},"email":{"S":"b@example.com"}}"""),
                Kinesis("Orders", "INSERT", 1795435200000005, "C", "3", """{"pk":{"S":"C"},"sk":{"S":"3"}}""")),
            s_twoTables);

        // The same key in two tables is two rows (newest-change-wins is per table); another table's change is Dropped;
        // an order without its required total fails as the orders contract says, not the customers one.
        Assert.Equal(["Ok", "Ok", "Dropped", "Ok", "ProcessingFailed"], result.Results);
        Assert.Equal(["orders", "customers", null, "customers", null], Enumerable.Range(0, 5).Select(result.Destination));
        Assert.Equal(12.50m, result.Row(0).GetProperty("total").GetDecimal());
        Assert.False(result.Row(0).TryGetProperty("email", out _));
        Assert.Equal("a@example.com", result.Row(1).GetProperty("email").GetString());
        Assert.False(result.Row(1).TryGetProperty("total", out _));
        Assert.Equal("delete", result.Operation(3));
        Assert.Contains("missing_required_column", result.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SingleTableDesign_RoutesByKeyPrefix_AndAnItemOfNoEntityFailsWithItsReason()
    {
        var result = await Harness.Invoke(
            Harness.Request(
                Kinesis("AppData", "INSERT", 1795435200000001, "ORDER#1", "META", """{"pk":{"S":"ORDER#1"},"sk":{"S":"META"},"total":{"N":"3"}}"""),
                Kinesis("AppData", "INSERT", 1795435200000002, "CUSTOMER#9", "META", """{"pk":{"S":"CUSTOMER#9"},"sk":{"S":"META"},"email":{"S":"c@example.com"}}"""),
                Kinesis("AppData", "INSERT", 1795435200000003, "INVOICE#1", "M", """{"pk":{"S":"INVOICE#1"},"sk":{"S":"M"},"kind":{"S":"invoice"}}"""),
                Kinesis("AppData", "INSERT", 1795435200000004, "PRODUCT#5", "META", """{"pk":{"S":"PRODUCT#5"},"sk":{"S":"META"}}"""),
                Kinesis("AppData", "REMOVE", 1795435200000005, "ORDER#2", "META", null),
                Kinesis("AppData", "REMOVE", 1795435200000006, "INVOICE#2", "M", """{"pk":{"S":"INVOICE#2"},"sk":{"S":"M"},"kind":{"S":"invoice"}}"""),
                Kinesis("AppData", "REMOVE", 1795435200000007, "X#3", "M", null),
                Kinesis("Other", "INSERT", 1795435200000008, "ORDER#1", "META", """{"pk":{"S":"ORDER#1"},"sk":{"S":"META"}}""")),
            s_singleTable);

        // A delete with only its key is routed by its key's prefix; a key of no entity's prefix fails.
        Assert.Equal(["Ok", "Ok", "Ok", "ProcessingFailed", "Ok", "Ok", "ProcessingFailed", "Dropped"], result.Results);
        Assert.Equal(["orders", "customers", "invoices", null, "orders", "invoices", null, null], Enumerable.Range(0, 8).Select(result.Destination));
        Assert.Equal("delete", result.Operation(4));
        Assert.Equal("ORDER#2", result.Row(4).GetProperty("pk").GetString());
        Assert.Equal(2, result.LogLine.GetProperty("failedByReason").GetProperty("unknown_entity").GetInt32());
        Assert.Equal(["r3", "r6"], result.LogLine.GetProperty("failures").EnumerateArray().Select(f => f.GetProperty("recordId").GetString()));
    }

    [Fact]
    public async Task ARecordThatIsNoChangeRecord_FailsForWhatItIs_NotForItsEntity()
    {
        var result = await Harness.Invoke(Harness.Request("""{"eventName":"INSERT","tableName":"AppData","dynamodb":{"NewImage":{"pk":{"S":"ORDER#1""", """{"tableName":"AppData","dynamodb":{"ApproximateCreationDateTime":1795435200000001,"NewImage":{"pk":{"S":"ORDER#1"},"sk":{"S":"M"}}}}"""), s_singleTable);

        Assert.Equal(["ProcessingFailed", "ProcessingFailed"], result.Results);
        Assert.Equal(["invalid_json", "unknown_event_name"], result.LogLine.GetProperty("failures").EnumerateArray().Select(f => f.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task ByAnAttributesValue_ItemsGoToTheirEntity_AndADeleteWithOnlyItsKeyFails()
    {
        var result = await Harness.Invoke(
            Harness.Request(
                Kinesis("AppData", "INSERT", 1795435200000001, "P1", "S", """{"pk":{"S":"P1"},"sk":{"S":"S"},"kind":{"S":"receipt"}}"""),
                Kinesis("AppData", "REMOVE", 1795435200000002, "P2", "S", """{"pk":{"S":"P2"},"sk":{"S":"S"},"kind":{"S":"invoice"}}"""),
                Kinesis("AppData", "REMOVE", 1795435200000003, "P3", "S", null)),
            s_byKind);

        Assert.Equal(["Ok", "Ok", "ProcessingFailed"], result.Results);
        Assert.Equal(["receipts", "invoices", null], Enumerable.Range(0, 3).Select(result.Destination));
        Assert.Equal("unknown_entity", result.LogLine.GetProperty("failures")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task AnItemWhoseUpdateMakesItAnotherEntity_Fails_RatherThanLeaveItsRowInTheOldTable()
    {
        var byKind = s_byKind;
        static string Modify(long micros, string before, string after) =>
            "{\"eventID\":\"e" + micros + "\",\"eventName\":\"MODIFY\",\"tableName\":\"AppData\",\"dynamodb\":{\"ApproximateCreationDateTime\":" + micros
            + ",\"Keys\":{\"pk\":{\"S\":\"P\"},\"sk\":{\"S\":\"S\"}},\"OldImage\":{\"pk\":{\"S\":\"P\"},\"sk\":{\"S\":\"S\"},\"kind\":{\"S\":\"" + before
            + "\"}},\"NewImage\":{\"pk\":{\"S\":\"P\"},\"sk\":{\"S\":\"S\"},\"kind\":{\"S\":\"" + after + "\"}}}}";

        var result = await Harness.Invoke(Harness.Request(Modify(1795435200000001, "invoice", "receipt"), Modify(1795435200000002, "receipt", "receipt")), byKind);

        Assert.Equal(["ProcessingFailed", "Ok"], result.Results);
        Assert.Equal("receipts", result.Destination(1));
        Assert.Equal(1, result.LogLine.GetProperty("failedByReason").GetProperty("entity_moved").GetInt32());
    }

    [Theory]
    [InlineData("\"source\": {\"table\": \"T\"},", "\"source\": {\"table\": \"T\"},", "both read the table \"T\"")]
    [InlineData("", "", "both read any table")]
    [InlineData("\"source\": {\"entity\": {\"attribute\": \"pk\", \"prefix\": \"A#\"}},", "\"source\": {\"entity\": {\"attribute\": \"pk\", \"prefix\": \"A#B\"}},", "could both take one item")]
    [InlineData("\"source\": {\"entity\": {\"attribute\": \"kind\", \"equals\": \"x\"}},", "\"source\": {\"entity\": {\"attribute\": \"kind\", \"equals\": \"x\"}},", "could both take one item")]
    [InlineData("\"source\": {\"entity\": {\"attribute\": \"pk\", \"prefix\": \"A#\"}},", "\"source\": {\"entity\": {\"attribute\": \"kind\", \"equals\": \"b\"}},", "by different attributes: one item could be both")]
    public void ASetWhereTwoContractsCouldTakeOneChange_IsRefused(string first, string second, string problem)
    {
        var error = Assert.Throws<TableContractException>(() => ContractSet.Of([Contract("a", first), Contract("b", second)], streamTable: null));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("a.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASetWithTwoContractsOfOneTable_OrDestinationTableSet_IsRefused()
    {
        Assert.Contains("both write the table \"a\"", Assert.Throws<TableContractException>(() => ContractSet.Of([Contract("a", "\"source\": {\"table\": \"T\"},"), Contract("a", "\"source\": {\"table\": \"U\"},")], null)).Message, StringComparison.Ordinal);
        Assert.Contains("leave DESTINATION_TABLE unset", Assert.Throws<InvalidOperationException>(() => TransformPolicy.Destinations(new TransformSettings { TableName = "orders" }, s_twoTables)).Message, StringComparison.Ordinal);
        Assert.Equal(["orders", "customers"], TransformPolicy.Destinations(new TransformSettings(), s_twoTables));
    }

    [Fact]
    public async Task Routing_OverManySeeds_SendsEveryChangeToTheContractThatBuiltIt()
    {
        var tables = new[] { "Orders", "Customers", "Audit" };
        for (var seed = 0; seed < 40; seed++)
        {
            var random = new Random(seed);
            var expected = new List<string?>();
            var records = new List<string>();
            for (var i = 0; i < 60; i++)
            {
                var table = tables[random.Next(tables.Length)];
                var micros = 1795435200000000 + (i * 1_000_000L); // whole seconds, as DynamoDB Streams records carry them
                var key = random.Next(5).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var image = table == "Orders" ? $$$"""{"pk":{"S":"{{{key}}}"},"sk":{"S":"s"},"total":{"N":"1.5"}}""" : $$$"""{"pk":{"S":"{{{key}}}"},"sk":{"S":"s"}}""";
                records.Add(random.Next(2) == 0 ? Kinesis(table, "INSERT", micros, key, "s", image) : Streams(table, "INSERT", micros, key, "s", image));
                expected.Add(table switch { "Orders" => "orders", "Customers" => "customers", _ => null });
            }

            var result = await Harness.Invoke(Harness.Request([.. records]), s_twoTables);

            // Each Ok row is in its table; a key's older changes are Dropped within its own table only.
            for (var i = 0; i < records.Count; i++)
            {
                Assert.True(result.Results[i] == "Ok" ? result.Destination(i) == expected[i] : result.Results[i] == "Dropped", $"seed {seed}, record {i}: {result.Results[i]} to {result.Destination(i)}, expected {expected[i]}");
            }

            var newest = expected.Select((table, i) => (table, i)).Where(x => x.table is not null).GroupBy(x => (x.table, Key(records[x.i]))).Select(g => g.Max(x => x.i)).Order();
            Assert.Equal(newest, Enumerable.Range(0, records.Count).Where(i => result.Results[i] == "Ok"));
        }

        static string Key(string record) => System.Text.Json.JsonDocument.Parse(record).RootElement.GetProperty("dynamodb").GetProperty("Keys").GetProperty("pk").GetProperty("S").GetString()!;
    }
}
