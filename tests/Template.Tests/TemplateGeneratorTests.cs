using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using DynamoLake.Core.Contract;
using DynamoLake.Local.Deploy;
using DynamoLake.Local.Pipeline;
using DynamoLake.Testing;

namespace Template.Tests;

/// <summary>serverless.template generated from a table contract: the sample's is the checked-in file; another table's lints clean and follows its contract.</summary>
public sealed class TemplateGeneratorTests
{
    private static readonly TableContract s_orders = TableContract.Parse(
        """
        {
          "table": "orders",
          "uniqueKey": ["pk", "sk"],
          "timeToLive": "expires",
          "partitionSpec": [{ "source": "placed_at", "transform": "day", "name": "placed_at_day" }],
          "columns": [
            { "name": "pk", "type": "string", "required": true, "immutable": true },
            { "name": "sk", "type": "long", "required": true, "immutable": true },
            { "name": "placed_at", "type": "timestamptz", "required": true, "immutable": true, "sourceUnit": "iso8601" },
            { "name": "total", "type": "decimal(38,10)", "required": true },
            { "name": "channel", "type": "string", "values": ["web", "store"] },
            { "name": "address", "type": { "type": "struct", "fields": [ { "name": "city", "type": "string" } ] } },
            { "name": "tags", "type": { "type": "list", "element": "string" } },
            { "name": "expires", "type": "timestamptz", "sourceUnit": "seconds" },
            { "name": "_op", "type": "string", "required": true, "derived": "operation" },
            { "name": "_event_time", "type": "timestamptz", "required": true, "derived": "event_time" },
            { "name": "_event_id", "type": "string", "required": true, "derived": "event_id" },
            { "name": "_ttl_delete", "type": "boolean", "required": true, "derived": "ttl_delete" }
          ]
        }
        """u8,
        "orders.json");

    [Fact]
    public void ForTheSample_IsTheCheckedInTemplate_ByteForByte()
    {
        var generated = TemplateGenerator.Write(TemplateGenerator.For(TemplateFacts.LoadEmbeddedTemplate(), TableContract.LoadEmbedded(), "transactions.json", ["region", "year", "month", "day", "hour"]));

        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "serverless.template")), generated);
    }

    [Fact]
    public void ForAnotherTable_EveryContractDerivedPartFollowsItsContract()
    {
        var template = TemplateGenerator.For(TemplateFacts.LoadEmbeddedTemplate(), s_orders, "orders.json", ["channel", "year", "month", "day", "hour"]);
        var resources = template["Resources"]!;
        string Text(JsonNode? node) => node!.ToJsonString();

        Assert.Equal("""[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]""", Text(resources["SourceTable"]!["Properties"]!["KeySchema"]));
        Assert.Equal("""[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}]""", Text(resources["SourceTable"]!["Properties"]!["AttributeDefinitions"]));
        Assert.Equal("expires", resources["SourceTable"]!["Properties"]!["TimeToLiveSpecification"]!["AttributeName"]!.GetValue<string>());
        Assert.Equal("""["pk","sk"]""", Text(resources["IcebergDeliveryStream"]!["Properties"]!["IcebergDestinationConfiguration"]!["DestinationTableConfigurationList"]![0]!["UniqueKeys"]));
        Assert.All(["TransformFunction", "PartitionKeysFunction", "SeederFunction", "TableProvisionerFunction"], f =>
            Assert.Equal("contracts/orders.json", resources[f]!["Properties"]!["Environment"]!["Variables"]!["CONTRACT"]!.GetValue<string>()));

        // The S3 path: PartitionKeys, the prefix and the Glue projection name the same partitions, from the time column the table is partitioned by.
        var variables = resources["PartitionKeysFunction"]!["Properties"]!["Environment"]!["Variables"]!;
        Assert.Equal(("channel,year,month,day,hour", "placed_at"), (variables["PARTITION_KEYS"]!.GetValue<string>(), variables["PARTITION_TIME_COLUMN"]!.GetValue<string>()));
        Assert.Equal("changes/channel_partition=!{partitionKeyFromLambda:channel}/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/", resources["S3DeliveryStream"]!["Properties"]!["ExtendedS3DestinationConfiguration"]!["Prefix"]!.GetValue<string>());
        var glue = resources["ChangeLogTable"]!["Properties"]!["TableInput"]!;
        Assert.Equal("orders_changes", glue["Name"]!.GetValue<string>());
        Assert.Equal(["channel_partition", "year", "month", "day", "hour"], glue["PartitionKeys"]!.AsArray().Select(k => k!["Name"]!.GetValue<string>()));
        Assert.Equal("web,store", glue["Parameters"]!["projection.channel_partition.values"]!.GetValue<string>());
        Assert.Equal(LakeSchema.GlueColumns(s_orders).Select(c => c.Name), glue["StorageDescriptor"]!["Columns"]!.AsArray().Select(c => c!["Name"]!.GetValue<string>()));
        Assert.Equal(LakeSchema.CurrentStateViewSql(s_orders), resources["CurrentStateViewQuery"]!["Properties"]!["QueryString"]!.GetValue<string>());

        // Nothing of the sample is left.
        var text = TemplateGenerator.Write(template);
        Assert.DoesNotContain("transaction", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("expires_at", text, StringComparison.Ordinal);
        Assert.DoesNotContain("region_partition", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AContractThatNamesItsTable_NamesTheStacksTable_ForTheTransformReadsOnlyThatTablesChanges()
    {
        var contract = TableContract.Load(Path.Combine(RepoPaths.Root, "examples", "shop-orders.json"));

        var template = TemplateGenerator.For(TemplateFacts.LoadEmbeddedTemplate(), contract, "shop-orders.json", TemplateGenerator.DefaultS3Partitions);

        Assert.Equal("ShopOrders", template["Resources"]!["SourceTable"]!["Properties"]!["TableName"]!.GetValue<string>());
        Assert.Null(template["Parameters"]!["SourceTableName"]);
        Assert.Null(template["Conditions"]!["HasSourceTableName"]);
    }

    [Fact]
    public void ASetWhoseContractsNameNoTableAndATable_ReadsTheStacksTableForTheFormer()
    {
        // B names its table; A and C read the stack's (SOURCE_TABLE_NAME = Ref SourceTable), whatever the order given.
        static (TableContract, string) Contract(string table, string source) => (TableContract.Parse(Encoding.UTF8.GetBytes($$"""
            {"table": "{{table}}", {{source}} "uniqueKey": ["pk"], "columns": [{"name": "pk", "type": "string", "required": true},
             {"name": "_op", "type": "string", "required": true, "derived": "operation"}, {"name": "_event_time", "type": "timestamptz", "required": true, "derived": "event_time"},
             {"name": "_event_id", "type": "string", "required": true, "derived": "event_id"}, {"name": "_ttl_delete", "type": "boolean", "required": true, "derived": "ttl_delete"}]}
            """), table + ".json"), table + ".json");

        var template = TemplateGenerator.ForSet(TemplateFacts.LoadEmbeddedTemplate(), [Contract("b", "\"source\": {\"table\": \"Other\"},"), Contract("a", "\"source\": {\"entity\": {\"attribute\": \"pk\", \"prefix\": \"A#\"}},"), Contract("c", "\"source\": {\"entity\": {\"attribute\": \"pk\", \"prefix\": \"C#\"}},")]);
        var resources = template["Resources"]!;

        Assert.Equal("HasSourceTableName", resources["SourceTable"]!["Properties"]!["TableName"]!["Fn::If"]![0]!.GetValue<string>());
        Assert.Equal("Other", resources["SourceTable2"]!["Properties"]!["TableName"]!.GetValue<string>());
        Assert.Equal("SourceTable", resources["TransformFunction"]!["Properties"]!["Environment"]!["Variables"]!["SOURCE_TABLE_NAME"]!["Ref"]!.GetValue<string>());
        Assert.Equal("contracts/a.json", resources["SeederFunction"]!["Properties"]!["Environment"]!["Variables"]!["CONTRACT"]!.GetValue<string>());
        Assert.Equal(["b", "a", "c"], resources["IcebergDeliveryStream"]!["Properties"]!["IcebergDestinationConfiguration"]!["DestinationTableConfigurationList"]!.AsArray().Select(d => d!["DestinationTableName"]!.GetValue<string>()));
    }

    [Fact]
    public void AnS3PartitionTheContractCannotProject_IsRefusedNamingIt()
    {
        var error = Assert.Throws<TableContractException>(() => TemplateGenerator.For(TemplateFacts.LoadEmbeddedTemplate(), s_orders, "orders.json", ["region", "year"]));

        Assert.Contains("the S3 partition 'region' is neither year, month, day, hour nor a column with \"values\"", error.Message, StringComparison.Ordinal);
    }

    [RequiresServerFact(LocalServers.CfnLint)]
    public async Task ForAnotherTable_LintsClean()
    {
        var file = Path.Combine(Path.GetTempPath(), $"dynamolake-orders-{Guid.NewGuid():N}.template");
        try
        {
            await File.WriteAllTextAsync(file, TemplateGenerator.Write(TemplateGenerator.For(TemplateFacts.LoadEmbeddedTemplate(), s_orders, "orders.json", TemplateGenerator.DefaultS3Partitions)), Encoding.UTF8);
            var info = new ProcessStartInfo("cfn-lint") { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(file);
            using var lint = Process.Start(info)!;
            var output = await lint.StandardOutput.ReadToEndAsync() + await lint.StandardError.ReadToEndAsync();
            await lint.WaitForExitAsync();

            Assert.True(lint.ExitCode == 0, $"cfn-lint exit {lint.ExitCode}:\n{output}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
