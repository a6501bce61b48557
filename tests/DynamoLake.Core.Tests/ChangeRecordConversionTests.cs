using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Firehose;

namespace DynamoLake.Core.Tests;

public sealed class ChangeRecordConversionTests
{
    private static readonly TableContract s_contract = TableContract.Parse("""
        {
          "table": "t",
          "uniqueKey": ["id"],
          "columns": [
            { "name": "id", "type": "string", "required": true },
            { "name": "amount", "type": "decimal(12,2)" },
            { "name": "big", "type": "decimal(38,0)" },
            { "name": "count", "type": "long" },
            { "name": "small", "type": "int" },
            { "name": "ratio", "type": "double" },
            { "name": "flag", "type": "boolean" },
            { "name": "day", "type": "date" },
            { "name": "at_ms", "type": "timestamptz", "sourceUnit": "milliseconds" },
            { "name": "at_s", "type": "timestamptz", "sourceUnit": "seconds" },
            { "name": "at_iso", "type": "timestamptz", "sourceUnit": "iso8601" },
            { "name": "blob", "type": "binary" },
            { "name": "tags", "type": { "type": "list", "element": "string" } },
            { "name": "scores", "type": { "type": "list", "element": "decimal(5,1)" } },
            { "name": "blobs", "type": { "type": "list", "element": "binary" } },
            { "name": "meta", "type": { "type": "struct", "fields": [
                { "name": "a", "type": "string" },
                { "name": "inner", "type": { "type": "struct", "fields": [ { "name": "n", "type": "int", "required": true } ] } } ] } },
            { "name": "renamed", "type": "string", "source": "OriginalName" },
            { "name": "_op", "type": "string", "required": true, "derived": "operation" },
            { "name": "_event_time", "type": "timestamptz", "required": true, "derived": "event_time" },
            { "name": "_event_id", "type": "string", "required": true, "derived": "event_id" },
            { "name": "_ttl_delete", "type": "boolean", "required": true, "derived": "ttl_delete" }
          ]
        }
        """u8, "test-contract.json");

    private static JsonElement Row(string image, string eventName = "INSERT")
    {
        var (reason, row) = Requests.ConvertOne(s_contract, Requests.KinesisChange(eventName, image));
        Assert.True(reason == ReasonCode.None, $"expected a row, got {reason.ToWire()}");
        return JsonDocument.Parse(row!).RootElement.Clone();
    }

    private static ReasonCode Fails(string image, string eventName = "INSERT") =>
        Requests.ConvertOne(s_contract, Requests.KinesisChange(eventName, image)).Reason;

    [Fact]
    public void Row_HasExactlyTheContractColumnsAsFirstLevelKeys()
    {
        var row = Row("""{"id":{"S":"a"}}""");

        Assert.Equal(
            s_contract.Columns.Columns.Select(c => c.Name).Order(),
            row.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("amount").ValueKind);
    }

    [Theory]
    [InlineData("12.5", "12.50")]
    [InlineData("-0", "0.00")]
    [InlineData("-0.00", "0.00")]
    [InlineData("1E+2", "100.00")]
    [InlineData("1.5e1", "15.00")]
    [InlineData("12300E-4", "1.23")]
    [InlineData("0.10", "0.10")]
    [InlineData("-9999999999.99", "-9999999999.99")]
    [InlineData("000012.30", "12.30")]
    [InlineData("1.2300000000000000000000000000000000E+1", "12.30")]
    public void Decimal_KeepsTheDigitsExactly(string n, string expected)
    {
        var row = Row($$$"""{"id":{"S":"a"},"amount":{"N":"{{{n}}}"}}""");

        Assert.Equal(expected, row.GetProperty("amount").GetRawText());
    }

    [Theory]
    [InlineData("10000000000.00", ReasonCode.Overflow)]
    [InlineData("1E+10", ReasonCode.Overflow)]
    [InlineData("1.005", ReasonCode.InexactNumber)]
    [InlineData("1E-3", ReasonCode.InexactNumber)]
    [InlineData("12345E-4", ReasonCode.InexactNumber)]
    [InlineData("12abc", ReasonCode.InvalidValue)]
    [InlineData("", ReasonCode.InvalidValue)]
    [InlineData("1e", ReasonCode.InvalidValue)]
    public void Decimal_ThatDoesNotFit_IsRefusedNeverRounded(string n, ReasonCode expected) =>
        Assert.Equal(expected, Fails($$$"""{"id":{"S":"a"},"amount":{"N":"{{{n}}}"}}"""));

    [Theory]
    [InlineData("99999999999999999999999999999999999999")]
    [InlineData("-99999999999999999999999999999999999999")]
    [InlineData("12345678901234567890123456789012345678")]
    public void Decimal38_KeepsAll38Digits(string n)
    {
        var row = Row($$$"""{"id":{"S":"a"},"big":{"N":"{{{n}}}"}}""");

        Assert.Equal(n, row.GetProperty("big").GetRawText());
    }

    [Fact]
    public void Decimal38_With39Digits_Overflows() =>
        Assert.Equal(ReasonCode.Overflow, Fails("""{"id":{"S":"a"},"big":{"N":"123456789012345678901234567890123456789"}}"""));

    [Theory]
    [InlineData("long", "9223372036854775807", "9223372036854775807")]
    [InlineData("long", "-9223372036854775808", "-9223372036854775808")]
    [InlineData("long", "1E+3", "1000")]
    [InlineData("int", "2147483647", "2147483647")]
    [InlineData("int", "-2147483648", "-2147483648")]
    public void Integers_AtTheEdges_Convert(string column, string n, string expected)
    {
        var name = column == "long" ? "count" : "small";
        var row = Row($$$"""{"id":{"S":"a"},"{{{name}}}":{"N":"{{{n}}}"}}""");

        Assert.Equal(expected, row.GetProperty(name).GetRawText());
    }

    [Theory]
    [InlineData("count", "9223372036854775808", ReasonCode.Overflow)]
    [InlineData("count", "-9223372036854775809", ReasonCode.Overflow)]
    [InlineData("count", "99999999999999999999999", ReasonCode.Overflow)]
    [InlineData("small", "2147483648", ReasonCode.Overflow)]
    [InlineData("small", "1.5", ReasonCode.InexactNumber)]
    public void Integers_OutOfRange_AreRefused(string name, string n, ReasonCode expected) =>
        Assert.Equal(expected, Fails($$$"""{"id":{"S":"a"},"{{{name}}}":{"N":"{{{n}}}"}}"""));

    [Fact]
    public void IntegerText_ConvertsToExactlyTheValue_ForEveryLengthSignAndLeadingZero()
    {
        // Canonical text that surely fits is copied; anything else is parsed: both must write the value itself.
        var text = Gen.Select(Gen.OneOfConst("", "-", "+"), Gen.OneOfConst("", "0", "00"), Gen.Char["0123456789"].Array[0, 21], Gen.OneOfConst("", "", ".0", ".5", "e1", "E-1"))
            .Select(t => t.Item1 + t.Item2 + new string(t.Item3) + t.Item4);
        var columns = Gen.OneOfConst(("count", 1m, long.MinValue, long.MaxValue), ("small", 1m, int.MinValue, int.MaxValue), ("at_ms", 1000m, long.MinValue, long.MaxValue));
        Gen.Select(text, columns).Sample(t =>
        {
            var (n, (column, scale, min, max)) = t;
            var (reason, row) = Requests.ConvertOne(s_contract, Requests.KinesisChange("INSERT", "{\"id\":{\"S\":\"a\"},\"" + column + "\":{\"N\":\"" + n + "\"}}"));
            var digits = n.TrimStart('-');
            var number = decimal.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed * scale : (decimal?)null;
            if (number is not { } value)
            {
                Assert.NotEqual(ReasonCode.None, reason); // not a number, or past decimal's range (then past a long's too)
            }
            else if (n.StartsWith('+') || digits.Length == 0 || !char.IsAsciiDigit(digits[0]))
            {
                return; // "+1", ".5": what DynamoDB never sends; the claim here is about digits
            }
            else if (value != decimal.Truncate(value))
            {
                Assert.Equal(ReasonCode.InexactNumber, reason);
            }
            else if (value < min || value > max)
            {
                Assert.Equal(ReasonCode.Overflow, reason);
            }
            else
            {
                Assert.True(reason == ReasonCode.None, $"{n} as {column}: {reason.ToWire()}");
                Assert.Equal(((long)value).ToString(CultureInfo.InvariantCulture), JsonDocument.Parse(row!).RootElement.GetProperty(column).GetRawText());
            }
        }, iter: 20_000);
    }

    [Fact]
    public void Timestamps_BecomeEpochMicroseconds()
    {
        var row = Row("""{"id":{"S":"a"},"at_ms":{"N":"1795426800123"},"at_s":{"N":"1795426800.5"},"at_iso":{"S":"2026-11-23T09:40:00.123456Z"}}""");

        Assert.Equal(1795426800123000, row.GetProperty("at_ms").GetInt64());
        Assert.Equal(1795426800500000, row.GetProperty("at_s").GetInt64());
        Assert.Equal(1795426800123456, row.GetProperty("at_iso").GetInt64());
    }

    [Fact]
    public void Timestamp_WithSubMicrosecondDigits_IsRefused() =>
        Assert.Equal(ReasonCode.InexactNumber, Fails("""{"id":{"S":"a"},"at_ms":{"N":"1795426800123.0001"}}"""));

    [Theory]
    [InlineData("2026-02-29")]
    [InlineData("2026-13-01")]
    [InlineData("26-01-01")]
    [InlineData("2026/01/01")]
    public void Date_ThatIsNotACalendarDay_IsInvalid(string day) =>
        Assert.Equal(ReasonCode.InvalidValue, Fails($$$"""{"id":{"S":"a"},"day":{"S":"{{{day}}}"}}"""));

    [Fact]
    public void SetsAndLists_BecomeArrays_BinaryStaysBase64()
    {
        var row = Row("""{"id":{"S":"a"},"tags":{"SS":["x","y"]},"scores":{"NS":["1.5","2"]},"blobs":{"BS":["AAE=","/w=="]},"blob":{"B":"3q2+7w=="}}""");

        Assert.Equal("""["x","y"]""", row.GetProperty("tags").GetRawText());
        Assert.Equal("[1.5,2.0]", row.GetProperty("scores").GetRawText());
        Assert.Equal("""["AAE=","/w=="]""", row.GetProperty("blobs").GetRawText());
        Assert.Equal("3q2+7w==", row.GetProperty("blob").GetString());
    }

    [Fact]
    public void List_OfAttributeValues_ConvertsEachElement()
    {
        var row = Row("""{"id":{"S":"a"},"tags":{"L":[{"S":"x"},{"NULL":true},{"S":"z"}]}}""");

        Assert.Equal("""["x",null,"z"]""", row.GetProperty("tags").GetRawText());
    }

    [Fact]
    public void Struct_IsANestedObject_WithUndeclaredFieldsLeftOut()
    {
        var row = Row("""{"id":{"S":"a"},"meta":{"M":{"extra":{"S":"dropped"},"inner":{"M":{"n":{"N":"7"}}},"a":{"S":"b"}}}}""");

        Assert.Equal("""{"inner":{"n":7},"a":"b"}""", row.GetProperty("meta").GetRawText());
    }

    [Fact]
    public void Struct_MissingARequiredNestedField_Fails() =>
        Assert.Equal(ReasonCode.MissingRequiredColumn, Fails("""{"id":{"S":"a"},"meta":{"M":{"inner":{"M":{}}}}}"""));

    [Fact]
    public void Null_IsNull_ButNotForARequiredColumn()
    {
        Assert.Equal(JsonValueKind.Null, Row("""{"id":{"S":"a"},"flag":{"NULL":true}}""").GetProperty("flag").ValueKind);
        Assert.Equal(ReasonCode.MissingRequiredColumn, Fails("""{"id":{"NULL":true}}"""));
        Assert.Equal(ReasonCode.MissingRequiredColumn, Fails("""{"amount":{"N":"1"}}"""));
    }

    [Theory]
    [InlineData("""{"id":{"S":"a"},"amount":{"S":"12.50"}}""", ReasonCode.TypeMismatch)]
    [InlineData("""{"id":{"S":"a"},"flag":{"S":"true"}}""", ReasonCode.TypeMismatch)]
    [InlineData("""{"id":{"N":"1"}}""", ReasonCode.TypeMismatch)]
    [InlineData("""{"id":{"S":"a"},"meta":{"S":"x"}}""", ReasonCode.TypeMismatch)]
    [InlineData("""{"id":{"S":"a"},"amount":{"N":"1","S":"1"}}""", ReasonCode.InvalidAttributeValue)]
    [InlineData("""{"id":{"S":"a"},"amount":{}}""", ReasonCode.InvalidAttributeValue)]
    [InlineData("""{"id":{"S":"a"},"amount":{"X":"1"}}""", ReasonCode.InvalidAttributeValue)]
    [InlineData("""{"id":{"S":"a"},"amount":"1"}""", ReasonCode.InvalidAttributeValue)]
    [InlineData("""{"id":{"S":"a"},"blob":{"B":"not base64!"}}""", ReasonCode.InvalidValue)]
    [InlineData("""{"id":{"S":"a"},"blob":{"B":"QUJD\nRA=="}}""", ReasonCode.InvalidValue)]
    [InlineData("""{"id":{"S":"a"},"blob":{"B":"QUJD RA=="}}""", ReasonCode.InvalidValue)]
    [InlineData("""{"id":{"S":"a"},"blobs":{"BS":["QUJD\tRA=="]}}""", ReasonCode.InvalidValue)]
    [InlineData("""{"id":{"S":"a"},"id":{"S":"b"}}""", ReasonCode.InvalidJson)]
    public void MalformedValues_FailWithTheirReason(string image, ReasonCode expected) =>
        Assert.Equal(expected, Fails(image));

    [Fact]
    public void ManyUndeclaredAttributes_AreCountedOnce_AndARepeatAmongThemIsInvalidJson()
    {
        var names = string.Concat(Enumerable.Range(0, 20_000).Select(i => $",\"a{i}\":{{\"N\":\"0\"}}"));

        var change = Requests.KinesisChange("INSERT", "{\"id\":{\"S\":\"a\"}" + names + "}");
        using var request = FirehoseRequest.Parse(Requests.Firehose(change));
        using var batch = ChangeBatch.Convert(request, ChangeRoutes.One(s_contract));

        Assert.True(batch.Succeeded(0));
        Assert.Equal(20_000, batch.UndeclaredAttributes);
        Assert.Equal(ReasonCode.InvalidJson, Fails("{\"id\":{\"S\":\"a\"}" + names + ",\"a19999\":{\"N\":\"1\"}}"));
    }

    [Fact]
    public void UndeclaredAttributes_AreLeftOutAndCounted()
    {
        var change = Requests.KinesisChange("INSERT", """{"id":{"S":"a"},"loyalty":{"S":"gold"},"nested":{"M":{"x":{"N":"1"}}}}""");
        using var request = FirehoseRequest.Parse(Requests.Firehose(change));
        using var batch = ChangeBatch.Convert(request, ChangeRoutes.One(s_contract));

        Assert.True(batch.Succeeded(0));
        Assert.Equal(2, batch.UndeclaredAttributes);
        Assert.DoesNotContain("loyalty", Encoding.UTF8.GetString(batch.Row(0)), StringComparison.Ordinal);
    }

    [Fact]
    public void SourceAttribute_FeedsTheRenamedColumn()
    {
        var row = Row("""{"id":{"S":"a"},"OriginalName":{"S":"v"}}""");

        Assert.Equal("v", row.GetProperty("renamed").GetString());
    }

    [Theory]
    [InlineData("plain ascii")]
    [InlineData("é中😀 مرحبا")]
    [InlineData("quote \" backslash \\ slash /")]
    [InlineData("control \u0001\u001f tab\t newline\n")]
    [InlineData("\u2028\u2029")]
    public void Strings_SurviveUnicodeEscapesAndControlCharacters(string value)
    {
        var image = $$$"""{"id":{"S":{{{JsonSerializer.Serialize(value)}}}}}""";

        Assert.Equal(value, Row(image).GetProperty("id").GetString());
    }

    [Fact]
    public void Strings_EscapedAsUnicodeInTheSource_Survive()
    {
        var row = Row("""{"id":{"S":"\u00e9\ud83d\ude00\u0000"}}""");

        Assert.Equal("é😀\0", row.GetProperty("id").GetString());
    }

    [Fact]
    public void Remove_BuildsTheRowFromOldImage_WithDeleteOp()
    {
        var row = Row("""{"id":{"S":"gone"},"amount":{"N":"3"}}""", "REMOVE");

        Assert.Equal("gone", row.GetProperty("id").GetString());
        Assert.Equal("delete", row.GetProperty("_op").GetString());
        Assert.False(row.GetProperty("_ttl_delete").GetBoolean());
    }

    [Theory]
    [InlineData("1795426800", 1795426800000000)]
    [InlineData("1795426800.561", 1795426800561000)]
    [InlineData("1795426800561", 1795426800561000)]
    [InlineData("1795426800561234", 1795426800561234)]
    [InlineData("1795426800.5612345", 1795426800561234)]
    public void EventTime_IsNormalisedFromSecondsMillisecondsOrMicroseconds(string created, long micros)
    {
        var change = """{"eventID":"e","eventName":"INSERT","dynamodb":{"ApproximateCreationDateTime":""" + created + ""","NewImage":{"id":{"S":"a"}}}}""";
        var (reason, row) = Requests.ConvertOne(s_contract, change);

        Assert.Equal(ReasonCode.None, reason);
        Assert.Equal(micros, JsonDocument.Parse(row!).RootElement.GetProperty("_event_time").GetInt64());
    }

    [Fact]
    public void TtlExpiry_ByTheDynamoDbServicePrincipal_IsMarked()
    {
        var change = """{"eventID":"e","eventName":"REMOVE","userIdentity":{"type":"Service","principalId":"dynamodb.amazonaws.com"},"dynamodb":{"ApproximateCreationDateTime":1795426800,"OldImage":{"id":{"S":"a"}}}}""";
        var (_, row) = Requests.ConvertOne(s_contract, change);

        Assert.True(JsonDocument.Parse(row!).RootElement.GetProperty("_ttl_delete").GetBoolean());
    }

    [Fact]
    public void EventNameAfterTheImages_StillPicksTheRightImage()
    {
        var change = """{"dynamodb":{"ApproximateCreationDateTime":1795426800,"NewImage":{"id":{"S":"new"}},"OldImage":{"id":{"S":"old"}}},"eventID":"e","eventName":"REMOVE"}""";
        var (_, row) = Requests.ConvertOne(s_contract, change);

        Assert.Equal("old", JsonDocument.Parse(row!).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public void StreamsRecord_AndPipesArray_AreDetected()
    {
        const string streams = """{"eventID":"e","eventName":"MODIFY","eventVersion":"1.1","eventSource":"aws:dynamodb","dynamodb":{"ApproximateCreationDateTime":1795426800.25,"SequenceNumber":"1000","NewImage":{"id":{"S":"a"}}}}""";
        using var request = FirehoseRequest.Parse(Requests.Firehose(streams, $"[{streams}]", Requests.KinesisChange("INSERT", """{"id":{"S":"b"}}""")));
        using var batch = ChangeBatch.Convert(request, ChangeRoutes.One(s_contract));

        Assert.Equal(ChangeShape.DynamoDbStreams, batch.Shape(0));
        Assert.Equal(ChangeShape.DynamoDbStreams, batch.Shape(1));
        Assert.Equal(ChangeShape.KinesisForDynamoDb, batch.Shape(2));
        Assert.Equal(ChangeOperation.Update, batch.Operation(1));
    }

    [Theory]
    [InlineData("""[]""", ReasonCode.UnknownShape)]
    [InlineData("""[{"eventID":"e","eventName":"INSERT","dynamodb":{"ApproximateCreationDateTime":1,"NewImage":{"id":{"S":"a"}}}},{}]""", ReasonCode.UnknownShape)]
    [InlineData("""{"hello":"world"}""", ReasonCode.UnknownShape)]
    [InlineData("""42""", ReasonCode.UnknownShape)]
    [InlineData("""{"eventID":"e","eventName":"UPSERT","dynamodb":{"ApproximateCreationDateTime":1,"NewImage":{"id":{"S":"a"}}}}""", ReasonCode.UnknownEventName)]
    [InlineData("""{"eventID":"e","dynamodb":{"ApproximateCreationDateTime":1,"NewImage":{"id":{"S":"a"}}}}""", ReasonCode.UnknownEventName)]
    [InlineData("""{"eventID":"e","eventName":"MODIFY","dynamodb":{"ApproximateCreationDateTime":1,"OldImage":{"id":{"S":"a"}}}}""", ReasonCode.MissingImage)]
    [InlineData("""{"eventID":"e","eventName":"INSERT","dynamodb":{"NewImage":{"id":{"S":"a"}}}}""", ReasonCode.MissingEventTime)]
    [InlineData("""{"eventID":"e","eventName":"INSERT","dynamodb":{"ApproximateCreationDateTime":1,"NewImage":{"id":{"S":"a"}}}} trailing""", ReasonCode.InvalidJson)]
    [InlineData("""{"eventID":"e","eventName":"INSERT","dynamodb":{"ApproximateCreationDateTime":1,"NewImage":{"id":{"S":"a"}}""", ReasonCode.InvalidJson)]
    public void ChangeRecordsOfNoKnownShape_FailWithTheirReason(string change, ReasonCode expected) =>
        Assert.Equal(expected, Requests.ConvertOne(s_contract, change).Reason);
}
