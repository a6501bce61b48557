using System.Text;
using System.Text.Json;

namespace DynamoLake.Core.Contract;

/// <summary>
/// The Iceberg side of the contract: the S3 Tables CreateTable body (<c>metadata.iceberg.schemaV2</c> with
/// nested types, required flags, docs and identifier-field-ids = the unique key, plus the partition spec),
/// and the comparison of an existing table's schema with the contract, by column path — the ids a catalog
/// assigns on create may differ from ours, so names, types and required flags are what must agree.
/// </summary>
public static class IcebergSchema
{
    /// <summary>The Iceberg table format version the table is created with: the only one Firehose writes.</summary>
    public const int FormatVersion = 2;

    /// <summary>The CreateTable request body for S3 Tables (<c>PUT /tables/{tableBucketARN}/{namespace}</c>).</summary>
    public static string CreateTableRequest(TableContract contract, string tableName, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(contract);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            writer.WriteString("name", tableName);
            writer.WriteString("format", "ICEBERG");
            writer.WriteStartObject("metadata");
            writer.WriteStartObject("iceberg");
            writer.WritePropertyName("schemaV2");
            WriteSchema(writer, contract);
            writer.WritePropertyName("partitionSpec");
            WritePartitionSpec(writer, contract);
            writer.WriteStartObject("properties");
            writer.WriteString("format-version", FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The Iceberg schema JSON (<c>{"type":"struct","schema-id":0,"identifier-field-ids":[…],"fields":[…]}</c>).</summary>
    public static void WriteSchema(Utf8JsonWriter writer, TableContract contract)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(contract);
        writer.WriteStartObject();
        writer.WriteString("type", "struct");
        writer.WriteNumber("schema-id", 0);
        writer.WriteStartArray("identifier-field-ids");
        foreach (var key in contract.UniqueKey)
        {
            writer.WriteNumberValue(key.Id);
        }

        writer.WriteEndArray();
        WriteFields(writer, contract.Columns, contract);
        writer.WriteEndObject();
    }

    public static void WritePartitionSpec(Utf8JsonWriter writer, TableContract contract)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(contract);
        writer.WriteStartObject();
        writer.WriteNumber("spec-id", 0);
        writer.WriteStartArray("fields");
        foreach (var field in contract.PartitionSpec)
        {
            writer.WriteStartObject();
            writer.WriteNumber("source-id", field.Source.Id);
            writer.WriteNumber("field-id", field.FieldId);
            writer.WriteString("name", field.Name);
            writer.WriteString("transform", field.Transform);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Every way the table's current schema (Iceberg JSON, a <c>struct</c> with <c>fields</c>) differs from
    /// the contract, one readable line each ("column 'amount': table has decimal(10,2), contract has
    /// decimal(12,2)"); empty when they agree.
    /// </summary>
    public static IReadOnlyList<string> Differences(TableContract contract, JsonElement tableSchema)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var differences = new List<string>();
        if (tableSchema.ValueKind != JsonValueKind.Object || !tableSchema.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Array)
        {
            differences.Add("the table's schema is not an Iceberg struct with fields");
            return differences;
        }

        CompareFields(contract.Columns, fields, prefix: null, differences, contract);

        var names = new Dictionary<int, string>();
        CollectIds(fields, prefix: null, names);
        var tableKey = tableSchema.TryGetProperty("identifier-field-ids", out var ids) && ids.ValueKind == JsonValueKind.Array
            ? ids.EnumerateArray().Select(id => id.TryGetInt32(out var n) && names.TryGetValue(n, out var name) ? name : $"#{id}").ToList()
            : [];
        var contractKey = contract.UniqueKey.Select(c => c.Name).ToList();
        if (!tableKey.SequenceEqual(contractKey, StringComparer.Ordinal))
        {
            differences.Add($"identifier fields: table has [{string.Join(", ", tableKey)}], contract has [{string.Join(", ", contractKey)}]");
        }

        return differences;
    }

    private static void CompareFields(FieldSet contractFields, JsonElement tableFields, string? prefix, List<string> differences, TableContract? topLevel = null)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in tableFields.EnumerateArray())
        {
            var name = field.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "?";
            var path = prefix is null ? name : $"{prefix}.{name}";
            seen.Add(name);
            var column = contractFields.Find(name);
            if (column is null)
            {
                differences.Add($"column '{path}' is in the table but not in the contract");
                continue;
            }

            var required = field.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.True;
            var expectedRequired = RequiredInTable(column, topLevel);
            if (required != expectedRequired)
            {
                differences.Add($"column '{path}': {(required ? "required" : "optional")} in the table, the contract makes it {(expectedRequired ? "required" : "optional")}");
            }

            if (field.TryGetProperty("type", out var type))
            {
                CompareType(column.Type, type, path, differences);
            }
        }

        foreach (var column in contractFields.Columns.Where(c => !seen.Contains(c.Name)))
        {
            differences.Add($"column '{(prefix is null ? column.Name : $"{prefix}.{column.Name}")}' is in the contract but not in the table");
        }
    }

    private static void CompareType(ColumnType expected, JsonElement actual, string path, List<string> differences)
    {
        var actualKind = actual.ValueKind == JsonValueKind.String ? actual.GetString()! : actual.TryGetProperty("type", out var t) ? t.GetString() ?? "?" : "?";
        switch (expected.Kind)
        {
            case ColumnKind.Struct when actualKind == "struct" && actual.TryGetProperty("fields", out var nested):
                CompareFields(expected.Fields!, nested, path, differences);
                return;
            case ColumnKind.List when actualKind == "list" && actual.TryGetProperty("element", out var element):
                CompareType(expected.Element!, element, path + "[]", differences);
                return;
            case ColumnKind.Struct or ColumnKind.List:
                differences.Add($"column '{path}': table has {Describe(actual)}, contract has {expected}");
                return;
            default:
                if (!string.Equals(Normalize(actualKind), expected.IcebergPrimitiveName, StringComparison.Ordinal))
                {
                    differences.Add($"column '{path}': table has {actualKind}, contract has {expected.IcebergPrimitiveName}");
                }

                return;
        }
    }

    private static string Describe(JsonElement type) =>
        type.ValueKind == JsonValueKind.String ? type.GetString()! : type.TryGetProperty("type", out var t) ? t.GetString() ?? "?" : "?";

    // Iceberg writes "decimal(12, 2)" with a space; the contract's name has none.
    private static string Normalize(string type) => type.Replace(" ", "", StringComparison.Ordinal);

    private static void CollectIds(JsonElement fields, string? prefix, Dictionary<int, string> names)
    {
        foreach (var field in fields.EnumerateArray())
        {
            if (field.TryGetProperty("id", out var id) && id.TryGetInt32(out var n) && field.TryGetProperty("name", out var name))
            {
                var path = prefix is null ? name.GetString()! : $"{prefix}.{name.GetString()}";
                names[n] = path;
                if (field.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Object && type.TryGetProperty("fields", out var nested))
                {
                    CollectIds(nested, path, names);
                }
            }
        }
    }

    /// <summary>
    /// Whether the Iceberg table declares a column required. At the top level only the unique key and the
    /// derived change-data columns are: a delete built from a change's Keys (a REMOVE without OldImage)
    /// carries nothing else, and Firehose must accept it. The contract's other required flags are enforced
    /// on every image by the Transform (missing_required_column). Inside structs the contract's flag holds.
    /// </summary>
    public static bool RequiredInTable(Column column, TableContract? topLevel)
    {
        ArgumentNullException.ThrowIfNull(column);
        return column.Required && (topLevel is null || column.Derived != DerivedField.None || topLevel.UniqueKey.Contains(column));
    }

    private static void WriteFields(Utf8JsonWriter writer, FieldSet fields, TableContract? topLevel = null)
    {
        writer.WriteStartArray("fields");
        foreach (var column in fields.Columns)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", column.Id);
            writer.WriteString("name", column.Name);
            writer.WritePropertyName("type");
            WriteType(writer, column.Type);
            writer.WriteBoolean("required", RequiredInTable(column, topLevel));
            if (column.Doc is { } doc)
            {
                writer.WriteString("doc", doc);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteType(Utf8JsonWriter writer, ColumnType type)
    {
        switch (type.Kind)
        {
            case ColumnKind.Struct:
                writer.WriteStartObject();
                writer.WriteString("type", "struct");
                WriteFields(writer, type.Fields!);
                writer.WriteEndObject();
                break;
            case ColumnKind.List:
                writer.WriteStartObject();
                writer.WriteString("type", "list");
                writer.WriteNumber("element-id", type.ElementId);
                writer.WritePropertyName("element");
                WriteType(writer, type.Element!);
                writer.WriteBoolean("element-required", type.ElementRequired);
                writer.WriteEndObject();
                break;
            default:
                writer.WriteStringValue(type.IcebergPrimitiveName);
                break;
        }
    }
}
