using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoLake.Core.Contract;

namespace DynamoLake.Core.Tests;

public sealed class IcebergSchemaTests
{
    private static readonly TableContract s_contract = TableContract.LoadEmbedded();

    private static JsonObject Request() => JsonNode.Parse(IcebergSchema.CreateTableRequest(s_contract, "transactions"))!.AsObject();

    private static JsonObject Schema() => Request()["metadata"]!["iceberg"]!["schemaV2"]!.AsObject();

    [Fact]
    public void CreateTableRequest_HasEveryContractColumnWithIdsTypesAndRequiredFlags()
    {
        var request = Request();
        var schema = Schema();
        var fields = schema["fields"]!.AsArray();

        Assert.Equal("transactions", request["name"]!.GetValue<string>());
        Assert.Equal("ICEBERG", request["format"]!.GetValue<string>());
        Assert.Equal("struct", schema["type"]!.GetValue<string>());
        Assert.Equal(s_contract.Columns.Count, fields.Count);
        foreach (var (column, field) in s_contract.Columns.Columns.Zip(fields))
        {
            Assert.Equal(column.Id, field!["id"]!.GetValue<int>());
            Assert.Equal(column.Name, field["name"]!.GetValue<string>());
            // Only the unique key and the derived change-data columns are required in the table: a delete
            // built from a change's Keys carries nothing else (ADR 0007).
            var expected = column.Required && (column.Derived != DerivedField.None || s_contract.UniqueKey.Contains(column));
            Assert.True(expected == field["required"]!.GetValue<bool>(), column.Name);
        }

        Assert.True(fields.Single(f => f!["name"]!.GetValue<string>() == "transaction_id")!["required"]!.GetValue<bool>());
        Assert.True(fields.Single(f => f!["name"]!.GetValue<string>() == "_op")!["required"]!.GetValue<bool>());
        Assert.False(fields.Single(f => f!["name"]!.GetValue<string>() == "amount")!["required"]!.GetValue<bool>());

        var amount = fields.Single(f => f!["name"]!.GetValue<string>() == "amount")!;
        Assert.Equal("decimal(12,2)", amount["type"]!.GetValue<string>());
        Assert.Equal("timestamptz", fields.Single(f => f!["name"]!.GetValue<string>() == "_event_time")!["type"]!.GetValue<string>());
        var metadata = fields.Single(f => f!["name"]!.GetValue<string>() == "transaction_metadata")!["type"]!;
        Assert.Equal("struct", metadata["type"]!.GetValue<string>());
        Assert.Equal(["device_type", "authentication_method", "merchant_id"], metadata["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.All(metadata["fields"]!.AsArray(), f => Assert.True(f!["id"]!.GetValue<int>() > s_contract.Columns.Count));
    }

    [Fact]
    public void CreateTableRequest_IdentifierFieldsAreTheUniqueKeyAndPartitionSpecIsDayOfTimestamp()
    {
        var request = Request();

        Assert.Equal([s_contract.Columns.Find("transaction_id")!.Id], Schema()["identifier-field-ids"]!.AsArray().Select(n => n!.GetValue<int>()));
        var spec = request["metadata"]!["iceberg"]!["partitionSpec"]!;
        var field = Assert.Single(spec["fields"]!.AsArray())!;
        Assert.Equal(s_contract.Columns.Find("timestamp")!.Id, field["source-id"]!.GetValue<int>());
        Assert.Equal(1000, field["field-id"]!.GetValue<int>());
        Assert.Equal("day", field["transform"]!.GetValue<string>());
        Assert.Equal("timestamp_day", field["name"]!.GetValue<string>());
    }

    [Fact]
    public void Differences_OwnSchema_WithOtherIdsAndSpacedDecimal_None()
    {
        var schema = Schema();
        var offset = 500;
        foreach (var field in schema["fields"]!.AsArray())
        {
            field!["id"] = field["id"]!.GetValue<int>() + offset;
        }

        schema["identifier-field-ids"] = new JsonArray(s_contract.UniqueKey[0].Id + offset);
        schema["fields"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "amount")!["type"] = "decimal(12, 2)";

        Assert.Empty(IcebergSchema.Differences(s_contract, Parse(schema)));
    }

    [Fact]
    public void Differences_DriftedSchema_ListsEveryDifferingColumn()
    {
        var schema = Schema();
        var fields = schema["fields"]!.AsArray();
        fields.Single(f => f!["name"]!.GetValue<string>() == "amount")!["type"] = "decimal(10,2)";
        fields.Single(f => f!["name"]!.GetValue<string>() == "region")!["required"] = true;
        fields.Remove(fields.Single(f => f!["name"]!.GetValue<string>() == "currency"));
        fields.Add(new JsonObject { ["id"] = 999, ["name"] = "legacy_flag", ["type"] = "boolean", ["required"] = false });
        var nested = fields.Single(f => f!["name"]!.GetValue<string>() == "fraud_indicators")!["type"]!["fields"]!.AsArray();
        nested.Single(f => f!["name"]!.GetValue<string>() == "velocity_check")!["type"] = "int";

        var differences = IcebergSchema.Differences(s_contract, Parse(schema));

        Assert.Equal(
            [
                "column 'amount': table has decimal(10,2), contract has decimal(12,2)",
                "column 'region': required in the table, the contract makes it optional",
                "column 'fraud_indicators.velocity_check': table has int, contract has string",
                "column 'legacy_flag' is in the table but not in the contract",
                "column 'currency' is in the contract but not in the table",
            ],
            differences);
    }

    [Fact]
    public void Differences_OtherIdentifierFields_Listed()
    {
        var schema = Schema();
        schema["identifier-field-ids"] = new JsonArray(s_contract.Columns.Find("customer_id")!.Id);

        Assert.Equal(["identifier fields: table has [customer_id], contract has [transaction_id]"], IcebergSchema.Differences(s_contract, Parse(schema)));
    }

    private static JsonElement Parse(JsonObject schema) => JsonDocument.Parse(schema.ToJsonString()).RootElement;
}
