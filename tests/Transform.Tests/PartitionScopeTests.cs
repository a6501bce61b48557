using System.Text;
using System.Text.Json;

namespace Transform.Tests;

/// <summary>
/// Firehose applies an Iceberg delete (and the delete half of an update) only in the partition of the record
/// that carries it; the table is partitioned by day(timestamp). A change that Firehose would apply in the
/// wrong partition fails, with a reason code and a metric, instead of answering Ok.
/// </summary>
public sealed class PartitionScopeTests
{
    private const long Day = 86_400_000;
    private const long Noon = 1795435200000; // 2026-11-24T12:00:00Z

    private static string Image(string id, long timestampMs, string status = "PENDING") =>
        $$$"""{"transaction_id":{"S":"{{{id}}}"},"timestamp":{"N":"{{{timestampMs}}}"},"customer_id":{"S":"c"},"amount":{"N":"1.00"},"currency":{"S":"USD"},"region":{"S":"us-east-1"},"status":{"S":"{{{status}}}"}}""";

    private static string Record(string eventName, string dynamodbBody) =>
        $$$"""{"eventID":"e1","eventName":"{{{eventName}}}","tableName":"transactions","dynamodb":{"ApproximateCreationDateTime":1795435200000000,{{{dynamodbBody}}}}}""";

    [Theory]
    [InlineData(-Day)]
    [InlineData(Day)]
    [InlineData(12 * 3_600_000)] // from noon to the next midnight: another day
    public async Task ModifyThatMovesTheRowToAnotherDay_FailsPartitionMoved(long shift)
    {
        var result = await Harness.Invoke(Harness.Request(Record("MODIFY", $"\"OldImage\":{Image("k", Noon)},\"NewImage\":{Image("k", Noon + shift, "APPROVED")}")));

        Assert.Equal(["ProcessingFailed"], result.Results);
        Assert.Equal(1, result.LogLine.GetProperty("failedByReason").GetProperty("partition_moved").GetInt32());
        Assert.Equal(1, Metrics(result).GetProperty("RecordsPartitionConflicts").GetInt32());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3_600_000)] // an hour later, the same day
    [InlineData(-(12 * 3_600_000))] // to midnight of the same day
    public async Task ModifyWithinTheSameDay_IsOk(long shift)
    {
        var result = await Harness.Invoke(Harness.Request(Record("MODIFY", $"\"NewImage\":{Image("k", Noon + shift, "APPROVED")},\"OldImage\":{Image("k", Noon)}")));

        Assert.Equal(["Ok"], result.Results);
        Assert.Equal(0, Metrics(result).GetProperty("RecordsPartitionConflicts").GetInt32());
    }

    [Fact]
    public async Task RemoveWithOnlyKeys_FailsUnknownPartition_ForTheDayPartitionedTable()
    {
        var result = await Harness.Invoke(Harness.Request(Record("REMOVE", "\"Keys\":{\"transaction_id\":{\"S\":\"k\"}}")));

        Assert.Equal(["ProcessingFailed"], result.Results);
        Assert.Equal(1, result.LogLine.GetProperty("failedByReason").GetProperty("unknown_partition").GetInt32());
        Assert.Equal(1, Metrics(result).GetProperty("RecordsPartitionConflicts").GetInt32());
    }

    [Fact]
    public async Task RemoveWithOldImage_IsAnOkDelete_InTheOldImagesPartition()
    {
        var result = await Harness.Invoke(Harness.Request(Record("REMOVE", $"\"Keys\":{{\"transaction_id\":{{\"S\":\"k\"}}}},\"OldImage\":{Image("k", Noon)}")));

        Assert.Equal(["Ok"], result.Results);
        Assert.Equal("delete", result.Operation(0));
        Assert.Equal(Noon * 1000, result.Row(0).GetProperty("timestamp").GetInt64());
    }

    [Fact]
    public async Task ModifyWithoutOldImage_IsOk_TheContractDeclaresTheTimestampImmutable()
    {
        var result = await Harness.Invoke(Harness.Request(Record("MODIFY", $"\"NewImage\":{Image("k", Noon)}")));

        Assert.Equal(["Ok"], result.Results);
    }

    [Theory]
    [InlineData("OldImage\":{\"status\":{\"S\":\"A\"},\"status\":{\"S\":\"B\"}}", "invalid_json")]
    [InlineData("OldImage\":1.5", "unknown_shape")]
    [InlineData("OldImage\":\"x\"", "unknown_shape")]
    [InlineData("OldImage\":[]", "unknown_shape")]
    [InlineData("OldImage\":null", "unknown_shape")]
    [InlineData("OldImage\":{\"status\":\"PENDING\"}", "invalid_attribute_value")]
    [InlineData("OldImage\":{\"timestamp\":{\"N\":\"1.2.3\"}}", "invalid_value")]
    [InlineData("OldImage\":{\"note\":{\"S\":\"a\"},\"note\":{\"S\":\"b\"}}", "invalid_json")]
    public async Task ADamagedOtherImage_IsRefused(string oldImage, string reason)
    {
        var result = await Harness.Invoke(Harness.Request(Record("MODIFY", $"\"NewImage\":{Image("k", Noon)},\"{oldImage}")));

        Assert.Equal(["ProcessingFailed"], result.Results);
        Assert.Equal(1, result.LogLine.GetProperty("failedByReason").GetProperty(reason).GetInt32());
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("\"x\"")]
    [InlineData("[]")]
    public async Task ARemoveWhoseOldImageIsNotAMap_IsRefused_NotTakenForAKeyOnlyDelete(string oldImage)
    {
        var result = await Harness.Invoke(Harness.Request(Record("REMOVE", $"\"Keys\":{{\"transaction_id\":{{\"S\":\"k\"}}}},\"OldImage\":{oldImage}")));

        Assert.Equal(["ProcessingFailed"], result.Results);
        Assert.Equal(1, result.LogLine.GetProperty("failedByReason").GetProperty("unknown_shape").GetInt32());
    }

    [Theory]
    [InlineData("awsRegion", "\"us-east-1\"")]
    [InlineData("eventSource", "\"aws:dynamodb\"")]
    [InlineData("recordFormat", "\"application/json\"")]
    public async Task AnEnvelopeFieldSaidTwice_IsInvalidJson_EvenOneTheTransformDoesNotRead(string field, string value)
    {
        var record = Record("INSERT", $"\"NewImage\":{Image("k", Noon)}");
        record = $"{{\"{field}\":{value},\"{field}\":{value},{record[1..]}";

        var result = await Harness.Invoke(Harness.Request(record));

        Assert.Equal(1, result.LogLine.GetProperty("failedByReason").GetProperty("invalid_json").GetInt32());
    }

    [Theory]
    [InlineData("SizeBytes", "10")]
    [InlineData("StreamViewType", "\"NEW_AND_OLD_IMAGES\"")]
    public async Task ADynamoDbFieldSaidTwice_IsInvalidJson(string field, string value)
    {
        var result = await Harness.Invoke(Harness.Request(Record("INSERT", $"\"{field}\":{value},\"{field}\":{value},\"NewImage\":{Image("k", Noon)}")));

        Assert.Equal(1, result.LogLine.GetProperty("failedByReason").GetProperty("invalid_json").GetInt32());
    }

    private static JsonElement Metrics(Invocation result) => JsonDocument.Parse(result.Log.Split('\n')[1]).RootElement;
}
