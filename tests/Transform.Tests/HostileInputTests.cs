using System.Text;
using System.Text.Json;
using DynamoLake.Core.Firehose;

namespace Transform.Tests;

/// <summary>
/// Hostile text through FunctionHandler, the way Lambda calls it: escapes, lone surrogates, invalid UTF-8,
/// duplicate keys, trailing text. A bad record fails alone with a reason code; a damaged envelope is
/// refused as a whole; an Ok row is always valid Unicode JSON.
/// </summary>
public sealed class HostileInputTests
{
    private const string Good = """{"eventID":"g","eventName":"INSERT","tableName":"transactions","dynamodb":{"ApproximateCreationDateTime":1795426800000001,"NewImage":{"transaction_id":{"S":"good"},"timestamp":{"N":"1795426800000"},"customer_id":{"S":"c"},"amount":{"N":"1.00"},"currency":{"S":"USD"},"region":{"S":"us-east-1"},"status":{"S":"PENDING"}}}}""";

    private static string Image(string id = "k", string extra = "", string status = "PENDING") =>
        $$$"""{"transaction_id":{"S":"{{{id}}}"},"timestamp":{"N":"1795426800000"},"customer_id":{"S":"c"},"amount":{"N":"1.00"},"currency":{"S":"USD"},"region":{"S":"us-east-1"},"status":{"S":"{{{status}}}"}{{{extra}}}}""";

    private static string Change(string eventName = "INSERT", string? image = null, string table = "transactions", string identity = "null", string more = "", long micros = 1795426800000000) =>
        $$$"""{"eventID":"e","eventName":"{{{eventName}}}","userIdentity":{{{identity}}},"tableName":"{{{table}}}","dynamodb":{"ApproximateCreationDateTime":{{{micros}}},"{{{(eventName == "REMOVE" ? "OldImage" : "NewImage")}}}":{{{image ?? Image()}}}{{{more}}}}}""";

    private static byte[] Request(params byte[][] records)
    {
        var body = string.Join(",", records.Select((r, i) => $$"""{"recordId":"r{{i}}","approximateArrivalTimestamp":1795426800000,"data":"{{Convert.ToBase64String(r)}}"}"""));
        return Encoding.UTF8.GetBytes($$"""{"invocationId":"inv","records":[{{body}}]}""");
    }

    private static byte[] Request(params string[] records) => Request(records.Select(Encoding.UTF8.GetBytes).ToArray());

    private static async Task<Invocation> Run(byte[] request, TransformSettings? settings = null)
    {
        var result = await Harness.Invoke(request, settings);
        AssertOkRowsAreValidUnicode(result);
        return result;
    }

    /// <summary>Every Ok row reads back with System.Text.Json, every string included (a lone surrogate would throw).</summary>
    private static void AssertOkRowsAreValidUnicode(Invocation result)
    {
        for (var i = 0; i < result.Records.Count; i++)
        {
            if (result.Results[i] != "Ok")
            {
                continue;
            }

            var bytes = Convert.FromBase64String(result.Records[i].GetProperty("data").GetString()!);
            Assert.True(System.Text.Unicode.Utf8.IsValid(bytes));
            using var row = JsonDocument.Parse(bytes);
            Walk(row.RootElement);
        }

        static void Walk(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        Walk(property.Value);
                    }

                    break;
            }
        }
    }

    private static string Reason(Invocation result, int index) =>
        result.LogLine.GetProperty("failures").EnumerateArray().Single(f => f.GetProperty("recordId").GetString() == $"r{index}").GetProperty("reason").GetString()!;

    [Theory]
    [InlineData("attribute name", "\"bad\\ud800name\":{\"S\":\"x\"}")]
    [InlineData("plain string column", "\"payment_method\":{\"S\":\"card\\udc00\"}")]
    [InlineData("partition-key column", null)]
    [InlineData("high surrogate then text", "\"payment_method\":{\"S\":\"\\ud83dx\"}")]
    public async Task LoneSurrogate_FailsThatRecordAlone_AsInvalidJson(string where, string? attribute)
    {
        var hostile = attribute is null
            ? Change(image: Image().Replace("\"us-east-1\"", "\"us-\\udfffeast-1\"", StringComparison.Ordinal))
            : Change(image: Image(extra: "," + attribute));

        var result = await Run(Request(Good, hostile, Good.Replace("\"good\"", "\"good2\"", StringComparison.Ordinal)));

        Assert.True(result.Results.SequenceEqual(["Ok", "ProcessingFailed", "Ok"]), where);
        Assert.Equal("invalid_json", Reason(result, 1));
    }

    [Fact]
    public async Task LoneSurrogateInTheRecordsData_FailsThatRecordAlone()
    {
        var good = Convert.ToBase64String(Encoding.UTF8.GetBytes(Good));
        var other = Convert.ToBase64String(Encoding.UTF8.GetBytes(Good.Replace("\"good\"", "\"other\"", StringComparison.Ordinal)));
        var request = Encoding.UTF8.GetBytes($$"""{"invocationId":"inv","records":[{"recordId":"r0","data":"{{good}}"},{"recordId":"r1","data":"\ud800eyJ"},{"recordId":"r2","data":"{{other}}"}]}""");

        var result = await Run(request);

        Assert.Equal(["Ok", "ProcessingFailed", "Ok"], result.Results);
        Assert.Equal("invalid_base64", Reason(result, 1));
    }

    [Fact]
    public async Task EscapedEventNameAndPrincipal_AreReadByTheirValue()
    {
        var ttl = """{"type":"Service","\u0070rincipalId":"dynamodb.amazonaws.com"}""";

        var result = await Run(Request(
            Change("\\u0049NSERT", Image("a")),
            Change("REMOVE", Image("b"), identity: ttl)));

        Assert.Equal(["Ok", "Ok"], result.Results);
        Assert.Equal("update", result.Operation(0));
        Assert.True(result.Row(1).GetProperty("_ttl_delete").GetBoolean());
    }

    [Fact]
    public async Task EscapedAndPlainSpellingsOfOneKey_AreOneKey_NewestWins()
    {
        var result = await Run(Request(
            Change("MODIFY", Image("k", status: "APPROVED"), micros: 1795426800000002),
            Change("MODIFY", Image("\\u006b", status: "DECLINED"), micros: 1795426800000001)));

        Assert.Equal(["Ok", "Dropped"], result.Results);
        Assert.Equal("k", result.Row(0).GetProperty("transaction_id").GetString());
    }

    [Fact]
    public async Task EscapedStrings_AreWrittenInOneCanonicalForm()
    {
        var result = await Run(Request(Change(image: Image("x", extra: ",\"payment_method\":{\"S\":\"caf\\u00e9 \\/ \\\"q\\\" \\t\"}"))));

        Assert.Equal("Ok", result.Results[0]);
        var row = Encoding.UTF8.GetString(Convert.FromBase64String(result.Records[0].GetProperty("data").GetString()!));
        Assert.Contains("\"payment_method\":\"café / \\\"q\\\" \\t\"", row, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("declared attribute twice", ",\"status\":{\"S\":\"APPROVED\"}")]
    [InlineData("undeclared attribute twice", ",\"extra\":{\"S\":\"a\"},\"extra\":{\"S\":\"b\"}")]
    [InlineData("undeclared attribute twice, once escaped", ",\"extra\":{\"S\":\"a\"},\"\\u0065xtra\":{\"S\":\"b\"}")]
    public async Task RepeatedAttributeName_IsInvalidJson(string what, string extra)
    {
        var result = await Run(Request(Good, Change(image: Image(extra: extra))));

        Assert.True(result.Results.SequenceEqual(["Ok", "ProcessingFailed"]), what);
        Assert.Equal("invalid_json", Reason(result, 1));
    }

    [Fact]
    public async Task RepeatedEnvelopeField_IsInvalidJson()
    {
        var twice = Change().Replace("\"eventName\":\"INSERT\"", "\"eventName\":\"INSERT\",\"eventName\":\"REMOVE\"", StringComparison.Ordinal);

        var result = await Run(Request(Good, twice));

        Assert.Equal("invalid_json", Reason(result, 1));
    }

    [Fact]
    public async Task InvalidUtf8InAnUndeclaredAttributeOrInKeys_IsInvalidJson()
    {
        var bytes = Encoding.UTF8.GetBytes(Change(image: Image(extra: ",\"extra\":{\"S\":\"XX\"}"), more: ",\"Keys\":{\"transaction_id\":{\"S\":\"k\"}}"));
        var at = Encoding.UTF8.GetString(bytes).IndexOf("XX", StringComparison.Ordinal);
        (bytes[at], bytes[at + 1]) = (0xC3, 0x28); // an invalid two-byte sequence
        var keys = Encoding.UTF8.GetBytes(Change(more: ",\"Keys\":{\"transaction_id\":{\"S\":\"kY\"}}"));
        keys[Encoding.UTF8.GetString(keys).IndexOf("kY", StringComparison.Ordinal) + 1] = 0xFF;

        var result = await Run(Request(Encoding.UTF8.GetBytes(Good), bytes, keys));

        Assert.Equal(["Ok", "ProcessingFailed", "ProcessingFailed"], result.Results);
        Assert.Equal("invalid_json", Reason(result, 1));
        Assert.Equal("invalid_json", Reason(result, 2));
    }

    [Theory]
    [InlineData("[{\"eventName\":\"BOGUS\"},{\"eventName\":\"INSERT\"}]", "unknown_shape")]
    [InlineData("[{\"dynamodb\":1},1,2]", "unknown_shape")]
    [InlineData("[{\"eventID\":\"e\",\"eventName\":\"INSERT\",\"dynamodb\":{\"ApproximateCreationDateTime\":1,\"NewImage\":{\"transaction_id\":{\"S\":1}}}},{}]", "unknown_shape")]
    [InlineData("[]", "unknown_shape")]
    [InlineData("{\"eventName\":\"BOGUS\",\"dynamodb\":{}} trailing", "invalid_json")]
    [InlineData("\"text\" more", "invalid_json")]
    [InlineData("{\"eventName\":\"INSERT\",\"dynamodb\":{\"NewImage\":{\"transaction_id\":{\"S\":1}}}}}", "invalid_json")]
    public async Task ReasonCodes_FollowTheDocs(string record, string reason)
    {
        var result = await Run(Request(record));

        Assert.Equal(reason, Reason(result, 0));
    }

    [Fact]
    public async Task RemoveWithoutOldImage_IsADeleteOfTheKey_WhenTheKeyTellsThePartition()
    {
        var keysOnly = """{"eventID":"e","eventName":"REMOVE","tableName":"transactions","dynamodb":{"ApproximateCreationDateTime":1795426800000000,"Keys":{"transaction_id":{"S":"gone"}},"StreamViewType":"KEYS_ONLY"}}""";
        var noKey = """{"eventID":"e","eventName":"REMOVE","dynamodb":{"ApproximateCreationDateTime":1795426800000000,"Keys":{"other":{"S":"x"}}}}""";
        var nothing = """{"eventID":"e","eventName":"REMOVE","dynamodb":{"ApproximateCreationDateTime":1795426800000000}}""";
        var byKey = Harness.WithPartitionSpec("""[{"source":"transaction_id","transform":"bucket[16]","name":"transaction_id_bucket"}]""");

        var result = await Harness.Invoke(Request(keysOnly, noKey, nothing), contract: byKey);
        var dayPartitioned = await Run(Request(keysOnly));

        Assert.Equal(["ProcessingFailed"], dayPartitioned.Results);
        Assert.Equal("unknown_partition", Reason(dayPartitioned, 0));
        Assert.Equal(["Ok", "ProcessingFailed", "ProcessingFailed"], result.Results);
        Assert.Equal("delete", result.Operation(0));
        var row = result.Row(0);
        Assert.Equal("gone", row.GetProperty("transaction_id").GetString());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("amount").ValueKind);
        Assert.Equal("delete", row.GetProperty("_op").GetString());
        Assert.Equal("missing_required_column", Reason(result, 1));
        Assert.Equal("missing_image", Reason(result, 2));
    }

    [Fact]
    public async Task ChangesOfAnotherTableOnASharedStream_AreDroppedAndCounted()
    {
        var streams = """{"eventID":"s","eventName":"INSERT","eventVersion":"1.1","eventSourceARN":"arn:aws:dynamodb:us-east-1:111122223333:table/orders/stream/2026-11-01T00:00:00.000","dynamodb":{"ApproximateCreationDateTime":1795426800,"NewImage":""" + Image("s") + ",\"SequenceNumber\":\"1\"}}";

        var result = await Run(Request(Change(image: Image("a")), Change(image: Image("b"), table: "orders"), streams), new TransformSettings { SourceTableName = "transactions" });

        Assert.Equal(["Ok", "Dropped", "Dropped"], result.Results);
        Assert.Equal(2, result.LogLine.GetProperty("droppedByReason").GetProperty("other_table").GetInt32());
        var emf = JsonDocument.Parse(result.Log.Split('\n')[1]).RootElement;
        Assert.Equal(2, emf.GetProperty("RecordsFromOtherTables").GetInt32());
        Assert.Equal(string.Empty, result.Records[1].GetProperty("data").GetString());

        var unfiltered = await Run(Request(Change(image: Image("a")), Change(image: Image("b"), table: "orders")));
        Assert.Equal(["Ok", "Ok"], unfiltered.Results);
    }

    [Fact]
    public async Task AnotherTablesChange_IsDroppedEvenWhenItsShapeWouldFail_AndNamesAreComparedByValue()
    {
        var otherShape = """{"eventID":"o","eventName":"INSERT","tableName":"orders","dynamodb":{"ApproximateCreationDateTime":1795426800000000,"NewImage":{"order_id":{"S":"1"}}}}""";
        var otherEscaped = Change(image: Image("b"), table: "ord\\u0065rs");
        var oursEscaped = Change(image: Image("c"), table: "transacti\\u006fns");
        var oursBroken = """{"eventID":"x","eventName":"INSERT","tableName":"transactions","dynamodb":{"ApproximateCreationDateTime":1795426800000000,"NewImage":{"transaction_id":{"S":1}}}}""";

        var result = await Run(Request(otherShape, otherEscaped, oursEscaped, oursBroken), new TransformSettings { SourceTableName = "transactions" });

        Assert.Equal(["Dropped", "Dropped", "Ok", "ProcessingFailed"], result.Results);
        Assert.Equal(2, result.LogLine.GetProperty("droppedByReason").GetProperty("other_table").GetInt32());
        Assert.Equal("invalid_attribute_value", Reason(result, 3));
    }

    [Fact]
    public async Task ATimestampThatIsNoDouble_IsAnsweredNotThrown()
    {
        var data = Convert.ToBase64String(Encoding.UTF8.GetBytes(Good));
        var request = Encoding.UTF8.GetBytes($$$"""{"records":[{"recordId":"r0","approximateArrivalTimestamp":1e400,"data":"{{{data}}}","kinesisRecordMetadata":{"subsequenceNumber":-1e999}}]}""");

        var result = await Run(request);

        Assert.Equal(["Ok"], result.Results);
    }

    [Theory]
    [InlineData("recordId with invalid UTF-8", null)]
    [InlineData("recordId with a lone surrogate", """{"records":[{"recordId":"r\udc00","data":"e30="}]}""")]
    [InlineData("invocationId with a lone surrogate", """{"invocationId":"\ud800","records":[]}""")]
    [InlineData("records twice", """{"records":[],"records":[{"recordId":"x","data":"e30="}]}""")]
    [InlineData("records twice, once escaped", """{"records":[],"\u0072ecords":[]}""")]
    [InlineData("recordId twice", """{"records":[{"recordId":"a","recordId":"b","data":"e30="}]}""")]
    [InlineData("data twice", """{"records":[{"recordId":"a","data":"e30=","data":"e30="}]}""")]
    public async Task DamagedEnvelope_IsRefusedWithTheDocumentedException(string what, string? json)
    {
        var request = json is null ? Encoding.UTF8.GetBytes("""{"records":[{"recordId":"rXX","data":"e30="}]}""") : Encoding.UTF8.GetBytes(json);
        if (json is null)
        {
            request[Encoding.UTF8.GetString(request).IndexOf("XX", StringComparison.Ordinal)] = 0xFF;
        }

        var error = await Assert.ThrowsAsync<InvalidFirehoseRequestException>(() => Harness.Invoke(request));

        Assert.StartsWith("Not a Firehose transformation request", error.Message, StringComparison.Ordinal);
        Assert.NotNull(what);
    }

    [Fact]
    public async Task EscapedEnvelopeNames_AreReadByTheirValue()
    {
        var data = Convert.ToBase64String(Encoding.UTF8.GetBytes(Good));
        var request = Encoding.UTF8.GetBytes($$"""{"\u0072ecords":[{"\u0072ecordId":"r0","d\u0061ta":"{{data}}"}]}""");

        var result = await Run(request);

        Assert.Equal(["Ok"], result.Results);
    }

    [Fact]
    public async Task DroppedAndTooLargeRecords_CarryNoData_AndTheLogNoValues()
    {
        var big = Change(image: Image("big", extra: $",\"payment_method\":{{\"S\":\"{new string('v', 4000)}\"}}"));
        var records = Enumerable.Range(0, 40).Select(i => big.Replace("\"big\"", $"\"big{i}\"", StringComparison.Ordinal)).Prepend(Change(image: Image("dup"))).Prepend(Change(image: Image("dup"))).ToArray();

        var result = await Run(Request(records), new TransformSettings { MaxResponseBytes = 60_000 });

        Assert.Equal("Dropped", result.Results[0]);
        Assert.Contains("ProcessingFailed", result.Results);
        for (var i = 0; i < result.Records.Count; i++)
        {
            if (result.Results[i] == "Dropped" || (result.Results[i] == "ProcessingFailed" && Reason(result, i) == "response_too_large"))
            {
                Assert.Equal(string.Empty, result.Records[i].GetProperty("data").GetString());
            }
        }

        Assert.DoesNotContain("vvvv", result.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("big1", result.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("dup", result.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void ResponseBudget_KeepsAMarginBelowLambdasSixMebibytes()
    {
        Assert.Equal(6_000_000, new TransformSettings().MaxResponseBytes);
        Assert.Equal(6_000_000, FirehoseRequest.DefaultMaxResponseBytes);
    }
}
