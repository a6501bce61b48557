using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using CsCheck;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Firehose;

namespace DynamoLake.Core.Tests;

/// <summary>Random AttributeValue items against an oracle written independently of the converter.</summary>
public sealed class ConversionProperties
{
    private static readonly TableContract s_contract = TableContract.Parse("""
        {
          "table": "p",
          "uniqueKey": ["id"],
          "columns": [
            { "name": "id", "type": "string", "required": true },
            { "name": "dec", "type": "decimal(38,6)" },
            { "name": "money", "type": "decimal(12,2)" },
            { "name": "l", "type": "long" },
            { "name": "s", "type": "string" },
            { "name": "b", "type": "boolean" },
            { "name": "bin", "type": "binary" },
            { "name": "ts", "type": "timestamptz", "sourceUnit": "milliseconds" },
            { "name": "st", "type": { "type": "struct", "fields": [ { "name": "x", "type": "string" }, { "name": "y", "type": "long" } ] } },
            { "name": "ls", "type": { "type": "list", "element": "decimal(12,2)" } },
            { "name": "_op", "type": "string", "required": true, "derived": "operation" },
            { "name": "_event_time", "type": "timestamptz", "required": true, "derived": "event_time" },
            { "name": "_event_id", "type": "string", "required": true, "derived": "event_id" },
            { "name": "_ttl_delete", "type": "boolean", "required": true, "derived": "ttl_delete" }
          ]
        }
        """u8, "property-contract.json");

    /// <summary>A value paired with the DynamoDB JSON that carries it and the row JSON it must become.</summary>
    private sealed record Sample(string AttributeJson, string ExpectedJson);

    private static readonly Gen<string> s_text =
        Gen.Int[0, 0x10FFFF].Where(c => c is < 0xD800 or > 0xDFFF).Select(char.ConvertFromUtf32).Array[0, 12]
            .Select(parts => string.Concat(parts));

    /// <summary>An exact decimal with up to <paramref name="digits"/> digits and <paramref name="scale"/> fraction digits, written in one of several equivalent N forms.</summary>
    private static Gen<Sample> DecimalSample(int digits, int scale) =>
        Gen.Select(Gen.Int[1, digits], Gen.Bool, Gen.Int[0, 3], Gen.Int[0, 4])
            .SelectMany(t => Gen.Char['0', '9'].Array[t.Item1].Select(d => (Digits: new string(d), Negative: t.Item2, Form: t.Item3, ExtraZeros: t.Item4)))
            .Select(t =>
            {
                var unscaled = BigInteger.Parse(t.Digits, CultureInfo.InvariantCulture) * (t.Negative ? -1 : 1);
                var expected = Canonical(unscaled, scale);
                var text = t.Form switch
                {
                    0 => Plain(unscaled, scale),
                    1 => Plain(unscaled, scale) + (scale > 0 ? new string('0', t.ExtraZeros) : string.Empty),
                    2 => $"{unscaled}E-{scale}",
                    _ => $"{unscaled * BigInteger.Pow(10, t.ExtraZeros)}E-{scale + t.ExtraZeros}",
                };
                return new Sample($$$"""{"N":"{{{text}}}"}""", expected);
            });

    private static string Plain(BigInteger unscaled, int scale)
    {
        if (scale == 0)
        {
            return unscaled.ToString(CultureInfo.InvariantCulture);
        }

        var magnitude = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        return (unscaled.Sign < 0 ? "-" : string.Empty) + magnitude[..^scale] + "." + magnitude[^scale..];
    }

    private static string Canonical(BigInteger unscaled, int scale) => Plain(unscaled.IsZero ? BigInteger.Zero : unscaled, scale);

    private static readonly Gen<Sample> s_long = Gen.Long.Select(v => new Sample($$$"""{"N":"{{{v.ToString(CultureInfo.InvariantCulture)}}}"}""", v.ToString(CultureInfo.InvariantCulture)));

    private static readonly Gen<Sample> s_string = s_text.Select(v => new Sample($$$"""{"S":{{{JsonSerializer.Serialize(v)}}}}""", JsonSerializer.Serialize(v)));

    private static readonly Gen<Sample> s_struct = Gen.Select(s_string, s_long, Gen.Bool).Select(t =>
    {
        var x = JsonDocument.Parse(t.Item1.AttributeJson).RootElement.GetProperty("S").GetRawText();
        return t.Item3
            ? new Sample($$$"""{"M":{"y":{{{t.Item2.AttributeJson}}},"x":{{{t.Item1.AttributeJson}}}}}""", $$$"""{"y":{{{t.Item2.ExpectedJson}}},"x":{{{t.Item1.ExpectedJson}}}}""")
            : new Sample($$$"""{"M":{"x":{{{t.Item1.AttributeJson}}}}}""", $$$"""{"x":{{{t.Item1.ExpectedJson}}},"y":null}""");
    });

    private static readonly Gen<Sample> s_list = DecimalSample(12, 2).Array[0, 5].Select(items => new Sample(
        $$$"""{"L":[{{{string.Join(",", items.Select(i => i.AttributeJson))}}}]}""",
        $"[{string.Join(",", items.Select(i => i.ExpectedJson))}]"));

    private static readonly Gen<Dictionary<string, Sample>> s_item = Gen.Select(
        Gen.Select(DecimalSample(38, 6), DecimalSample(12, 2), s_long, s_string),
        Gen.Select(Gen.Bool, Gen.Byte.Array[0, 40], Gen.Long[-62135596800000, 253402300799999]),
        Gen.Select(s_struct, s_list),
        Gen.Int[0, 1023]).Select(t =>
        {
            var all = new Dictionary<string, Sample>
            {
                ["dec"] = t.Item1.Item1,
                ["money"] = t.Item1.Item2,
                ["l"] = t.Item1.Item3,
                ["s"] = t.Item1.Item4,
                ["b"] = new($$$"""{"BOOL":{{{(t.Item2.Item1 ? "true" : "false")}}}}""", t.Item2.Item1 ? "true" : "false"),
                ["bin"] = new($$$"""{"B":"{{{Convert.ToBase64String(t.Item2.Item2)}}}"}""", $"\"{Convert.ToBase64String(t.Item2.Item2)}\""),
                ["ts"] = new($$$"""{"N":"{{{t.Item2.Item3}}}"}""", (t.Item2.Item3 * 1000).ToString(CultureInfo.InvariantCulture)),
                ["st"] = t.Item3.Item1,
                ["ls"] = t.Item3.Item2,
            };

            // Each optional attribute is present, NULL or absent, by the bits of the mask.
            var names = all.Keys.ToArray();
            for (var i = 0; i < names.Length; i++)
            {
                var bits = (t.Item4 >> i) & 1;
                if (bits == 1 && i % 2 == 0)
                {
                    all[names[i]] = new Sample("""{"NULL":true}""", "null");
                }
                else if (bits == 1)
                {
                    all.Remove(names[i]);
                }
            }

            return all;
        });

    [Fact]
    public void RandomItems_ConvertWithoutLoss()
    {
        s_item.Sample(item =>
        {
            var image = "{" + string.Join(",", item.Reverse().Select(kv => $"\"{kv.Key}\":{kv.Value.AttributeJson}").Prepend("\"id\":{\"S\":\"k\"}")) + "}";
            var (reason, row) = Requests.ConvertOne(s_contract, Requests.KinesisChange("INSERT", image));
            if (reason != ReasonCode.None)
            {
                throw new InvalidOperationException($"{reason.ToWire()} for {image}");
            }

            var parsed = JsonDocument.Parse(row!).RootElement;
            foreach (var column in s_contract.Columns.Columns.Where(c => c.Derived == DerivedField.None && c.Name != "id"))
            {
                var expected = item.TryGetValue(column.Name, out var sample) ? sample.ExpectedJson : "null";
                var actual = parsed.GetProperty(column.Name).GetRawText();
                if (!JsonEquivalent(expected, actual))
                {
                    throw new InvalidOperationException($"{column.Name}: expected {expected}, got {actual} from {image}");
                }
            }
        }, iter: 2000);
    }

    /// <summary>Same JSON tokens, with numbers compared as text (exactness is the point).</summary>
    private static bool JsonEquivalent(string expected, string actual)
    {
        var a = JsonDocument.Parse(expected).RootElement;
        var b = JsonDocument.Parse(actual).RootElement;
        return Equivalent(a, b);
    }

    private static bool Equivalent(JsonElement a, JsonElement b) => a.ValueKind == b.ValueKind && a.ValueKind switch
    {
        JsonValueKind.Object => a.EnumerateObject().Count() == b.EnumerateObject().Count()
            && a.EnumerateObject().All(p => b.TryGetProperty(p.Name, out var q) && Equivalent(p.Value, q)),
        JsonValueKind.Array => a.GetArrayLength() == b.GetArrayLength() && a.EnumerateArray().Zip(b.EnumerateArray()).All(z => Equivalent(z.First, z.Second)),
        JsonValueKind.String => a.GetString() == b.GetString(),
        _ => a.GetRawText() == b.GetRawText(),
    };

    [Fact]
    public void ArbitraryBytesAsData_NeverThrow_AndEveryRecordGetsAReason()
    {
        Gen.Byte.Array[0, 300].Array[1, 20].Sample(payloads =>
        {
            var data = payloads.Select(p => (string?)Convert.ToBase64String(p)).ToArray();
            using var request = FirehoseRequest.Parse(Requests.FirehoseFromData(data));
            using var batch = ChangeBatch.Convert(request, ChangeRoutes.One(s_contract));
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch.Succeeded(i))
                {
                    throw new InvalidOperationException("random bytes became a row");
                }
            }
        }, iter: 500);
    }

    [Fact]
    public void MutatedChangeRecords_NeverThrow_AndRowsThatSurviveAreValidJson()
    {
        var valid = Encoding.UTF8.GetBytes(Requests.KinesisChange("MODIFY", """{"id":{"S":"k"},"dec":{"N":"1.5"},"st":{"M":{"x":{"S":"é"}}},"ls":{"L":[{"N":"2"}]}}"""));
        Gen.Select(Gen.Int[0, valid.Length - 1].Array[1, 4], Gen.Byte.Array[4]).Sample(t =>
        {
            var mutated = (byte[])valid.Clone();
            for (var i = 0; i < t.Item1.Length; i++)
            {
                mutated[t.Item1[i]] = t.Item2[i];
            }

            using var request = FirehoseRequest.Parse(Requests.FirehoseFromData(Convert.ToBase64String(mutated)));
            using var batch = ChangeBatch.Convert(request, ChangeRoutes.One(s_contract));
            if (batch.Succeeded(0))
            {
                using var row = JsonDocument.Parse(batch.Row(0).ToArray()); // throws if the row is not valid JSON
            }
        }, iter: 3000);
    }

    [Fact]
    public void InvalidUtf8InAString_IsRefused()
    {
        var change = Encoding.UTF8.GetBytes(Requests.KinesisChange("INSERT", """{"id":{"S":"k"},"s":{"S":"AB"}}"""));
        var at = change.AsSpan().IndexOf("\"AB\""u8) + 1;
        change[at] = 0xC3;
        change[at + 1] = 0x28; // 0xC3 0x28 is not UTF-8

        using var request = FirehoseRequest.Parse(Requests.FirehoseFromData(Convert.ToBase64String(change)));
        using var batch = ChangeBatch.Convert(request, ChangeRoutes.One(s_contract));

        Assert.Equal(ReasonCode.InvalidJson, batch.Reason(0));
    }
}
