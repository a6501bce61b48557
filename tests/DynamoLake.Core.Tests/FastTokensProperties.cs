using System.Text;
using System.Text.Json;
using CsCheck;
using DynamoLake.Core.Buffers;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace DynamoLake.Core.Tests;

/// <summary>
/// The fast tokeniser reads only what Utf8JsonReader reads, into the same tokens, and a record read with it first
/// becomes exactly what Utf8JsonReader alone makes of it: the same reason, row, column positions and facts.
/// Over well-formed records of every AttributeValue type, laid out with any JSON whitespace, and the same records
/// damaged byte by byte (and the fuzzers' hostile records: escapes, surrogates, BOMs, cuts).
/// </summary>
public sealed class FastTokensProperties
{
    private static readonly TableContract s_contract = TableContract.Parse("""
        {
          "table": "f",
          "uniqueKey": ["id"],
          "partitionSpec": [ { "source": "region", "transform": "identity" } ],
          "columns": [
            { "name": "id", "type": "string", "required": true },
            { "name": "region", "type": "string", "required": true, "immutable": true },
            { "name": "amount", "type": "decimal(12,2)" },
            { "name": "count", "type": "long" },
            { "name": "ratio", "type": "double" },
            { "name": "flag", "type": "boolean" },
            { "name": "day", "type": "date" },
            { "name": "at", "type": "timestamptz", "sourceUnit": "milliseconds" },
            { "name": "blob", "type": "binary" },
            { "name": "tags", "type": { "type": "list", "element": "string" } },
            { "name": "scores", "type": { "type": "list", "element": "decimal(5,1)" } },
            { "name": "meta", "type": { "type": "struct", "fields": [ { "name": "a", "type": "string" }, { "name": "n", "type": "int" } ] } },
            { "name": "_op", "type": "string", "required": true, "derived": "operation" },
            { "name": "_event_time", "type": "timestamptz", "required": true, "derived": "event_time" },
            { "name": "_event_id", "type": "string", "required": true, "derived": "event_id" },
            { "name": "_ttl_delete", "type": "boolean", "required": true, "derived": "ttl_delete" }
          ]
        }
        """u8, "fast-tokens.json");

    private static readonly Gen<string> s_space = Gen.Frequency((6, Gen.Const("")), (1, Gen.OneOfConst(" ", "\n", "\t", "\r\n", "  ")));

    // One attribute of the contract's (or an undeclared one), as DynamoDB writes it.
    private static readonly Gen<string> s_attribute = Gen.OneOf(
        Gen.OneOfConst("us-east-1", "eu-west-1", "ap-southeast-2").Select(r => $"\"region\":{{\"S\":\"{r}\"}}"),
        Gen.OneOfConst("12.50", "0", "-3", "1E+2", "99999999.99", "0.001", "1e400", "12.5e-1").Select(n => $"\"amount\":{{\"N\":\"{n}\"}}"),
        Gen.OneOfConst("42", "-7", "9223372036854775807", "1.0", "x").Select(n => $"\"count\":{{\"N\":\"{n}\"}}"),
        Gen.OneOfConst("0.25", "-1e-3", "3").Select(n => $"\"ratio\":{{\"N\":\"{n}\"}}"),
        Gen.OneOfConst("true", "false").Select(b => $"\"flag\":{{\"BOOL\":{b}}}"),
        Gen.OneOfConst("2026-12-05", "2026-02-30", "").Select(d => $"\"day\":{{\"S\":\"{d}\"}}"),
        Gen.OneOfConst("1764892800000", "17648928000001").Select(t => $"\"at\":{{\"N\":\"{t}\"}}"),
        Gen.OneOfConst("AAEC", "not base64!").Select(b => $"\"blob\":{{\"B\":\"{b}\"}}"),
        Gen.OneOfConst("[\"a\",\"b\"]", "[]").Select(l => $"\"tags\":{{\"SS\":{l}}}"),
        Gen.OneOfConst("[{\"N\":\"1.5\"},{\"N\":\"2\"}]", "[{\"S\":\"x\"}]").Select(l => $"\"scores\":{{\"L\":{l}}}"),
        Gen.OneOfConst("{\"a\":{\"S\":\"é日本\"},\"n\":{\"N\":\"5\"}}", "{}", "{\"zz\":{\"NULL\":true}}").Select(m => $"\"meta\":{{\"M\":{m}}}"),
        Gen.OneOfConst("\"extra\":{\"S\":\"v\"}", "\"count\":{\"NULL\":true}", "\"ratio\":{\"S\":\"1\",\"N\":\"1\"}", "\"flag\":{\"BOOL\":null}"));

    private static readonly Gen<string> s_image = Gen.Select(Gen.OneOfConst("k1", "k2"), Gen.OneOfConst("us-east-1", "eu-west-1"), s_attribute.Array[0, 8], s_space).Select(t =>
    {
        var (key, region, attributes, space) = t;
        return "{" + space + string.Join("," + space, [$"\"id\":{space}{{\"S\":\"{key}\"}}", $"\"region\":{{\"S\":\"{region}\"}}", .. attributes]) + space + "}";
    });

    /// <summary>A well-formed change record of either stream, every field where AWS puts it or elsewhere.</summary>
    public static readonly Gen<string> Record = Gen.Select(
        Gen.OneOfConst("INSERT", "MODIFY", "REMOVE"), s_image, s_image, s_space, Gen.Int[0, 5]).Select(t =>
    {
        var (name, newImage, oldImage, space, layout) = t;
        var images = name switch
        {
            "INSERT" => $"\"NewImage\":{newImage}",
            "REMOVE" => layout == 5 ? "\"Keys\":{\"id\":{\"S\":\"k1\"}}" : $"\"OldImage\":{oldImage}",
            _ => layout % 2 == 0 ? $"\"NewImage\":{newImage},{space}\"OldImage\":{oldImage}" : $"\"OldImage\":{oldImage},\"NewImage\":{newImage}",
        };
        var dynamodb = $"\"dynamodb\":{{\"ApproximateCreationDateTime\":{(layout == 3 ? "1764892800123456" : "1764892800")},{space}\"Keys\":{{\"id\":{{\"S\":\"k1\"}}}},\"SizeBytes\":70,{images}}}";
        var fields = new List<string> { $"\"eventID\":{space}\"e-{layout}\"", $"\"eventName\":\"{name}\"", "\"tableName\":\"f\"", "\"userIdentity\":null" };
        if (layout == 4)
        {
            fields.Add("\"userIdentity2\":{\"type\":\"Service\",\"principalId\":\"dynamodb.amazonaws.com\"}");
        }

        // eventName before or after dynamodb: the image is written in one pass, or found again by its offsets.
        fields.Insert(layout % 3 == 0 ? 0 : fields.Count, dynamodb);
        return space + "{" + string.Join("," + space, fields) + "}" + space;
    });

    private static readonly Gen<string> s_damaged = Gen.Select(Record, Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue],
        Gen.OneOfConst("{", "}", "[", "]", ":", ",", "\"", "\\", "0", "-", ".", "e", "t", "n", " ", "x", "\u0001", "01", "1.", "tru", "nul", "//"))
        .Select(t =>
        {
            var (record, kind, at, length, piece) = t;
            var i = at % (record.Length + 1);
            return kind switch
            {
                0 => record.Insert(i, piece),
                1 => record.Remove(Math.Min(i, record.Length - 1), 1 + (length % 3 == 0 ? Math.Min(length % 5, record.Length - Math.Min(i, record.Length - 1) - 1) : 0)),
                2 => record[..i],
                3 => record + piece,
                _ => record.Insert(i, piece).Insert(Math.Min(record.Length, length % (record.Length + 1)), piece),
            };
        });

    [Fact]
    public void FastTokens_ReadsWellFormedRecordsThroughWithoutSteppingAside()
    {
        Record.Sample(record =>
        {
            var json = Encoding.UTF8.GetBytes(record);
            var fast = new FastTokens(json);
            var count = 0;
            while (fast.Read())
            {
                count++;
            }

            return !fast.SteppedAside && count > 10 && fast.BytesConsumed <= json.Length;
        }, iter: HostileRecords.Iterations(3_000));
    }

    [Fact]
    public void FastTokens_FindsAStringsEnd_WhereverItsStopFallsInAVectorOrAWordRead()
    {
        // The string's end is found sixteen bytes at a time, then eight, then one: every length (0 to 40 crosses
        // each step), and every stop at every place in it.
        byte[] stops = [(byte)'\\', 0x00, 0x01, 0x1F];
        byte[] plain = [(byte)' ', (byte)'!', (byte)'#', (byte)'[', (byte)']', 0x7F, 0xC3, 0xA9, (byte)'~', (byte)'a'];
        for (var length = 0; length <= 40; length++)
        {
            for (var at = -1; at < length; at++)
            {
                foreach (var stop in stops)
                {
                    var text = new byte[length];
                    for (var i = 0; i < length; i++)
                    {
                        text[i] = plain[(i + length) % plain.Length];
                    }

                    if (at >= 0)
                    {
                        text[at] = stop;
                    }

                    var json = (byte[])[(byte)'[', (byte)'"', .. text, (byte)'"', (byte)']'];
                    var fast = new FastTokens(json);
                    Assert.True(fast.Read());
                    var read = fast.Read();
                    if (at >= 0)
                    {
                        Assert.False(read, $"length {length}, stop 0x{stop:x2} at {at}");
                        Assert.True(fast.SteppedAside);
                    }
                    else
                    {
                        Assert.True(read);
                        Assert.Equal(JsonTokenType.String, fast.TokenType);
                        Assert.Equal(text, fast.ValueSpan.ToArray());
                        Assert.True(fast.Read());
                        Assert.Equal(JsonTokenType.EndArray, fast.TokenType);
                    }
                }
            }
        }
    }

    [Fact]
    public void FastTokens_EitherStepsAside_OrReadsTheTokensUtf8JsonReaderReads()
    {
        Gen.Frequency((1, Record), (4, s_damaged)).Sample(text =>
        {
            var json = Encoding.UTF8.GetBytes(text);
            var fast = new FastTokens(json);
            var tokens = new List<(JsonTokenType Type, string Value, long Start)>();
            while (fast.Read())
            {
                tokens.Add((fast.TokenType, Encoding.UTF8.GetString(fast.ValueSpan), fast.TokenStartIndex));
            }

            if (fast.SteppedAside)
            {
                return;
            }

            // Read through: Utf8JsonReader accepts the same text and reads the same tokens.
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            var expected = new List<(JsonTokenType Type, string Value, long Start)>();
            try
            {
                while (reader.Read())
                {
                    expected.Add((reader.TokenType, reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.EndObject or JsonTokenType.EndArray
                        ? Encoding.UTF8.GetString(json.AsSpan((int)reader.TokenStartIndex, 1)) : Encoding.UTF8.GetString(reader.ValueSpan), reader.TokenStartIndex));
                }
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException($"the fast tokeniser read through text Utf8JsonReader refuses ({e.Message}): {text}");
            }

            Assert.Equal(expected, tokens);
        }, iter: HostileRecords.Iterations(20_000));
    }

    [Fact]
    public void Read_WithTheFastTokeniserFirst_IsWhatUtf8JsonReaderAloneMakesOfTheRecord()
    {
        var texts = Gen.Frequency((2, Record.Select(Encoding.UTF8.GetBytes)), (3, s_damaged.Select(Encoding.UTF8.GetBytes)), (2, HostileRecords.RecordBytes));
        Gen.Select(texts, Gen.Bool).Sample(t => AssertSameReading(t.Item1, t.Item2), iter: HostileRecords.Iterations(20_000));
    }

    [Fact]
    public void Read_WithTheFastTokeniserFirst_AgreesAfterAnyOneStructuralByteIsChanged()
    {
        // Every brace, bracket, colon, comma and quote of a well-formed record, in turn, replaced by another: the
        // places where a one-step read could mistake where a value ends.
        byte[] replacements = [(byte)'}', (byte)']', (byte)',', (byte)':', (byte)'"', (byte)'x', (byte)' ', (byte)'{'];
        Gen.Select(Record, Gen.Bool).Sample(t =>
        {
            var (text, scoped) = t;
            var original = Encoding.UTF8.GetBytes(text);
            for (var at = 0; at < original.Length; at++)
            {
                if ("{}[]:,\""u8.IndexOf(original[at]) < 0)
                {
                    continue;
                }

                foreach (var replacement in replacements)
                {
                    if (replacement == original[at])
                    {
                        continue;
                    }

                    var json = (byte[])original.Clone();
                    json[at] = replacement;
                    AssertSameReading(json, scoped);
                }
            }
        }, iter: Math.Max(300, HostileRecords.Iterations(300) / 100)); // about 800 readings a record
    }

    private static void AssertSameReading(byte[] json, bool scoped)
    {
        using var fastOutput = new ByteBuffer(256);
        using var carefulOutput = new ByteBuffer(256);
        var columns = s_contract.Columns.Count;
        var (fastSlices, carefulSlices) = (new int[columns * 2], new int[columns * 2]);
        var (fastUndeclared, carefulUndeclared) = (0, 0);

        // The fast reading as a request's later records meet it: with the attribute order its first reading taught
        // (a record teaches its other image too); whatever a hint holds, the row must be the one read without hints.
        var hints = s_contract.NewColumnHints();
        using (var teach = new ByteBuffer(256))
        {
            var teachUndeclared = 0;
            ChangeRecordReader.Read(json, s_contract, teach, new int[columns * 2], ref teachUndeclared, out _, scoped, hints);
        }

        var fast = ChangeRecordReader.Read(json, s_contract, fastOutput, fastSlices, ref fastUndeclared, out var fastFacts, scoped, hints);
        var carefulFacts = default(ChangeFacts);
        var careful = System.Text.Unicode.Utf8.IsValid(json)
            ? ChangeRecordReader.ReadCarefully(json, s_contract, carefulOutput, carefulSlices, ref carefulUndeclared, out carefulFacts, scoped)
            : ReasonCode.InvalidJson;

        Assert.True(careful == fast, $"fast {fast.ToWire()}, careful {careful.ToWire()}: {Encoding.UTF8.GetString(json)}");
        if (careful == ReasonCode.None)
        {
            Assert.Equal(Encoding.UTF8.GetString(carefulOutput.WrittenSpan), Encoding.UTF8.GetString(fastOutput.WrittenSpan));
            Assert.Equal(carefulSlices, fastSlices);
            Assert.Equal(carefulFacts, fastFacts);
            Assert.Equal(carefulUndeclared, fastUndeclared);
        }
    }
}
