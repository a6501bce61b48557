using System.Globalization;
using System.Text.Json;

namespace DynamoLake.Local.Contracts;

/// <summary>
/// What the sampled items held for one attribute (or one nested field, or a list's elements): how often it
/// was present, its DynamoDB types, and per type what the values need — digits for numbers, formats and
/// distinct values for strings, the fields of maps, the elements of lists and sets.
/// </summary>
internal sealed class AttributeShape
{
    /// <summary>Distinct strings kept to offer <c>values</c>; more than this and the column is free text.</summary>
    public const int MaxDistinct = 12;

    public long Present { get; private set; }

    public long Nulls { get; private set; }

    /// <summary>Values seen per DynamoDB type (S, N, B, BOOL, M, L, SS, NS, BS).</summary>
    public SortedDictionary<string, long> Types { get; } = new(StringComparer.Ordinal);

    public NumberStats Numbers { get; } = new();

    public bool AllTimestamps { get; private set; } = true;

    public bool AllDates { get; private set; } = true;

    public long Strings { get; private set; }

    /// <summary>Distinct strings seen, up to <see cref="MaxDistinct"/> + 1.</summary>
    public SortedSet<string> Distinct { get; } = new(StringComparer.Ordinal);

    /// <summary>The fields of map values, by attribute name.</summary>
    public SortedDictionary<string, AttributeShape> Fields { get; } = new(StringComparer.Ordinal);

    /// <summary>Maps seen (a field's presence is counted against this).</summary>
    public long Maps { get; private set; }

    /// <summary>The elements of lists and sets.</summary>
    public AttributeShape? Elements { get; private set; }

    /// <summary>Adds one AttributeValue (<c>{"S": …}</c>, <c>{"M": {…}}</c>, …).</summary>
    public void Add(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var typed in value.EnumerateObject())
        {
            if (typed.Name == "NULL")
            {
                Nulls++;
                return;
            }

            if (typed.Name is "S" or "N" or "B" or "BOOL")
            {
                AddScalar(typed.Name, typed.Value.ValueKind == JsonValueKind.String ? typed.Value.GetString()! : "");
                return;
            }

            Present++;
            Types[typed.Name] = Types.GetValueOrDefault(typed.Name) + 1;
            switch (typed.Name)
            {
                case "M":
                    Maps++;
                    foreach (var field in typed.Value.EnumerateObject())
                    {
                        Field(field.Name).Add(field.Value);
                    }

                    break;
                case "L":
                    foreach (var element in typed.Value.EnumerateArray())
                    {
                        (Elements ??= new()).Add(element);
                    }

                    break;
                case "SS" or "NS" or "BS":
                    var elementType = typed.Name[..1];
                    foreach (var element in typed.Value.EnumerateArray())
                    {
                        (Elements ??= new()).AddScalar(elementType, element.GetString() ?? "");
                    }

                    break;
            }

            return;
        }
    }

    private AttributeShape Field(string name)
    {
        if (!Fields.TryGetValue(name, out var shape))
        {
            shape = new AttributeShape();
            Fields[name] = shape;
        }

        return shape;
    }

    private void AddScalar(string type, string text)
    {
        Present++;
        Types[type] = Types.GetValueOrDefault(type) + 1;
        if (type == "S")
        {
            AddString(text);
        }
        else if (type == "N")
        {
            Numbers.Add(text);
        }
    }

    private void AddString(string text)
    {
        Strings++;
        if (Distinct.Count <= MaxDistinct)
        {
            Distinct.Add(text);
        }

        AllDates &= text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
        AllTimestamps &= text.Length >= 16 && text[10] is 'T' or 't' or ' '
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _);
    }
}
