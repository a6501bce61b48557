using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace DynamoLake.Testing;

/// <summary>
/// Generators of hostile Firehose requests: change records whose names and values carry JSON escapes
/// (<c>\u0049</c>), escaped surrogate pairs and lone surrogates, control characters, duplicate attributes,
/// invalid UTF-8, BOMs, truncation and trailing text — not only random alphanumerics. Every record carries
/// <see cref="Secret"/> in a value, so a test can prove no value reaches a log.
/// </summary>
public static class HostileRecords
{
    /// <summary>A marker inside record values: it must never appear in a log line.</summary>
    public const string Secret = "SECRETVALUE";

    /// <summary>Fuzz iterations per property: DYNAMOLAKE_FUZZ_ITERATIONS, or a CI-sized default.</summary>
    public static long Iterations(long fallback) =>
        long.TryParse(Environment.GetEnvironmentVariable("DYNAMOLAKE_FUZZ_ITERATIONS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;

    private static readonly string[] s_regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "eu-west-2", "ap-southeast-1", "ap-southeast-2"];

    /// <summary>Text pieces that are hard on a JSON reader: escapes of every kind, lone surrogates, controls, non-ASCII.</summary>
    public static readonly Gen<string> Piece = Gen.Frequency(
        (12, Gen.String[Gen.Char.AlphaNumeric, 0, 6]),
        (3, Gen.OneOfConst("\\u0049", "\\u006b", "\\u00e9", "\\/", "\\\\", "\\\"", "\\n", "\\t", "\\u0000", "\\u001f", "\\u007f", "\\ud83d\\ude00", "\\uD83D\\uDE00")),
        (1, Gen.OneOfConst("\\ud800", "\\udc00", "\\udbff", "\\ud800\\ud800", "\\udc00\\ud800", "\\ud83dx", "\\u", "\\uZZZZ")),
        (2, Gen.OneOfConst("é", "日本", "😀", "\u2028", "Ω", "\u00ff")));

    /// <summary>String content (between quotes) built from <see cref="Piece"/>s.</summary>
    public static readonly Gen<string> Text = Piece.Array[1, 5].Select(p => string.Concat(p));

    /// <summary>A change record (text; may be malformed on purpose).</summary>
    public static readonly Gen<string> Record = Gen.Select(
        Gen.Select(Gen.OneOfConst("INSERT", "MODIFY", "REMOVE", "INSERT", "MODIFY", "REMOVE", "\\u0049NSERT", "MODIF\\u0059", "remove", "\\ud800"), Text, Gen.Int[0, 3]),
        Gen.Select(Text, Gen.OneOfConst(s_regions), Gen.Int[0, 9], Gen.Bool),
        Gen.Select(Gen.Int[0, 15], Gen.Long[1_600_000_000_000_000, 1_900_000_000_000_000], Gen.OneOfConst("transactions", "other", "transacti\\u006fns")))
        .Select(t =>
        {
            var ((eventName, key, keyStyle), (value, region, extras, escapedNames), (shape, micros, table)) = t;
            var k = keyStyle switch { 0 => key, 1 => "k", 2 => "\\u006b", _ => key + Secret };
            string Name(string name) => escapedNames && name.Length > 1 ? $"\\u{(int)name[0]:x4}{name[1..]}" : name;
            var attributes = new List<string>
            {
                $"\"{Name("transaction_id")}\":{{\"S\":\"{k}\"}}",
                "\"timestamp\":{\"N\":\"1795426800000\"}",
                $"\"customer_id\":{{\"S\":\"{Secret}{value}\"}}",
                "\"amount\":{\"N\":\"12.50\"}",
                "\"currency\":{\"S\":\"USD\"}",
                $"\"{Name("region")}\":{{\"S\":\"{(extras == 8 ? value : region)}\"}}",
                "\"status\":{\"S\":\"PENDING\"}",
            };
            if (extras is 1 or 2)
            {
                attributes.Add($"\"payment_method\":{{\"S\":\"{value}\"}}");
            }

            if (extras == 3)
            {
                attributes.Add($"\"{value}\":{{\"S\":\"{Secret}\"}}");
            }

            if (extras == 4)
            {
                attributes.Add("\"status\":{\"S\":\"APPROVED\"}"); // an attribute twice
            }

            if (extras == 5)
            {
                attributes.Add($"\"extra\":{{\"S\":\"a\"}},\"{Name("extra")}\":{{\"S\":\"b\"}}");
            }

            if (extras == 6)
            {
                attributes.Add($"\"fraud_indicators\":{{\"M\":{{\"velocity_check\":{{\"S\":\"{value}\"}}}}}}");
            }

            var image = "{" + string.Join(",", attributes) + "}";
            var images = eventName is "REMOVE" or "remove" ? (extras == 7 ? "" : $",\"OldImage\":{image}") : $",\"NewImage\":{image}";
            var keys = $"\"Keys\":{{\"transaction_id\":{{\"S\":\"{k}\"}}}}";
            var body = $"\"eventID\":\"{value}\",\"eventName\":\"{eventName}\",\"tableName\":\"{table}\",\"dynamodb\":{{\"ApproximateCreationDateTime\":{micros},{keys}{images}}}";
            return shape switch
            {
                0 => "{" + body + "}",
                1 => "[{" + body + "}]",
                2 => "[{" + body + "},{" + body + "}]",
                3 => "{" + body + "} trailing",
                4 => "{" + body + ",\"eventName\":\"INSERT\"}",
                5 => "{" + body,
                _ => "{" + body + "}",
            };
        });

    /// <summary>A record's bytes, sometimes damaged below the JSON level (invalid UTF-8, a BOM, a cut).</summary>
    public static readonly Gen<byte[]> RecordBytes = Gen.Select(Record, Gen.Int[0, 19], Gen.Int[0, int.MaxValue]).Select(t =>
    {
        var (record, damage, at) = t;
        var bytes = Encoding.UTF8.GetBytes(record);
        switch (damage)
        {
            case 0 when bytes.Length > 0:
                bytes[at % bytes.Length] = 0xFF;
                break;
            case 1:
                bytes = [0xEF, 0xBB, 0xBF, .. bytes];
                break;
            case 2 when bytes.Length > 1:
                bytes = bytes[..(at % bytes.Length)];
                break;
            case 3 when bytes.Length > 0:
                var i = at % bytes.Length;
                bytes = [.. bytes[..i], 0xC3, .. bytes[i..]]; // a lead byte with no continuation
                break;
        }

        return bytes;
    });

    /// <summary>A whole Firehose request (a readable envelope) of 1–12 hostile records.</summary>
    public static readonly Gen<(byte[] Request, int Count)> Request = Gen.Select(RecordBytes.Array[1, 12], Gen.Bool).Select(t =>
    {
        var (records, escapeData) = t;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("invocationId", "fuzz");
            json.WriteStartArray("records");
            for (var i = 0; i < records.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("recordId", $"r{i}");
                json.WriteNumber("approximateArrivalTimestamp", 1795426800000);
                var base64 = Convert.ToBase64String(records[i]);
                if (escapeData && base64.Contains('/', StringComparison.Ordinal))
                {
                    json.WritePropertyName("data");
                    json.WriteRawValue("\"" + base64.Replace("/", "\\/", StringComparison.Ordinal) + "\"", skipInputValidation: true);
                }
                else
                {
                    json.WriteString("data", base64);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return (stream.ToArray(), records.Length);
    });

    /// <summary>
    /// The same JSON with some characters inside string literals replaced by their <c>\uXXXX</c> escape:
    /// the same document to any JSON reader, so it must give the same result.
    /// </summary>
    public static string EscapeSome(string json, ulong seed)
    {
        var builder = new StringBuilder(json.Length * 2);
        var inString = false;
        var state = seed | 1;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (!inString)
            {
                inString = c == '"';
                builder.Append(c);
                continue;
            }

            if (c == '\\')
            {
                // An escape is copied whole: \n, or \uXXXX (as far as it goes).
                var length = i + 1 < json.Length && json[i + 1] == 'u' ? Math.Min(6, json.Length - i) : Math.Min(2, json.Length - i);
                builder.Append(json, i, length);
                i += length - 1;
                continue;
            }

            if (c == '"')
            {
                inString = false;
                builder.Append(c);
                continue;
            }

            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            var pair = char.IsHighSurrogate(c) && i + 1 < json.Length && char.IsLowSurrogate(json[i + 1]);
            if (state % 3 == 0)
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                if (pair)
                {
                    builder.Append("\\u").Append(((int)json[++i]).ToString("x4", CultureInfo.InvariantCulture));
                }
            }
            else
            {
                builder.Append(c);
                if (pair)
                {
                    builder.Append(json[++i]);
                }
            }
        }

        return builder.ToString();
    }
}
