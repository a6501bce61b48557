using System.Text.Json;

namespace Transform.Tests;

/// <summary>The sample events in events/ against their expected responses, and what those responses mean.</summary>
public sealed class SampleEventTests
{
    public static TheoryData<string> Events() =>
        new(DynamoLake.Testing.SampleEvents.FirehoseEventNames());

    [Theory]
    [MemberData(nameof(Events))]
    public async Task SampleEvent_GivesItsExpectedResponse(string name)
    {
        var result = await Harness.InvokeEvent(name);
        var expected = JsonDocument.Parse(await File.ReadAllBytesAsync(Harness.ExpectedPath(name))).RootElement;

        Assert.Equal(expected.GetRawText(), result.Json.GetRawText());
    }

    [Theory]
    [MemberData(nameof(Events))]
    public async Task SampleEvent_AnswersEveryRecordIdOnceInOrder(string name)
    {
        var request = JsonDocument.Parse(await File.ReadAllBytesAsync(Harness.EventPath(name))).RootElement;
        var result = await Harness.InvokeEvent(name);

        Assert.Equal(
            request.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("recordId").GetString()),
            result.Records.Select(r => r.GetProperty("recordId").GetString()));
    }

    [Fact]
    public async Task Insert_BecomesAnUpsertRowWithExactValues()
    {
        var result = await Harness.InvokeEvent("kinesis-insert");
        var row = result.Row(0);

        Assert.Equal(["Ok"], result.Results);
        Assert.Equal("update", result.Operation(0));
        Assert.Equal("1234.50", row.GetProperty("amount").GetRawText());
        Assert.Equal(1795426800001000, row.GetProperty("timestamp").GetInt64());
        Assert.Equal("2026-11-23", row.GetProperty("date").GetString());
        Assert.Equal("m-00042", row.GetProperty("transaction_metadata").GetProperty("merchant_id").GetString());
        Assert.Equal("insert", row.GetProperty("_op").GetString());
        Assert.Equal(1795426800150000, row.GetProperty("_event_time").GetInt64());
        var otf = result.Records[0].GetProperty("metadata").GetProperty("otfMetadata");
        Assert.Equal(("analytics", "transactions"), (otf.GetProperty("destinationDatabaseName").GetString(), otf.GetProperty("destinationTableName").GetString()));
    }

    [Fact]
    public async Task Modify_TakesTheNewImage()
    {
        var result = await Harness.InvokeEvent("kinesis-modify");

        Assert.Equal("update", result.Operation(0));
        Assert.Equal("APPROVED", result.Row(0).GetProperty("status").GetString());
        Assert.Equal("update", result.Row(0).GetProperty("_op").GetString());
    }

    [Fact]
    public async Task Remove_EmitsDeleteFromOldImage()
    {
        var result = await Harness.InvokeEvent("kinesis-remove");

        Assert.Equal("delete", result.Operation(0));
        Assert.Equal("txn-00000001", result.Row(0).GetProperty("transaction_id").GetString());
        Assert.Equal("APPROVED", result.Row(0).GetProperty("status").GetString());
        Assert.False(result.Row(0).GetProperty("_ttl_delete").GetBoolean());
    }

    [Fact]
    public async Task TtlExpiry_EmitsDeleteMarkedAsTtl()
    {
        var result = await Harness.InvokeEvent("kinesis-ttl-delete");

        Assert.Equal("delete", result.Operation(0));
        Assert.True(result.Row(0).GetProperty("_ttl_delete").GetBoolean());
        Assert.Equal(1795426000000000, result.Row(0).GetProperty("expires_at").GetInt64());
    }

    [Fact]
    public async Task MixedBatch_OnlyTheNewestChangeOfAKeyIsOk()
    {
        var result = await Harness.InvokeEvent("kinesis-mixed-batch");

        // txn-10: INSERT, MODIFY, REMOVE in one request → the REMOVE alone is delivered.
        Assert.Equal(["Dropped", "Ok", "Dropped", "Ok", "Ok", "Ok"], result.Results);
        Assert.Equal("delete", result.Operation(5));
        Assert.Equal("txn-00000010", result.Row(5).GetProperty("transaction_id").GetString());
        Assert.Equal("-25.00", result.Row(1).GetProperty("amount").GetRawText());
        Assert.Equal("150.00", result.Row(3).GetProperty("amount").GetRawText());
        Assert.Equal("cust-é中😀-\"q\"\\\t", result.Row(3).GetProperty("customer_id").GetString());
        Assert.Equal(1, result.LogLine.GetProperty("undeclaredAttributes").GetInt32());
    }

    [Fact]
    public async Task MalformedBatch_EachBadRecordFailsWithItsReason_TheGoodOneSucceeds()
    {
        var result = await Harness.InvokeEvent("kinesis-malformed-batch");
        var request = JsonDocument.Parse(await File.ReadAllBytesAsync(Harness.EventPath("kinesis-malformed-batch"))).RootElement.GetProperty("records").EnumerateArray().ToList();

        Assert.Equal([.. Enumerable.Repeat("ProcessingFailed", 10), "Ok"], result.Results);
        var failures = result.LogLine.GetProperty("failures").EnumerateArray().Select(f => f.GetProperty("reason").GetString()).ToList();
        Assert.Equal(
            ["invalid_base64", "invalid_json", "unknown_event_name", "missing_image", "missing_required_column", "type_mismatch", "overflow", "inexact_number", "overflow", "missing_data"],
            failures);

        // A failed record carries its original data, so the error output holds it as it arrived.
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(request[i].GetProperty("data").GetString(), result.Records[i].GetProperty("data").GetString());
        }
    }

    [Fact]
    public async Task PipesStreamsRecords_UseSecondsAndTheSequenceNumber()
    {
        var result = await Harness.InvokeEvent("pipes-modify");

        Assert.Equal(["Ok", "Ok"], result.Results);
        Assert.Equal(1795426860561000, result.Row(0).GetProperty("_event_time").GetInt64());
        Assert.Equal(2, result.LogLine.GetProperty("shapes").GetProperty("streams").GetInt32());
    }
}
