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
    private static readonly string[] s_functions = ["TransformFunction", "PartitionKeysFunction", "SeederFunction", "TableProvisionerFunction", "ExportConverterFunction"];
    private static readonly string[] s_timeParts = ["year", "month", "day", "hour"];
    private static readonly (string Managed, string NativeAot)[] s_nativeAotTwins = [("TransformFunction", "TransformAotFunction"), ("PartitionKeysFunction", "PartitionKeysAotFunction")];
    private static readonly string[] s_managedRuntimeOnly = ["DOTNET_TC_CallCountingDelayMs", DynamoLake.Core.Observability.LambdaEnvironment.HandlerLogFormatVariable];
    private static readonly string[] s_s3PathConditions = ["S3PathEnabled", "PartitionKeysManaged", "PartitionKeysNativeAot"];

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
        KeyAndTtl(resources["SourceTable"]!["Properties"]!, [contract]);

        // A contract that names its DynamoDB table (source.table) reads only that table's changes: the stack's
        // table has that name, and no parameter renames it.
        if (contract.SourceTable is { } named)
        {
            NameTheStacksTable(result, named);
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

        var snapshot = resources["ChangeLogSnapshotTable"]!["Properties"]!["TableInput"]!;
        snapshot["Name"] = LakeSchema.SnapshotTable(contract);
        snapshot["StorageDescriptor"]!["Columns"] = JsonNode.Parse(LakeSchema.GlueColumnsJson(contract));

        var view = resources["CurrentStateViewQuery"]!["Properties"]!;
        view["Name"] = LakeSchema.CurrentView(contract) + " view";
        view["QueryString"] = LakeSchema.CurrentStateViewSql(contract);
        var outputs = result["Outputs"]!;
        outputs["ChangeLogDatabase"]!["Description"] = $"Glue database of the S3 path's change log ({LakeSchema.ChangeLogTable(contract)}) and the current-state view.";
        outputs["CurrentStateViewQueryId"]!["Description"] = $"Athena saved query that creates the {LakeSchema.CurrentView(contract)} view.";
        outputs["SnapshotLocation"]!["Description"] = $"Where backfill --stack keeps the snapshot rows the current-state view reads (the {LakeSchema.SnapshotTable(contract)} table).";
        MirrorNativeAot(resources);
        return result;
    }

    /// <summary>
    /// The template for a set of contracts on one stream (several tables, or several entities of one table):
    /// a DynamoDB table per source table (each contract's <c>source.table</c>, else the stack's own), all
    /// writing the one Kinesis stream; an Iceberg table per contract, each a custom resource the provisioner
    /// makes from its contract, each a destination of the Iceberg delivery stream with its UniqueKeys, each
    /// in the Firehose role's grants; the Transform reading every contract. The S3 path carries one table
    /// (one prefix and one Glue table per delivery stream), so a set's template has none.
    /// </summary>
    /// <param name="template">The template to start from (the embedded serverless.template).</param>
    /// <param name="contracts">The contracts and their file names in the packages' contracts/ folder, the first the stack's main table.</param>
    /// <exception cref="TableContractException">Two contracts could take one change, or contracts of one table disagree on its key or TTL.</exception>
    public static JsonNode ForSet(JsonNode template, IReadOnlyList<(TableContract Contract, string File)> contracts)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(contracts);
        var first = contracts[0].Contract;
        if (contracts.Count == 1)
        {
            return For(template, first, contracts[0].File, PartitionsFor(template, first));
        }

        _ = ContractSet.Of([.. contracts.Select(c => c.Contract)], streamTable: "the stack's table");

        // A DynamoDB table per source table, each keyed as its contracts say, all on the one stream. The stack's
        // own table (SourceTable, which SOURCE_TABLE_NAME names and the Seeder writes) is the one of the
        // contracts that name none, else the first named.
        var sources = contracts.GroupBy(c => c.Contract.SourceTable).OrderBy(g => g.Key is null ? 0 : 1).ToList();
        var main = sources[0].First();
        var result = For(template, main.Contract, main.File, DefaultS3Partitions);
        WithoutTheS3Path(result);
        var resources = result["Resources"]!.AsObject();
        var parameters = result["Parameters"]!.AsObject();
        var sourceTemplate = resources["SourceTable"]!.DeepClone();
        for (var i = 0; i < sources.Count; i++)
        {
            var id = i == 0 ? "SourceTable" : $"SourceTable{i + 1}";
            var table = i == 0 ? resources["SourceTable"]! : resources[id] = sourceTemplate.DeepClone();
            var group = sources[i].Select(c => c.Contract).ToList();
            KeyAndTtl(table["Properties"]!, group);
            if (sources[i].Key is { } name)
            {
                if (i == 0)
                {
                    NameTheStacksTable(result, name);
                }
                else
                {
                    table["Properties"]!["TableName"] = name;
                }
            }

            result["Outputs"]![i == 0 ? "SourceTableName" : $"{id}Name"] = new JsonObject { ["Description"] = $"DynamoDB table of {string.Join(", ", group.Select(c => c.Table))}.", ["Value"] = new JsonObject { ["Ref"] = id } };
        }


        // An Iceberg table per contract, named by it (no parameter: the Transform names each contract's table).
        var names = contracts.Select(c => c.Contract.Table).ToList();
        parameters.Remove("IcebergTableName");
        ReplaceTableName(result, names);
        var icebergTemplate = resources["IcebergTable"]!.DeepClone();
        var ids = names.Select((_, i) => i == 0 ? "IcebergTable" : $"IcebergTable{i + 1}").ToList();
        for (var i = 1; i < names.Count; i++)
        {
            var table = resources[ids[i]] = icebergTemplate.DeepClone();
            table["Properties"]!["TableName"] = names[i];
            result["Outputs"]![$"{ids[i]}Arn"] = new JsonObject { ["Value"] = new JsonObject { ["Fn::GetAtt"] = new JsonArray(ids[i], "TableARN") } };
        }

        var files = string.Join(',', contracts.Select(c => "contracts/" + c.File));
        foreach (var function in new[] { "TransformFunction", "TableProvisionerFunction" })
        {
            resources[function]!["Properties"]!["Environment"]!["Variables"]![TableContract.FileVariable] = files;
        }

        // The Transform names each row's table; DESTINATION_TABLE would name one for all.
        resources["TransformFunction"]!["Properties"]!["Environment"]!["Variables"]!.AsObject().Remove("DESTINATION_TABLE");
        resources["TransformFunction"]!["Properties"]!["Description"] = $"Firehose transform: DynamoDB change records to rows of {string.Join(", ", names)}, each in its Iceberg table, with the operation per record.";

        var delivery = resources["IcebergDeliveryStream"]!;
        delivery["DependsOn"] = new JsonArray([.. ids.Select(id => (JsonNode)id)]);
        var destinations = delivery["Properties"]!["IcebergDestinationConfiguration"]!["DestinationTableConfigurationList"]!.AsArray();
        var destinationTemplate = destinations[0]!.DeepClone();
        destinations.Clear();
        foreach (var (contract, _) in contracts)
        {
            var destination = destinationTemplate.DeepClone();
            destination["DestinationTableName"] = contract.Table;
            destination["UniqueKeys"] = new JsonArray([.. contract.UniqueKey.Select(c => (JsonNode)c.Name)]);
            destinations.Add(destination);
        }

        var access = resources["FirehoseIcebergTableAccess"]!["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().First(s => s!["Sid"]!.GetValue<string>() == "ReadAndCommitTheIcebergTable")!;
        access["Resource"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject { ["Fn::GetAtt"] = new JsonArray(id, "TableARN") })]);
        MirrorNativeAot(resources);
        return result;
    }

    // The stack's table gets the name the contracts give it: the parameter that would name it goes (idempotent).
    private static void NameTheStacksTable(JsonNode template, string name)
    {
        template["Resources"]!["SourceTable"]!["Properties"]!["TableName"] = name;
        template["Parameters"]!.AsObject().Remove("SourceTableName");
        template["Conditions"]!.AsObject().Remove("HasSourceTableName");
    }

    // The key schema and TTL of a DynamoDB table its contracts read (one, or a set's several: they must agree).
    private static void KeyAndTtl(JsonNode properties, List<TableContract> contracts)
    {
        var keys = contracts.Select(c => string.Join(",", c.UniqueKey.Select(k => $"{k.Source}:{KeyType(c, k)}"))).Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count > 1)
        {
            throw new TableContractException($"{string.Join(" and ", contracts.Select(c => c.SourceName))} read one DynamoDB table but declare different keys ({string.Join(" against ", keys)}): its items have one key.");
        }

        var ttls = contracts.Select(c => c.TimeToLive?.Source).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (ttls.Count > 1)
        {
            throw new TableContractException($"{string.Join(" and ", contracts.Select(c => c.SourceName))} read one DynamoDB table but declare different TTL attributes ({string.Join(", ", ttls)}): a table has one.");
        }

        var contract = contracts[0];
        properties["AttributeDefinitions"] = new JsonArray([.. contract.UniqueKey.Select(c => (JsonNode)new JsonObject { ["AttributeName"] = c.Source, ["AttributeType"] = KeyType(contract, c) })]);
        properties["KeySchema"] = new JsonArray([.. contract.UniqueKey.Select((c, i) => (JsonNode)new JsonObject { ["AttributeName"] = c.Source, ["KeyType"] = i == 0 ? "HASH" : "RANGE" })]);
        if (ttls.Count == 1)
        {
            properties["TimeToLiveSpecification"] = new JsonObject { ["AttributeName"] = ttls[0], ["Enabled"] = true };
        }
        else
        {
            properties.AsObject().Remove("TimeToLiveSpecification");
        }
    }

    // The first table where the template refers to the IcebergTableName parameter; every table where a policy's resources name it.
    private static void ReplaceTableName(JsonNode node, IReadOnlyList<string> names)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (value is JsonObject { Count: 1 } reference && reference["Ref"]?.GetValue<string>() == "IcebergTableName")
                    {
                        obj[key] = names[0];
                    }
                    else if (value is JsonArray resources && key == "Resource" && resources.Any(Names))
                    {
                        obj[key] = new JsonArray([.. resources.SelectMany(r => Names(r) ? names.Select(n => Sub(r!, n)) : [r!.DeepClone()])]);
                    }
                    else if (value is JsonObject sub && Names(sub))
                    {
                        obj[key] = new JsonObject { ["Fn::Sub"] = string.Join(", ", names.Select(n => Sub(sub, n)["Fn::Sub"]!.GetValue<string>())) };
                    }
                    else if (value is not null)
                    {
                        ReplaceTableName(value, names);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array.ToList())
                {
                    if (item is not null)
                    {
                        ReplaceTableName(item, names);
                    }
                }

                break;
        }

        static bool Names(JsonNode? n) => n is JsonObject { Count: 1 } o && o["Fn::Sub"] is JsonValue v && v.GetValue<string>().Contains("${IcebergTableName}", StringComparison.Ordinal);

        static JsonNode Sub(JsonNode n, string name) => new JsonObject { ["Fn::Sub"] = n["Fn::Sub"]!.GetValue<string>().Replace("${IcebergTableName}", name, StringComparison.Ordinal) };
    }

    /// <summary>
    /// Each processor's Native AOT twin (the resource ProcessorBuild=native-aot deploys instead) gets the managed
    /// one's variables, less the managed runtime's own knobs, and its description: one place says what a
    /// processor reads, whichever build runs it.
    /// </summary>
    private static void MirrorNativeAot(JsonNode resources)
    {
        foreach (var (managed, aot) in s_nativeAotTwins)
        {
            if (resources[managed] is not { } function || resources[aot] is not { } twin)
            {
                continue;
            }

            var variables = function["Properties"]!["Environment"]!["Variables"]!.DeepClone().AsObject();
            foreach (var knob in s_managedRuntimeOnly)
            {
                variables.Remove(knob);
            }

            twin["Properties"]!["Environment"]!["Variables"] = variables;
            twin["Properties"]!["Description"] = function["Properties"]!["Description"]!.GetValue<string>().TrimEnd('.') + " Native AOT build (ProcessorBuild=native-aot).";
        }
    }

    // Takes out the S3 path: its resources and outputs, the parameters only it reads, and its conditions.
    private static void WithoutTheS3Path(JsonNode template)
    {
        foreach (var section in new[] { "Resources", "Outputs" })
        {
            var entries = template[section]!.AsObject();
            foreach (var (name, _) in entries.Where(e => e.Value?["Condition"]?.GetValue<string>() is { } condition && s_s3PathConditions.Contains(condition)).ToList())
            {
                entries.Remove(name);
            }
        }

        foreach (var parameter in new[] { "EnableS3Path", "ChangeLogFirstYear", "ChangeLogLastYear" })
        {
            template["Parameters"]!.AsObject().Remove(parameter);
        }

        foreach (var condition in s_s3PathConditions)
        {
            template["Conditions"]!.AsObject().Remove(condition);
        }
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

    private static string KeyType(TableContract contract, Column column) =>
        column.DynamoDbKeyType ?? throw new TableContractException($"{contract.SourceName}: the key column '{column.Name}' is {column.Type}; a DynamoDB key is a string, a number or binary.");

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
