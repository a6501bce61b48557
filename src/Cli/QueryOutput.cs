using System.Collections;
using System.Data.Common;
using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Cli;

/// <summary>
/// Query results written with their types kept: ISO dates (<c>2026-11-05</c>), timestamps with their zone,
/// decimals with their column's scale at any precision (<c>163221.00</c>), booleans as <c>true</c>/<c>false</c>,
/// structs and lists nested. Shared by the table, CSV and JSON formats.
/// </summary>
internal static class QueryOutput
{
    public static readonly IReadOnlyList<string> Formats = ["table", "csv", "json"];

    /// <summary>One cell as text (table and CSV).</summary>
    public static string Text(object? value, string typeName) => value switch
    {
        null or DBNull => "",
        bool flag => flag ? "true" : "false",
        decimal number => Decimal(number, Scale(typeName)),
        string digits when Scale(typeName) is not null => LeadingZero(digits),
        BigInteger big => BigDecimal(big, Scale(typeName)),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset instant => instant.ToString("yyyy-MM-dd HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture),
        DateTime time when typeName.Contains("TIME ZONE", StringComparison.OrdinalIgnoreCase) || typeName.Equals("TimestampTz", StringComparison.OrdinalIgnoreCase) => time.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00:00",
        DateTime time => time.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        TimeOnly clock => clock.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        // Binaries (DuckDB's BLOB, a stream) as base64, as DynamoDB's JSON writes them.
        byte[] bytes => Convert.ToBase64String(bytes),
        Stream stream => Base64(stream),
        IDictionary map => "{" + string.Join(", ", map.Keys.Cast<object>().Select(k => $"{k}: {Text(map[k], "")}")) + "}",
        IEnumerable list and not string => "[" + string.Join(", ", list.Cast<object?>().Select(v => Text(v, ""))) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Base64(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Convert.ToBase64String(copy.GetBuffer(), 0, (int)copy.Length);
    }

    /// <summary>One cell as a JSON value: numbers stay numbers (decimals with their scale), dates and timestamps are strings.</summary>
    public static void Json(Utf8JsonWriter json, object? value, string typeName)
    {
        ArgumentNullException.ThrowIfNull(json);
        switch (value)
        {
            case null or DBNull:
                json.WriteNullValue();
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case decimal or BigInteger:
                json.WriteRawValue(Text(value, typeName));
                break;
            case string when Scale(typeName) is not null:
                json.WriteRawValue(Text(value, typeName));
                break;
            case long or int or short or sbyte or byte or ushort or uint or ulong:
                json.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            case double d when double.IsFinite(d):
                json.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                json.WriteNumberValue(f);
                break;
            case IDictionary map:
                json.WriteStartObject();
                foreach (var key in map.Keys.Cast<object>())
                {
                    json.WritePropertyName(key.ToString() ?? "");
                    Json(json, map[key], "");
                }

                json.WriteEndObject();
                break;
            case IEnumerable list and not (string or byte[]):
                json.WriteStartArray();
                foreach (var item in list)
                {
                    Json(json, item, "");
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Text(value, typeName));
                break;
        }
    }

    /// <summary>Writes the whole result as a JSON array of objects.</summary>
    public static async Task WriteJsonAsync(DbDataReader reader, IReadOnlyList<string> types, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        while (await reader.ReadAsync(cancellationToken))
        {
            json.WriteStartObject();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                json.WritePropertyName(reader.GetName(i));
                Json(json, reader.GetValue(i), types[i]);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        await json.FlushAsync(cancellationToken);
        await output.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    /// <summary>The column types to format with: DuckDB's declared ones when known, else the reader's names.</summary>
    public static IReadOnlyList<string> Types(DbDataReader reader, IReadOnlyList<string>? declared)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return declared is { } known && known.Count == reader.FieldCount ? known : [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetDataTypeName)];
    }

    public static string Csv(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;

    // A wide decimal read as DuckDB's text: .5 and -.5 (a DECIMAL(38,38)) with their zero.
    private static string LeadingZero(string digits) =>
        digits.StartsWith('.') ? "0" + digits : digits.StartsWith("-.", StringComparison.Ordinal) ? "-0" + digits[1..] : digits;

    // DECIMAL(38,2): the scale after the comma.
    private static int? Scale(string typeName) =>
        typeName.StartsWith("DECIMAL(", StringComparison.OrdinalIgnoreCase) && typeName.Split(',', ')') is [_, var scale, ..] && int.TryParse(scale, CultureInfo.InvariantCulture, out var s) ? s : null;

    private static string Decimal(decimal number, int? scale) =>
        scale is { } digits ? number.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : number.ToString(CultureInfo.InvariantCulture);

    /// <summary>An unscaled integer (a HUGEINT-backed decimal) written with its scale.</summary>
    private static string BigDecimal(BigInteger unscaled, int? scale)
    {
        if (scale is not { } digits || digits == 0)
        {
            return unscaled.ToString(CultureInfo.InvariantCulture);
        }

        var text = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(digits + 1, '0');
        return (unscaled.Sign < 0 ? "-" : "") + text[..^digits] + "." + text[^digits..];
    }
}
