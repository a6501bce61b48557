using System.Text;
using System.Text.Json;
using DynamoLake.Core.Contract;

namespace Transform.Tests;

/// <summary>
/// A table keyed by partition key and sort key (as `contract infer` writes it): the Transform reads both
/// from the change record and applies newest-change-wins per full key, never per partition key alone.
/// </summary>
public sealed class CompositeKeyTests
{
    private static readonly TableContract s_orders = TableContract.Parse(
        """
        {
          "table": "orders",
          "uniqueKey": ["pk", "sk"],
          "columns": [
            { "name": "pk", "type": "string", "required": true, "immutable": true },
            { "name": "sk", "type": "long", "required": true, "immutable": true },
            { "name": "total", "type": "decimal(10,2)", "required": true },
            { "name": "_op", "type": "string", "required": true, "derived": "operation" },
            { "name": "_event_time", "type": "timestamptz", "required": true, "derived": "event_time" },
            { "name": "_event_id", "type": "string", "required": true, "derived": "event_id" },
            { "name": "_ttl_delete", "type": "boolean", "required": true, "derived": "ttl_delete" }
          ]
        }
        """u8,
        "orders.json");

    private static string Keys(string pk, long sk) => $$$"""{"pk":{"S":"{{{pk}}}"},"sk":{"N":"{{{sk}}}"}}""";

    private static string Image(string pk, long sk, string total) => $$$"""{"pk":{"S":"{{{pk}}}"},"sk":{"N":"{{{sk}}}"},"total":{"N":"{{{total}}}"}}""";

    private static string Record(string eventName, long micros, string body) =>
        $$$"""{"eventID":"e{{{micros}}}","eventName":"{{{eventName}}}","tableName":"orders","dynamodb":{"ApproximateCreationDateTime":{{{micros}}},{{{body}}}}}""";

    [Fact]
    public async Task NewestChangeWins_PerFullKey_NotPerPartitionKey()
    {
        var result = await Harness.Invoke(Harness.Request(
            Record("INSERT", 1795435200000001, $"\"Keys\":{Keys("A", 1)},\"NewImage\":{Image("A", 1, "1.00")}"),
            Record("INSERT", 1795435200000002, $"\"Keys\":{Keys("A", 2)},\"NewImage\":{Image("A", 2, "2.00")}"),
            Record("MODIFY", 1795435200000003, $"\"Keys\":{Keys("A", 1)},\"OldImage\":{Image("A", 1, "1.00")},\"NewImage\":{Image("A", 1, "3.00")}"),
            Record("REMOVE", 1795435200000004, $"\"Keys\":{Keys("B", 1)},\"OldImage\":{Image("B", 1, "4.00")}")),
            contract: s_orders);

        // (A,1)'s insert is superseded by its update; (A,2), another key with the same partition key, is not.
        Assert.Equal(["Dropped", "Ok", "Ok", "Ok"], result.Results);
        Assert.Equal(("A", 2L, 2.00m), (result.Row(1).GetProperty("pk").GetString(), result.Row(1).GetProperty("sk").GetInt64(), result.Row(1).GetProperty("total").GetDecimal()));
        Assert.Equal(("A", 1L, 3.00m), (result.Row(2).GetProperty("pk").GetString(), result.Row(2).GetProperty("sk").GetInt64(), result.Row(2).GetProperty("total").GetDecimal()));
        Assert.Equal("delete", result.Operation(3));
        Assert.Equal(("B", 1L), (result.Row(3).GetProperty("pk").GetString(), result.Row(3).GetProperty("sk").GetInt64()));
    }

    [Fact]
    public async Task RemoveWithOnlyKeys_CarriesBothKeyColumns()
    {
        var result = await Harness.Invoke(Harness.Request(Record("REMOVE", 1795435200000001, $"\"Keys\":{Keys("C", 7)}")), contract: s_orders);

        Assert.Equal(["Ok"], result.Results);
        Assert.Equal("delete", result.Operation(0));
        Assert.Equal(("C", 7L), (result.Row(0).GetProperty("pk").GetString(), result.Row(0).GetProperty("sk").GetInt64()));
    }

    [Fact]
    public void TheIcebergTable_DeclaresBothKeyColumnsAsIdentifierFields()
    {
        using var request = JsonDocument.Parse(IcebergSchema.CreateTableRequest(s_orders, "orders", indented: false));

        var schema = request.RootElement.GetProperty("metadata").GetProperty("iceberg").GetProperty("schemaV2");
        var ids = schema.GetProperty("fields").EnumerateArray().Where(f => f.GetProperty("name").GetString() is "pk" or "sk").Select(f => f.GetProperty("id").GetInt32());
        Assert.Equal(ids.Order(), schema.GetProperty("identifier-field-ids").EnumerateArray().Select(i => i.GetInt32()).Order());
    }
}
