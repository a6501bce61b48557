using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoLake.Core.Contract;
using DynamoLake.Local.Pipeline;

namespace DynamoLake.Local.Deploy;

/// <summary>
/// serverless.template for a table contract: the parts that follow from the contract written from it, the
/// rest of the template as it is. Generated for the sample with the sample's S3 partitions, it is the
/// checked-in template byte for byte (a test holds them equal).
/// </summary>
/// <remarks>
/// What follows from the contract: the source table's key schema and TTL attribute; each function's
/// <c>CONTRACT</c>; the Iceberg table's name and the delivery stream's UniqueKeys; the S3 path's partition
/// keys (PartitionKeys' <c>PARTITION_KEYS</c> and <c>PARTITION_TIME_COLUMN</c>, the delivery stream's prefix,
/// the Glue table's partition keys and their projection); the Glue table's name and columns; the
/// current-state view's saved query; and the descriptions that name them. The grants follow from the
/// parameters and resources, which keep their names.
/// </remarks>
internal static class TemplateGenerator
{
    private static readonly string[] s_functions = ["TransformFunction", "PartitionKeysFunction", "SeederFunction", "TableProvisionerFunction"];
    private static readonly string[] s_timeParts = ["year", "month", "day", "hour"];

    private static readonly JsonSerializerOptions s_output = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The S3 partitions when none are asked for: the hours of the change's time column.</summary>
    public static IReadOnlyList<string> DefaultS3Partitions { get; } = s_timeParts;

    /// <summary>
    /// The S3 partitions when none are given: the template's own (PARTITION_KEYS) when the contract can give
    /// them all, else the hours of the change's time column.
    /// </summary>
    public static IReadOnlyList<string> PartitionsFor(JsonNode template, TableContract contract)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(contract);
        var own = template["Resources"]!["PartitionKeysFunction"]!["Properties"]!["Environment"]!["Variables"]!["PARTITION_KEYS"]!.GetValue<string>().Split(',');
        return own.All(k => CanPartitionBy(contract, k)) ? own : s_timeParts;
    }

    /// <summary>Whether the S3 path can be partitioned by <paramref name="key"/>: an hour part of the time column, or a column whose values Athena can project.</summary>
    private static bool CanPartitionBy(TableContract contract, string key) =>
        s_timeParts.Contains(key) || contract.Columns.Find(key)?.Values is { Count: > 0 };

    /// <summary>The template for <paramref name="contract"/>, from <paramref name="template"/> (not changed).</summary>
    /// <param name="template">The template to start from (the embedded serverless.template).</param>
    /// <param name="contract">The table's contract.</param>
    /// <param name="contractFile">The contract's file name in the packages' contracts/ folder (e.g. orders.json).</param>
    /// <param name="s3Partitions">The change log's partition keys: year, month, day, hour, or columns with <c>values</c>.</param>
    /// <exception cref="TableContractException">A partition key the contract cannot give.</exception>
    public static JsonNode For(JsonNode template, TableContract contract, string contractFile, IReadOnlyList<string> s3Partitions)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(s3Partitions);
        var result = template.DeepClone();
        var resources = result["Resources"]!;
        var table = contract.Table;

        result["Parameters"]!["IcebergTableName"]!["Default"] = table;

        // The source table: its key as the contract's unique key (partition key, then sort key), and its TTL.
        var source = resources["SourceTable"]!["Properties"]!;
        source["AttributeDefinitions"] = new JsonArray([.. contract.UniqueKey.Select(c => (JsonNode)new JsonObject { ["AttributeName"] = c.Source, ["AttributeType"] = KeyType(contract, c) })]);
        source["KeySchema"] = new JsonArray([.. contract.UniqueKey.Select((c, i) => (JsonNode)new JsonObject { ["AttributeName"] = c.Source, ["KeyType"] = i == 0 ? "HASH" : "RANGE" })]);
        if (contract.TimeToLive is { } ttl)
        {
            source["TimeToLiveSpecification"] = new JsonObject { ["AttributeName"] = ttl.Source, ["Enabled"] = true };
        }
        else
        {
            source.AsObject().Remove("TimeToLiveSpecification");
        }

        foreach (var function in s_functions)
        {
            resources[function]!["Properties"]!["Environment"]!["Variables"]![TableContract.FileVariable] = "contracts/" + contractFile;
        }

        // The Iceberg path: newest change per unique key.
        foreach (var destination in resources["IcebergDeliveryStream"]!["Properties"]!["IcebergDestinationConfiguration"]!["DestinationTableConfigurationList"]!.AsArray())
        {
            destination!["UniqueKeys"] = new JsonArray([.. contract.UniqueKey.Select(c => (JsonNode)c.Name)]);
        }

        // The S3 path: partitions from PartitionKeys, the Glue table that projects them, and the view.
        var time = TimeColumn(contract);
        var partitions = s3Partitions.Select(key => Partition(contract, key)).ToList();
        var keys = resources["PartitionKeysFunction"]!["Properties"]!["Environment"]!["Variables"]!;
        keys["PARTITION_KEYS"] = string.Join(',', s3Partitions);
        keys["PARTITION_TIME_COLUMN"] = time;
        resources["S3DeliveryStream"]!["Properties"]!["ExtendedS3DestinationConfiguration"]!["Prefix"] =
            "changes/" + string.Concat(partitions.Select(p => $"{p.GlueName}=!{{partitionKeyFromLambda:{p.Key}}}/"));

        var glue = resources["ChangeLogTable"]!["Properties"]!["TableInput"]!;
        glue["Name"] = LakeSchema.ChangeLogTable(contract);
        glue["StorageDescriptor"]!["Columns"] = JsonNode.Parse(LakeSchema.GlueColumnsJson(contract));
        glue["PartitionKeys"] = new JsonArray([.. partitions.Select(p => (JsonNode)new JsonObject { ["Name"] = p.GlueName, ["Type"] = "string" })]);
        var parameters = new JsonObject { ["classification"] = "parquet", ["projection.enabled"] = "true" };
        foreach (var partition in partitions)
        {
            foreach (var (name, value) in partition.Projection)
            {
                parameters[$"projection.{partition.GlueName}.{name}"] = value;
            }
        }

        parameters["storage.location.template"] = new JsonObject
        {
            ["Fn::Sub"] = "s3://${DataBucket}/changes/" + string.Concat(partitions.Select(p => $"{p.GlueName}=${{!{p.GlueName}}}/")),
        };
        glue["Parameters"] = parameters;

        var view = resources["CurrentStateViewQuery"]!["Properties"]!;
        view["Name"] = LakeSchema.CurrentView(contract) + " view";
        view["QueryString"] = LakeSchema.CurrentStateViewSql(contract);
        var outputs = result["Outputs"]!;
        outputs["ChangeLogDatabase"]!["Description"] = $"Glue database of the S3 path's change log ({LakeSchema.ChangeLogTable(contract)}) and the current-state view.";
        outputs["CurrentStateViewQueryId"]!["Description"] = $"Athena saved query that creates the {LakeSchema.CurrentView(contract)} view.";
        return result;
    }

    /// <summary>The template as the repository keeps it: two-space indent, UTF-8 as is, a newline at the end.</summary>
    public static string Write(JsonNode template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.ToJsonString(s_output).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    /// <summary>The change's time for the S3 path: the column the Iceberg table is partitioned by in time, else when the change was made.</summary>
    private static string TimeColumn(TableContract contract) =>
        contract.PartitionSpec.Select(p => p.Source).FirstOrDefault(c => c.Type.Kind is ColumnKind.Timestamp or ColumnKind.TimestampTz)?.Name
        ?? contract.Columns.Columns.First(c => c.Derived == DerivedField.EventTime).Name;

    private static string KeyType(TableContract contract, Column column) => column.Type.Kind switch
    {
        ColumnKind.String => "S",
        ColumnKind.Binary => "B",
        ColumnKind.Int or ColumnKind.Long or ColumnKind.Decimal => "N",
        _ => throw new TableContractException($"{contract.SourceName}: the key column '{column.Name}' is {column.Type}; a DynamoDB key is a string, a number or binary."),
    };

    private sealed record S3Partition(string Key, string GlueName, IReadOnlyList<(string Name, JsonNode Value)> Projection);

    private static S3Partition Partition(TableContract contract, string key)
    {
        if (!CanPartitionBy(contract, key))
        {
            throw new TableContractException($"{contract.SourceName}: the S3 partition '{key}' is neither year, month, day, hour nor a column with \"values\" (Athena projects a partition from its values).");
        }

        // The Glue name differs from a column of the same name (region, hour in the sample), which the Parquet files hold too.
        var glueName = contract.Columns.Find(key) is null ? key : key + "_partition";
        var projection = key switch
        {
            "year" => new List<(string, JsonNode)> { ("type", "integer"), ("range", new JsonObject { ["Fn::Sub"] = "${ChangeLogFirstYear},${ChangeLogLastYear}" }), ("digits", "4") },
            "month" => [("type", "integer"), ("range", "1,12"), ("digits", "2")],
            "day" => [("type", "integer"), ("range", "1,31"), ("digits", "2")],
            "hour" => [("type", "integer"), ("range", "0,23"), ("digits", "2")],
            _ => [("type", "enum"), ("values", string.Join(',', contract.Columns.Find(key)!.Values!))],
        };
        return new S3Partition(key, glueName, projection);
    }
}
