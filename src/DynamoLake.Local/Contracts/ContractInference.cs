using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoLake.Core.Contract;

namespace DynamoLake.Local.Contracts;

/// <summary>
/// A table contract inferred from a sample of a table's items: the key and TTL attribute as DynamoDB
/// declares them, each attribute's column type from the values seen, <c>required</c> only for attributes
/// present in every item, a note per column saying what was seen, and every choice the sample leaves open
/// listed — never decided silently.
/// </summary>
internal sealed class ContractInference
{
    /// <summary>Strings this often repeated (at most <see cref="AttributeShape.MaxDistinct"/> values in at least this many items) are offered as <c>values</c>.</summary>
    private const int ValuesMinimumItems = 50;

    /// <summary>The change-data columns (derived from the change record) as the sample declares them: every table has them alike.</summary>
    private static readonly JsonNode[] s_changeColumns = SampleChangeColumns();

    private readonly SortedDictionary<string, AttributeShape> _attributes = new(StringComparer.Ordinal);
    private readonly List<string> _ambiguous = [];

    /// <summary>Items read.</summary>
    public long Items { get; private set; }

    /// <summary>Every choice the sample left open, with what was chosen (after <see cref="Contract"/>).</summary>
    public IReadOnlyList<string> Ambiguous => _ambiguous;

    /// <summary>Adds one item in DynamoDB JSON (<c>{"attr": {"S": …}, …}</c>).</summary>
    public void Add(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        Items++;
        foreach (var attribute in item.EnumerateObject())
        {
            if (!_attributes.TryGetValue(attribute.Name, out var shape))
            {
                shape = new AttributeShape();
                _attributes[attribute.Name] = shape;
            }

            shape.Add(attribute.Value);
        }
    }

    /// <summary>The contract for the table.</summary>
    /// <param name="table">The Iceberg table's name (the DynamoDB table's, made a valid name).</param>
    /// <param name="key">The key attributes with their DynamoDB types (S, N or B): partition key, then sort key.</param>
    /// <param name="timeToLive">The TTL attribute, when TTL is enabled.</param>
    /// <param name="source">Where the items came from, for the contract's doc.</param>
    public JsonObject Contract(string table, IReadOnlyList<(string Attribute, string Type)> key, string? timeToLive, string source)
    {
        ArgumentNullException.ThrowIfNull(key);
        _ambiguous.Clear();
        var names = s_changeColumns.Select(c => c["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var columns = new JsonArray();
        var keyNames = new List<string>();
        var attributes = key.Select(k => k.Attribute).Concat(_attributes.Keys.Where(a => key.All(k => k.Attribute != a)).Order(StringComparer.Ordinal));
        if (timeToLive is not null && !_attributes.ContainsKey(timeToLive) && key.All(k => k.Attribute != timeToLive))
        {
            attributes = attributes.Append(timeToLive);
        }

        string? ttlColumn = null;
        foreach (var attribute in attributes)
        {
            var shape = _attributes.GetValueOrDefault(attribute) ?? new AttributeShape();
            var name = UniqueName(ColumnName(attribute), names, attribute);
            var column = new JsonObject { ["name"] = name };
            if (name != attribute)
            {
                column["source"] = attribute;
            }

            var keyType = key.FirstOrDefault(k => k.Attribute == attribute).Type;
            if (keyType is not null)
            {
                keyNames.Add(name);
                column["type"] = keyType switch
                {
                    "S" => "string",
                    "B" => "binary",
                    _ => NumberType(attribute, shape.Numbers),
                };
                column["required"] = true;
                column["immutable"] = true;
            }
            else if (attribute == timeToLive)
            {
                ttlColumn = name;
                column["type"] = "timestamptz";
                column["sourceUnit"] = "seconds";
                if (shape.Types.Keys.Any(t => t != "N"))
                {
                    _ambiguous.Add($"{attribute}: the TTL attribute also holds {Kinds(shape, except: "N")}; DynamoDB's TTL reads only numbers (epoch seconds), so those values will fail as invalid_attribute_value.");
                }
            }
            else
            {
                if (!Declare(column, attribute, shape))
                {
                    continue;
                }

                if (shape.Present == Items && Items > 0)
                {
                    column["required"] = true;
                }
            }

            column["doc"] = "Inferred: " + Note(shape);
            columns.Add((JsonNode)column);
        }

        foreach (var change in s_changeColumns)
        {
            columns.Add(change.DeepClone());
        }

        var contract = new JsonObject
        {
            ["table"] = ColumnName(table),
            ["doc"] = $"Inferred by dynamolake contract infer from {source}: {Items.ToString("N0", CultureInfo.InvariantCulture)} items. Read every note; {(_ambiguous.Count == 0 ? "no choice was ambiguous" : $"{_ambiguous.Count} choice(s) were ambiguous (listed when inferred)")}.",
            ["uniqueKey"] = new JsonArray([.. keyNames.Select(n => (JsonNode)n)]),
        };
        if (ttlColumn is not null)
        {
            contract["timeToLive"] = ttlColumn;
        }

        contract["columns"] = columns;
        return contract;
    }

    private static JsonNode[] SampleChangeColumns()
    {
        using var stream = typeof(TableContract).Assembly.GetManifestResourceStream(TableContract.EmbeddedResourceName)
            ?? throw new InvalidOperationException($"{TableContract.EmbeddedResourceName} is not embedded in the core library");
        return [.. JsonNode.Parse(stream)!["columns"]!.AsArray().Where(c => c!["derived"] is not null).Select(c => c!.DeepClone())];
    }

    /// <summary>The contract as the repository writes them: two-space indent, one line per scalar column.</summary>
    public static string Write(JsonObject contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var text = new StringBuilder("{\n");
        var first = true;
        foreach (var (name, value) in contract)
        {
            text.Append(first ? "" : ",\n");
            first = false;
            if (name == "columns" && value is JsonArray columns)
            {
                text.Append("  \"columns\": [\n");
                text.AppendJoin(",\n", columns.Select(c => "    " + c!.ToJsonString(s_compact)));
                text.Append("\n  ]");
            }
            else
            {
                text.Append("  ").Append(JsonValue.Create(name).ToJsonString(s_compact)).Append(": ").Append(value!.ToJsonString(s_compact));
            }
        }

        return text.Append("\n}\n").ToString();
    }

    private static readonly JsonSerializerOptions s_compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Sets the column's type (with its sourceUnit and values, when inferred); false when the attribute is left undeclared.</summary>
    private bool Declare(JsonObject column, string path, AttributeShape shape)
    {
        if (Type(path, shape, out var values, out var unit) is not { } type)
        {
            return false;
        }

        column["type"] = type;
        if (unit is not null)
        {
            column["sourceUnit"] = unit;
        }

        if (values is not null)
        {
            column["values"] = values;
        }

        return true;
    }

    /// <summary>The column type for what the attribute held; null for maps that were always empty (the attribute is left undeclared, and said so).</summary>
    private JsonNode? Type(string path, AttributeShape shape, out JsonArray? values, out string? sourceUnit, bool element = false)
    {
        values = null;
        sourceUnit = null;
        if (shape.Types.Count == 0)
        {
            _ambiguous.Add($"{path}: never held a value in the sample (absent or NULL); declared string.");
            return "string";
        }

        var kind = shape.Types.MaxBy(t => t.Value).Key;
        if (shape.Types.Count > 1)
        {
            _ambiguous.Add($"{path}: holds {Kinds(shape, except: null)}; declared for {kind}, the most frequent, so the others will fail as invalid_attribute_value.");
        }

        switch (kind)
        {
            case "N":
                return NumberType(path, shape.Numbers);
            case "BOOL":
                return "boolean";
            case "B":
                return "binary";
            case "S":
                if (shape.AllDates)
                {
                    return "date";
                }

                if (shape.AllTimestamps && !element)
                {
                    _ambiguous.Add($"{path}: every string is an ISO-8601 time; declared timestamptz (sourceUnit iso8601). A later string that is not one will fail as invalid_attribute_value.");
                    sourceUnit = "iso8601";
                    return "timestamptz";
                }

                if (shape.Strings >= ValuesMinimumItems && shape.Distinct.Count <= AttributeShape.MaxDistinct)
                {
                    values = new JsonArray([.. shape.Distinct.Select(v => (JsonNode)v)]);
                    _ambiguous.Add($"{path}: only {shape.Distinct.Count} distinct values in {shape.Strings:N0} strings; declared with values [{string.Join(", ", shape.Distinct)}] (they bound a partition key only; remove them if the set can grow).");
                }

                return "string";
            case "M":
                return Struct(path, shape);
            case "L" or "SS" or "NS" or "BS":
                return new JsonObject { ["type"] = "list", ["element"] = (shape.Elements is null ? null : Type(path + "[]", shape.Elements, out _, out _, element: true)) ?? "string" };
            default:
                return "string";
        }
    }

    private JsonObject? Struct(string path, AttributeShape shape)
    {
        if (shape.Fields.Count == 0)
        {
            _ambiguous.Add($"{path}: its maps were always empty; left undeclared (an undeclared attribute is left out of the row and counted, never a failure).");
            return null;
        }

        var fields = new JsonArray();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (attribute, field) in shape.Fields)
        {
            var name = UniqueName(ColumnName(attribute), names, $"{path}.{attribute}");
            var column = new JsonObject { ["name"] = name };
            if (name != attribute)
            {
                column["source"] = attribute;
            }

            if (!Declare(column, $"{path}.{attribute}", field))
            {
                continue;
            }

            column["doc"] = $"Inferred: in {field.Present:N0} of {shape.Maps:N0} maps{Detail(field)}";
            fields.Add((JsonNode)column);
        }

        if (fields.Count == 0)
        {
            _ambiguous.Add($"{path}: none of its fields could be declared; left undeclared.");
            return null;
        }

        return new JsonObject { ["type"] = "struct", ["fields"] = fields };
    }

    private string NumberType(string path, NumberStats numbers)
    {
        if (numbers.Unreadable > 0)
        {
            _ambiguous.Add($"{path}: {Counted.Of(numbers.Unreadable, "value")} of type N that {(numbers.Unreadable == 1 ? "is" : "are")} not a number; left out of the digits counted, and will fail as invalid_attribute_value.");
        }

        // No number seen, or every one whole and within 64 bits.
        if (numbers.AllFitLong)
        {
            return "long";
        }

        var precision = numbers.MaxIntegerDigits + numbers.MaxScale;
        if (precision <= 38)
        {
            return $"decimal({Math.Max(precision, 1)},{numbers.MaxScale})";
        }

        // No exact Iceberg type holds more than 38 digits: keep the whole part, cut the scale, and say so.
        var integer = Math.Min(numbers.MaxIntegerDigits, 38);
        var scale = 38 - integer;
        _ambiguous.Add($"{path}: numbers need {numbers.MaxIntegerDigits} digits before the point and {numbers.MaxScale} after ({precision} in all), more than Iceberg's 38; declared decimal(38,{scale}), so values with more than {scale} digits after the point will fail as inexact_number (never rounded).");
        return $"decimal(38,{scale})";
    }

    private string Note(AttributeShape shape) =>
        Items == 0 ? "no items were sampled." : $"in {shape.Present:N0} of {Items:N0} items{(shape.Nulls > 0 ? $" ({shape.Nulls:N0} NULL)" : "")}{Detail(shape)}";

    private static string Detail(AttributeShape shape)
    {
        var parts = new List<string>();
        if (shape.Numbers.Count > 0)
        {
            parts.Add(shape.Numbers.AllWhole
                ? $"whole numbers of up to {shape.Numbers.MaxIntegerDigits} digits"
                : $"up to {shape.Numbers.MaxIntegerDigits + shape.Numbers.MaxScale} digits, {shape.Numbers.MaxScale} after the point");
        }

        if (shape.Strings > 0)
        {
            parts.Add(shape.AllDates ? "every string a date" : shape.AllTimestamps ? "every string an ISO-8601 time" : shape.Distinct.Count > AttributeShape.MaxDistinct ? $"more than {AttributeShape.MaxDistinct} distinct strings" : Counted.Of(shape.Distinct.Count, "distinct string"));
        }

        if (shape.Types.Count > 1)
        {
            parts.Add("types " + string.Join(", ", shape.Types.Select(t => $"{t.Key} {t.Value:N0}")));
        }

        return (parts.Count == 0 ? "" : "; " + string.Join("; ", parts)) + ".";
    }

    private static string Kinds(AttributeShape shape, string? except) =>
        string.Join(", ", shape.Types.Where(t => t.Key != except).Select(t => $"{t.Key} in {t.Value:N0}"));

    /// <summary>An attribute name as a column name: lower case, [a-z0-9_], not starting with a digit (camelCase split with '_').</summary>
    internal static string ColumnName(string attribute)
    {
        var name = new StringBuilder();
        for (var i = 0; i < attribute.Length; i++)
        {
            var c = attribute[i];
            if (char.IsAsciiLetterUpper(c))
            {
                if (i > 0 && (char.IsAsciiLetterLower(attribute[i - 1]) || char.IsAsciiDigit(attribute[i - 1])) && name.Length > 0 && name[^1] != '_')
                {
                    name.Append('_');
                }

                name.Append(char.ToLowerInvariant(c));
            }
            else
            {
                name.Append(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) ? c : '_');
            }
        }

        var text = name.ToString();
        text = text.Length == 0 || char.IsAsciiDigit(text[0]) ? "_" + text : text;
        return text.Length > 255 ? text[..255] : text;
    }

    private string UniqueName(string name, HashSet<string> taken, string attribute)
    {
        var unique = name;
        for (var n = 2; !taken.Add(unique); n++)
        {
            unique = $"{name}_{n}";
        }

        if (unique != name)
        {
            _ambiguous.Add($"{attribute}: its column name '{name}' was taken; named '{unique}'.");
        }

        return unique;
    }
}
