using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Seeder;

/// <summary>
/// Writes an item as DynamoDB JSON (<c>{"amount":{"N":"12.30"}, …}</c>), the form change records carry in
/// NewImage / OldImage / Keys. Used by the local change capture and by tests.
/// </summary>
internal static class DynamoDbJson
{
    public static void WriteItem(Utf8JsonWriter writer, Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(item);
        writer.WriteStartObject();
        foreach (var (name, value) in item)
        {
            writer.WritePropertyName(name);
            WriteValue(writer, value);
        }

        writer.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter writer, AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        if (value.S is { } s)
        {
            writer.WriteString("S"u8, s);
        }
        else if (value.N is { } n)
        {
            writer.WriteString("N"u8, n);
        }
        else if (value.B is { } b)
        {
            writer.WriteBase64String("B"u8, b.ToArray());
        }
        else if (value.BOOL is { } flag)
        {
            writer.WriteBoolean("BOOL"u8, flag);
        }
        else if (value.NULL is true)
        {
            writer.WriteBoolean("NULL"u8, true);
        }
        else if (value.M is { } map)
        {
            writer.WritePropertyName("M"u8);
            WriteItem(writer, map);
        }
        else if (value.L is { } list)
        {
            writer.WriteStartArray("L"u8);
            foreach (var element in list)
            {
                WriteValue(writer, element);
            }

            writer.WriteEndArray();
        }
        else if (value.SS is { } strings)
        {
            WriteStrings(writer, "SS"u8, strings);
        }
        else if (value.NS is { } numbers)
        {
            WriteStrings(writer, "NS"u8, numbers);
        }
        else if (value.BS is { } binaries)
        {
            writer.WriteStartArray("BS"u8);
            foreach (var element in binaries)
            {
                writer.WriteBase64StringValue(element.ToArray());
            }

            writer.WriteEndArray();
        }
        else
        {
            throw new ArgumentException("The attribute value has no type set.", nameof(value));
        }

        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, ReadOnlySpan<byte> name, List<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var element in values)
        {
            writer.WriteStringValue(element);
        }

        writer.WriteEndArray();
    }
}
