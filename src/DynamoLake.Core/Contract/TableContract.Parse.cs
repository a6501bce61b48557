using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DynamoLake.Core.Contract;

public sealed partial class TableContract
{
    private static readonly HashSet<string> s_partitionTransforms = ["identity", "year", "month", "day", "hour", "void"];

    /// <summary>Parses contract JSON. <paramref name="sourceName"/> names the file in error messages.</summary>
    public static TableContract Parse(ReadOnlySpan<byte> json, string sourceName)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new TableContractException($"{sourceName}: not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail(sourceName, null, "the contract must be a JSON object");
            }

            var table = RequiredString(root, "table", sourceName, null);
            CheckName(table, sourceName, null, "table");
            var doc = OptionalString(root, "doc", sourceName, null);

            if (!root.TryGetProperty("columns", out var columnsElement) || columnsElement.ValueKind != JsonValueKind.Array || columnsElement.GetArrayLength() == 0)
            {
                throw Fail(sourceName, null, "\"columns\" must be a non-empty array");
            }

            var columns = ParseColumns(columnsElement, sourceName, prefix: null, topLevel: true);
            var fieldSet = new FieldSet(columns);
            var lastId = AssignIds(fieldSet);

            var uniqueKey = ParseUniqueKey(root, fieldSet, sourceName);
            var partitionSpec = ParsePartitionSpec(root, fieldSet, uniqueKey, sourceName);
            var timeToLive = ParseTimeToLive(root, fieldSet, sourceName);
            var (sourceTable, entity) = ParseSource(root, sourceName);
            return new TableContract(sourceName, table, doc, fieldSet, uniqueKey, partitionSpec, lastId, timeToLive) { SourceTable = sourceTable, Entity = entity };
        }
    }

    private static List<Column> ParseColumns(JsonElement array, string file, string? prefix, bool topLevel)
    {
        var columns = new List<Column>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var sources = new HashSet<string>(StringComparer.Ordinal);
        var position = 0;
        foreach (var element in array.EnumerateArray())
        {
            position++;
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Fail(file, $"{prefix}#{position}", "a column must be a JSON object");
            }

            var rawName = element.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : null;
            var path = rawName is null ? $"{prefix}#{position}" : prefix is null ? rawName : $"{prefix}.{rawName}";
            if (rawName is null)
            {
                throw Fail(file, path, "\"name\" is missing or not a string");
            }

            CheckName(rawName, file, path, "column name");
            if (!names.Add(rawName))
            {
                throw Fail(file, path, "the name is declared twice");
            }

            foreach (var property in element.EnumerateObject())
            {
                if (property.Name is not ("name" or "type" or "required" or "source" or "sourceUnit" or "derived" or "doc" or "values" or "immutable"))
                {
                    throw Fail(file, path, $"unknown property \"{property.Name}\"");
                }
            }

            if (!element.TryGetProperty("type", out var typeElement))
            {
                throw Fail(file, path, "\"type\" is missing");
            }

            var type = ParseType(typeElement, file, path);
            var required = OptionalFlag(element, "required", file, path);
            var immutable = OptionalFlag(element, "immutable", file, path);
            if (immutable && !topLevel)
            {
                throw Fail(file, path, "only top-level columns can be declared immutable");
            }

            var derived = DerivedField.None;
            var derivedText = OptionalString(element, "derived", file, path);
            if (derivedText is not null)
            {
                if (!topLevel)
                {
                    throw Fail(file, path, "only top-level columns can be derived from the change record");
                }

                derived = derivedText switch
                {
                    "operation" => DerivedField.Operation,
                    "event_time" => DerivedField.EventTime,
                    "event_id" => DerivedField.EventId,
                    "ttl_delete" => DerivedField.TtlDelete,
                    _ => throw Fail(file, path, $"\"derived\" is \"{derivedText}\"; expected operation, event_time, event_id or ttl_delete"),
                };
                var expected = derived switch
                {
                    DerivedField.Operation or DerivedField.EventId => ColumnKind.String,
                    DerivedField.EventTime => type.Kind is ColumnKind.Timestamp ? ColumnKind.Timestamp : ColumnKind.TimestampTz,
                    _ => ColumnKind.Boolean,
                };
                if (type.Kind != expected)
                {
                    throw Fail(file, path, $"a column derived from {derivedText} must have type {ColumnType.Primitive(expected).IcebergPrimitiveName}, not {type}");
                }
            }

            var source = OptionalString(element, "source", file, path) ?? rawName;
            if (derived != DerivedField.None && immutable)
            {
                throw Fail(file, path, "a column derived from the change record changes with every change; it cannot be immutable");
            }

            if (derived != DerivedField.None && element.TryGetProperty("source", out _))
            {
                throw Fail(file, path, "a derived column has no \"source\" attribute");
            }

            if (source.Length == 0)
            {
                throw Fail(file, path, "\"source\" must not be empty");
            }

            if (derived == DerivedField.None && !sources.Add(source))
            {
                throw Fail(file, path, $"the source attribute \"{source}\" feeds two columns");
            }

            var unit = SourceTimeUnit.Microseconds;
            var unitText = OptionalString(element, "sourceUnit", file, path);
            if (type.Kind is ColumnKind.Timestamp or ColumnKind.TimestampTz)
            {
                if (derived == DerivedField.None)
                {
                    unit = ParseUnit(unitText, file, path) ?? throw Fail(file, path, "a timestamp column needs \"sourceUnit\": seconds, milliseconds, microseconds or iso8601");
                }
            }
            else if (type.Kind == ColumnKind.List && type.Element!.Kind is ColumnKind.Timestamp or ColumnKind.TimestampTz)
            {
                // A list of instants reads every element in one unit; microseconds when none is given.
                unit = ParseUnit(unitText, file, path) ?? SourceTimeUnit.Microseconds;
            }
            else if (unitText is not null)
            {
                throw Fail(file, path, $"\"sourceUnit\" applies to timestamp columns and lists of them only, not {type}");
            }

            columns.Add(new Column(rawName, type, required, source, unit, derived, OptionalString(element, "doc", file, path)) { Values = ParseValues(element, type, file, path), Immutable = immutable });
        }

        return columns;
    }

    [GeneratedRegex(@"^decimal\((\d+),\s*(\d+)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalPattern();

    private static ColumnType ParseType(JsonElement element, string file, string path)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            var text = element.GetString()!;
            switch (text)
            {
                case "string": return ColumnType.Primitive(ColumnKind.String);
                case "int": return ColumnType.Primitive(ColumnKind.Int);
                case "long": return ColumnType.Primitive(ColumnKind.Long);
                case "boolean": return ColumnType.Primitive(ColumnKind.Boolean);
                case "float": return ColumnType.Primitive(ColumnKind.Float);
                case "double": return ColumnType.Primitive(ColumnKind.Double);
                case "date": return ColumnType.Primitive(ColumnKind.Date);
                case "timestamp": return ColumnType.Primitive(ColumnKind.Timestamp);
                case "timestamptz": return ColumnType.Primitive(ColumnKind.TimestampTz);
                case "binary": return ColumnType.Primitive(ColumnKind.Binary);
            }

            var match = DecimalPattern().Match(text);
            if (match.Success)
            {
                var precision = int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
                var scale = int.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture);
                if (precision is < 1 or > 38 || scale > precision)
                {
                    throw Fail(file, path, $"{text}: precision must be 1–38 and scale at most the precision");
                }

                return ColumnType.Decimal(precision, scale);
            }

            throw Fail(file, path, $"unknown type \"{text}\"; expected string, int, long, boolean, float, double, decimal(p,s), date, timestamp, timestamptz, binary, or a struct/list object");
        }

        if (element.ValueKind == JsonValueKind.Object)
        {
            var kind = OptionalString(element, "type", file, path);
            switch (kind)
            {
                case "struct":
                    if (!element.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Array || fields.GetArrayLength() == 0)
                    {
                        throw Fail(file, path, "a struct needs a non-empty \"fields\" array");
                    }

                    return ColumnType.Struct(new FieldSet(ParseColumns(fields, file, path, topLevel: false)));
                case "list":
                    if (!element.TryGetProperty("element", out var elementType))
                    {
                        throw Fail(file, path, "a list needs an \"element\" type");
                    }

                    var elementRequired = element.TryGetProperty("elementRequired", out var er) && er.ValueKind == JsonValueKind.True;
                    return ColumnType.List(ParseType(elementType, file, path + "[]"), elementRequired);
                default:
                    throw Fail(file, path, $"a complex type needs \"type\": \"struct\" or \"list\", not {(kind is null ? "nothing" : $"\"{kind}\"")}");
            }
        }

        throw Fail(file, path, "\"type\" must be a type name or a struct/list object");
    }

    private static int AssignIds(FieldSet top)
    {
        // Iceberg's convention: the fields of one struct get consecutive ids, then their nested types, breadth-first.
        var next = 1;
        var queue = new Queue<FieldSet>();
        queue.Enqueue(top);
        while (queue.Count > 0)
        {
            var set = queue.Dequeue();
            foreach (var column in set.Columns)
            {
                column.Id = next++;
            }

            foreach (var column in set.Columns)
            {
                EnqueueNested(column.Type, queue, ref next);
            }
        }

        return next - 1;
    }

    private static void EnqueueNested(ColumnType type, Queue<FieldSet> queue, ref int next)
    {
        if (type.Kind == ColumnKind.Struct)
        {
            queue.Enqueue(type.Fields!);
        }
        else if (type.Kind == ColumnKind.List)
        {
            type.ElementId = next++;
            EnqueueNested(type.Element!, queue, ref next);
        }
    }

    // "source": {"table": "app-data", "entity": {"attribute": "pk", "prefix": "ORDER#"} or {"attribute": "type", "equals": "order"}}
    private static (string? Table, EntityRule? Entity) ParseSource(JsonElement root, string file)
    {
        if (!root.TryGetProperty("source", out var source))
        {
            return (null, null);
        }

        if (source.ValueKind != JsonValueKind.Object)
        {
            throw Fail(file, null, "\"source\" must be an object: {\"table\": the DynamoDB table, \"entity\": which of its items}");
        }

        foreach (var property in source.EnumerateObject())
        {
            if (property.Name is not ("table" or "entity"))
            {
                throw Fail(file, null, $"\"source\" has an unknown property \"{property.Name}\"; expected \"table\" and \"entity\"");
            }
        }

        var table = OptionalString(source, "table", file, null);
        if (table is { Length: 0 })
        {
            throw Fail(file, null, "\"source.table\" is empty");
        }

        if (!source.TryGetProperty("entity", out var entity))
        {
            return (table, null);
        }

        var attribute = entity.ValueKind == JsonValueKind.Object ? OptionalString(entity, "attribute", file, null) : null;
        var equals = OptionalString(entity, "equals", file, null);
        var prefix = OptionalString(entity, "prefix", file, null);
        if (attribute is not { Length: > 0 } || (equals is null) == (prefix is null) || prefix is { Length: 0 }
            || entity.EnumerateObject().Any(p => p.Name is not ("attribute" or "equals" or "prefix")))
        {
            throw Fail(file, null, "\"source.entity\" must be {\"attribute\": name, \"equals\": value} or {\"attribute\": name, \"prefix\": non-empty text}");
        }

        return (table, new EntityRule(attribute, equals, prefix));
    }

    private static SourceTimeUnit? ParseUnit(string? text, string file, string path) => text switch
    {
        null => null,
        "seconds" => SourceTimeUnit.Seconds,
        "milliseconds" => SourceTimeUnit.Milliseconds,
        "microseconds" => SourceTimeUnit.Microseconds,
        "iso8601" => SourceTimeUnit.Iso8601,
        _ => throw Fail(file, path, $"\"sourceUnit\" is \"{text}\"; expected seconds, milliseconds, microseconds or iso8601"),
    };

    private static List<Column> ParseUniqueKey(JsonElement root, FieldSet columns, string file)
    {
        if (!root.TryGetProperty("uniqueKey", out var keys) || keys.ValueKind != JsonValueKind.Array || keys.GetArrayLength() == 0)
        {
            throw Fail(file, null, "\"uniqueKey\" must be a non-empty array of column names");
        }

        var result = new List<Column>();
        foreach (var key in keys.EnumerateArray())
        {
            var name = key.ValueKind == JsonValueKind.String ? key.GetString()! : throw Fail(file, null, "\"uniqueKey\" entries must be column names");
            var column = columns.Find(name) ?? throw Fail(file, name, "the unique key names a column that is not declared");
            if (!column.Required || !column.Type.IsPrimitive || column.Derived != DerivedField.None || column.Type.Kind is ColumnKind.Float or ColumnKind.Double)
            {
                throw Fail(file, name, "a unique-key column must be a required, non-derived primitive (not float/double)");
            }

            if (result.Contains(column))
            {
                throw Fail(file, name, "the unique key names the column twice");
            }

            result.Add(column);
        }

        return result;
    }

    private static Column? ParseTimeToLive(JsonElement root, FieldSet columns, string file)
    {
        if (!root.TryGetProperty("timeToLive", out var ttl))
        {
            return null;
        }

        var name = ttl.ValueKind == JsonValueKind.String ? ttl.GetString()! : throw Fail(file, null, "\"timeToLive\" must be a column name");
        var column = columns.Find(name) ?? throw Fail(file, name, "\"timeToLive\" names a column that is not declared");
        if (column.Derived != DerivedField.None || column.Type.Kind is not (ColumnKind.Timestamp or ColumnKind.TimestampTz) || column.SourceUnit != SourceTimeUnit.Seconds)
        {
            throw Fail(file, name, "the TTL column must be a non-derived timestamp read from epoch seconds (sourceUnit \"seconds\"), as DynamoDB's TTL requires");
        }

        return column;
    }

    private static List<PartitionField> ParsePartitionSpec(JsonElement root, FieldSet columns, IReadOnlyList<Column> uniqueKey, string file)
    {
        var result = new List<PartitionField>();
        if (!root.TryGetProperty("partitionSpec", out var spec))
        {
            return result;
        }

        if (spec.ValueKind != JsonValueKind.Array)
        {
            throw Fail(file, null, "\"partitionSpec\" must be an array");
        }

        var fieldId = 1000; // Iceberg partition field ids start at 1000.
        foreach (var entry in spec.EnumerateArray())
        {
            var sourceName = RequiredString(entry, "source", file, "partitionSpec");
            var column = columns.Find(sourceName) ?? throw Fail(file, sourceName, "the partition spec names a column that is not declared");
            var transform = RequiredString(entry, "transform", file, sourceName);
            if (!s_partitionTransforms.Contains(transform) && !BucketOrTruncate().IsMatch(transform))
            {
                throw Fail(file, sourceName, $"unknown partition transform \"{transform}\"");
            }

            if (transform is "year" or "month" or "day" or "hour" && column.Type.Kind is not (ColumnKind.Timestamp or ColumnKind.TimestampTz or ColumnKind.Date))
            {
                throw Fail(file, sourceName, $"the {transform} transform needs a date or timestamp column, not {column.Type}");
            }

            if (!column.Required || !column.Type.IsPrimitive)
            {
                throw Fail(file, sourceName, "a partition source must be a required primitive column (an upsert must find the old row in the same partition)");
            }

            // Firehose computes every file it writes, delete files included, from the partition of the record
            // it carries: a row whose partition source changed would be deleted where it is not.
            if (!column.Immutable && !uniqueKey.Contains(column))
            {
                throw Fail(file, sourceName, "a partition source must never change for a key: declare it \"immutable\": true (the Transform then fails a change that would move a row to another partition) or partition by a unique-key column");
            }

            var name = OptionalString(entry, "name", file, sourceName) ?? $"{sourceName}_{transform}";
            CheckName(name, file, sourceName, "partition field name");
            result.Add(new PartitionField(column, transform, name, fieldId++));
        }

        return result;
    }

    [GeneratedRegex(@"^(bucket|truncate)\[[1-9]\d*\]$", RegexOptions.CultureInvariant)]
    private static partial Regex BucketOrTruncate();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,254}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    private static void CheckName(string name, string file, string? path, string what)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw Fail(file, path ?? name, $"{what} \"{name}\" must be lowercase letters, digits and '_', starting with a letter or '_', at most 255 characters");
        }
    }

    private static bool OptionalFlag(JsonElement element, string property, string file, string? path) =>
        !element.TryGetProperty(property, out var value) ? false : value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Fail(file, path, $"\"{property}\" must be true or false"),
        };

    private static string RequiredString(JsonElement element, string property, string file, string? path) =>
        OptionalString(element, property, file, path) ?? throw Fail(file, path, $"\"{property}\" is missing");

    /// <summary>The optional <c>values</c> of a categorical string column: every value it may hold, once each.</summary>
    private static List<string>? ParseValues(JsonElement element, ColumnType type, string file, string path)
    {
        if (!element.TryGetProperty("values", out var values))
        {
            return null;
        }

        if (type.Kind != ColumnKind.String)
        {
            throw Fail(file, path, $"\"values\" applies to string columns only, not {type}");
        }

        if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
        {
            throw Fail(file, path, "\"values\" must be a non-empty array of strings");
        }

        var list = new List<string>();
        foreach (var value in values.EnumerateArray())
        {
            if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } text)
            {
                throw Fail(file, path, "\"values\" must hold non-empty strings");
            }

            if (list.Contains(text))
            {
                throw Fail(file, path, $"\"values\" lists \"{text}\" twice");
            }

            list.Add(text);
        }

        return list;
    }

    private static string? OptionalString(JsonElement element, string property, string file, string? path)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(property, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Fail(file, path, $"\"{property}\" must be a string");
    }

    private static TableContractException Fail(string file, string? column, string problem) =>
        new(column is null ? $"{file}: {problem}." : $"{file}: column '{column}': {problem}.");
}
