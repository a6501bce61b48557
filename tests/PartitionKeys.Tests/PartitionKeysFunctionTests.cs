using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using DynamoLake.Core.Changes;
using DynamoLake.Testing;

namespace PartitionKeys.Tests;

public sealed class PartitionKeysFunctionTests
{
    public static TheoryData<string> Events() => new(Harness.EventNames());

    [Theory]
    [MemberData(nameof(Events))]
    public async Task SampleEvent_GivesItsExpectedResponse(string name)
    {
        var (response, _) = await Harness.Invoke(await File.ReadAllBytesAsync(Harness.EventPath(name)));
        var expected = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(RepoPaths.Root, "events", "expected", "partition-keys", name + ".response.json"))).RootElement;

        Assert.Equal(expected.GetRawText(), response.GetRawText());
    }

    [Theory]
    [MemberData(nameof(Events))]
    public async Task SampleEvent_EveryOkRecordIsOneJsonLine_WithKeysFromItsOwnRow(string name)
    {
        var request = JsonDocument.Parse(await File.ReadAllBytesAsync(Harness.EventPath(name))).RootElement.GetProperty("records").EnumerateArray().ToList();
        var (response, _) = await Harness.Invoke(await File.ReadAllBytesAsync(Harness.EventPath(name)));
        var records = response.GetProperty("records").EnumerateArray().ToList();

        Assert.Equal(request.Select(r => r.GetProperty("recordId").GetString()), records.Select(r => r.GetProperty("recordId").GetString()));
        foreach (var record in records.Where(r => r.GetProperty("result").GetString() == "Ok"))
        {
            var line = Harness.Data(record);
            Assert.EndsWith("\n", line, StringComparison.Ordinal);
            Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            var row = JsonDocument.Parse(line).RootElement;
            var keys = record.GetProperty("metadata").GetProperty("partitionKeys");
            var time = DateTimeOffset.UnixEpoch.AddTicks(row.GetProperty("timestamp").GetInt64() * 10).UtcDateTime;
            Assert.Equal(["region", "year", "month", "day", "hour"], keys.EnumerateObject().Select(p => p.Name));
            Assert.Equal(row.GetProperty("region").GetString(), keys.GetProperty("region").GetString());
            Assert.Equal(time.ToString("yyyy", System.Globalization.CultureInfo.InvariantCulture), keys.GetProperty("year").GetString());
            Assert.Equal(time.ToString("MM", System.Globalization.CultureInfo.InvariantCulture), keys.GetProperty("month").GetString());
            Assert.Equal(time.ToString("dd", System.Globalization.CultureInfo.InvariantCulture), keys.GetProperty("day").GetString());
            Assert.Equal(time.ToString("HH", System.Globalization.CultureInfo.InvariantCulture), keys.GetProperty("hour").GetString());
        }
    }

    [Fact]
    public async Task MixedBatch_KeepsEveryChange_RemoveIsADeleteRow()
    {
        var (response, _) = await Harness.Invoke(await File.ReadAllBytesAsync(Harness.EventPath("kinesis-mixed-batch")));
        var records = response.GetProperty("records").EnumerateArray().ToList();

        Assert.All(records, r => Assert.Equal("Ok", r.GetProperty("result").GetString()));
        Assert.Equal(["insert", "insert", "update", "insert", "delete", "delete"], records.Select(r => JsonDocument.Parse(Harness.Data(r)).RootElement.GetProperty("_op").GetString()));
        Assert.All(records, r => Assert.False(r.GetProperty("metadata").TryGetProperty("otfMetadata", out _)));
    }

    private static string Change(string region, long timestampMs, long createdMicros = 1795426800000000, string customer = """{"S":"c"}""") =>
        "{\"eventID\":\"e\",\"eventName\":\"INSERT\",\"dynamodb\":{\"ApproximateCreationDateTime\":" + createdMicros
        + ",\"NewImage\":{\"transaction_id\":{\"S\":\"k\"},\"timestamp\":{\"N\":\"" + timestampMs
        + "\"},\"customer_id\":" + customer + ",\"amount\":{\"N\":\"1\"},\"currency\":{\"S\":\"USD\"},\"region\":" + region
        + ",\"status\":{\"S\":\"PENDING\"}}}}";

    private static byte[] Request(params string[] changes) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        invocationId = "inv",
        records = changes.Select((c, i) => new { recordId = $"r{i}", approximateArrivalTimestamp = 0, data = Convert.ToBase64String(Encoding.UTF8.GetBytes(c)) }),
    });

    private static async Task<JsonElement> First(string change, PartitionKeysSettings? settings = null)
    {
        var (response, _) = await Harness.Invoke(Request(change), settings);
        return response.GetProperty("records")[0];
    }

    [Theory]
    [InlineData("""{"S":"eu/west=1"}""", "eu%2Fwest%3D1")]
    [InlineData("""{"S":"tab\there"}""", "tab%09here")]
    [InlineData("""{"S":"100%"}""", "100%25")]
    [InlineData("""{"S":"sa\u00e3o"}""", "saão")]
    [InlineData("""{"S":"..\\x"}""", "..%5Cx")]
    public async Task UnsafeCharacters_AreEscapedHiveStyle(string value, string expected)
    {
        // customer_id declares no values, so any value is a partition (region declares its values).
        var record = await First(Change("""{"S":"us-east-1"}""", 1795426800000, customer: value), Harness.Settings("customer_id,year"));

        Assert.Equal("Ok", record.GetProperty("result").GetString());
        Assert.Equal(expected, record.GetProperty("metadata").GetProperty("partitionKeys").GetProperty("customer_id").GetString());
    }

    [Theory]
    [InlineData("""{"S":"mars-north-1"}""")]
    [InlineData("""{"S":"US-EAST-1"}""")]
    [InlineData("""{"S":"us-east-1 "}""")]
    public async Task KeyValueOutsideTheContractsDeclaredValues_IsInvalidPartitionValue_BecauseAthenaProjectsOnlyThose(string region)
    {
        var (response, log) = await Harness.Invoke(Request(Change(region, 1795426800000), Change("""{"S":"eu-west-2"}""", 1795426800000)));

        Assert.Equal(["ProcessingFailed", "Ok"], response.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("result").GetString()));
        Assert.Contains("\"invalid_partition_value\":1", log, StringComparison.Ordinal);
        Assert.Contains(Harness.Contract.Columns.Find("region")!.Values!, v => v == "eu-west-2");
    }

    [Theory]
    [InlineData("region")]
    [InlineData("merchant_category")] // optional in the contract, absent from this item: null in the row
    public async Task EmptyOrNullKeyValue_IsMissingPartitionValue(string key)
    {
        var (response, log) = await Harness.Invoke(Request(Change("""{"S":""}""", 1795426800000)), Harness.Settings(key + ",year"));

        Assert.Equal("ProcessingFailed", response.GetProperty("records")[0].GetProperty("result").GetString());
        Assert.Contains("\"missing_partition_value\":1", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverlongKeyValue_IsInvalidPartitionValue()
    {
        var (_, log) = await Harness.Invoke(Request(Change("""{"S":"us-east-1"}""", 1795426800000, customer: $$$"""{"S":"{{{new string('/', 200)}}}"}""")), Harness.Settings("customer_id,year"));

        Assert.Contains("\"invalid_partition_value\":1", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoveWithoutOldImage_NeedsEventTimePartitioning_OtherwiseFailsToTheErrorOutput()
    {
        const string keysOnly = """{"eventID":"e","eventName":"REMOVE","dynamodb":{"ApproximateCreationDateTime":1795426800000000,"Keys":{"transaction_id":{"S":"gone"}}}}""";

        // The default keys need the row's region and transaction time, which a key-only delete does not carry.
        var (byRow, log) = await Harness.Invoke(Request(keysOnly));
        Assert.Equal("ProcessingFailed", byRow.GetProperty("records")[0].GetProperty("result").GetString());
        Assert.Contains("\"missing_partition_value\":1", log, StringComparison.Ordinal);

        // Partitioned by change time, the delete row is kept in the change log.
        var (byEventTime, _) = await Harness.Invoke(Request(keysOnly), Harness.Settings("year,month,day,hour", "_event_time"));
        var record = byEventTime.GetProperty("records")[0];
        Assert.Equal("Ok", record.GetProperty("result").GetString());
        var row = JsonDocument.Parse(Harness.Data(record)).RootElement;
        Assert.Equal(("gone", "delete"), (row.GetProperty("transaction_id").GetString(), row.GetProperty("_op").GetString()));
    }

    [Fact]
    public async Task Logs_CarryNoRecordValues()
    {
        var secret = Change("""{"S":"us-east-1"}""", 1795426800000, customer: """{"S":"CUSTOMER-SECRET-42"}""");
        var bad = Change("""{"S":"mars-north-1"}""", 1795426800000, customer: """{"S":"CUSTOMER-SECRET-43"}""");

        var (response, log) = await Harness.Invoke(Request(secret, bad));

        Assert.Equal(["Ok", "ProcessingFailed"], response.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("result").GetString()));
        Assert.DoesNotContain("CUSTOMER-SECRET", log, StringComparison.Ordinal);
        Assert.DoesNotContain("mars-north-1", log, StringComparison.Ordinal);
        Assert.DoesNotContain("us-east-1", log, StringComparison.Ordinal);
        Assert.Contains("\"invalid_partition_value\":1", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DateParts_AreUtcAndZeroPadded()
    {
        // 0999-03-04T05:06:07Z: every part padded, the year to four digits.
        var ms = (long)(new DateTime(999, 3, 4, 5, 6, 7, DateTimeKind.Utc) - DateTime.UnixEpoch).TotalMilliseconds;
        var keys = (await First(Change("""{"S":"us-east-1"}""", ms))).GetProperty("metadata").GetProperty("partitionKeys");

        Assert.Equal(("0999", "03", "04", "05"), (keys.GetProperty("year").GetString(), keys.GetProperty("month").GetString(), keys.GetProperty("day").GetString(), keys.GetProperty("hour").GetString()));
    }

    [Fact]
    public async Task KeysAndTimeColumn_ComeFromSettings()
    {
        var settings = Harness.Settings("year,month,status", "_event_time");
        var keys = (await First(Change("""{"S":"us-east-1"}""", 1795426800000, createdMicros: 1767225600000000), settings)).GetProperty("metadata").GetProperty("partitionKeys");

        Assert.Equal(["year", "month", "status"], keys.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("2026", "01", "PENDING"), (keys.GetProperty("year").GetString(), keys.GetProperty("month").GetString(), keys.GetProperty("status").GetString()));
        Assert.Equal("year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/status_partition=!{partitionKeyFromLambda:status}/", settings.S3Prefix(string.Empty));
    }

    [Theory]
    [InlineData("region,nope", null, "PARTITION_KEYS names \"nope\"")]
    [InlineData("region,transaction_metadata", null, "primitive")]
    [InlineData("year,year", null, "twice")]
    [InlineData("Region", null, "lowercase")]
    [InlineData(null, "amount", "must be a timestamp column")]
    [InlineData(null, "nope", "does not declare")]
    public void BadSettings_FailNamingTheVariable(string? keys, string? timeColumn, string problem)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Harness.Settings(keys, timeColumn));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArbitraryRecords_EveryRecordIdOnceInOrder_KeysAgreeWithTheRow()
    {
        var gen = Gen.Frequency(
            (3, Gen.Select(Gen.OneOfConst([.. Harness.Contract.Columns.Find("region")!.Values!]), Gen.Long[-30610224000000, 253402300799999]).Select(t => Change(JsonSerializer.Serialize(new { S = t.Item1 }), t.Item2))),
            (1, Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 12], Gen.Long[-30610224000000, 253402300799999]).Select(t => Change(JsonSerializer.Serialize(new { S = t.Item1 }), t.Item2))),
            (1, Gen.String.Select(s => s)));
        await gen.Array[1, 20].SampleAsync(async changes =>
        {
            var (response, _) = await Harness.Invoke(Request(changes));
            var records = response.GetProperty("records").EnumerateArray().ToList();
            if (!records.Select(r => r.GetProperty("recordId").GetString()).SequenceEqual(changes.Select((_, i) => $"r{i}")))
            {
                throw new InvalidOperationException("recordIds differ");
            }

            foreach (var record in records.Where(r => r.GetProperty("result").GetString() == "Ok"))
            {
                var row = JsonDocument.Parse(Harness.Data(record)).RootElement;
                var keys = record.GetProperty("metadata").GetProperty("partitionKeys");
                var time = DateTime.UnixEpoch.AddTicks(row.GetProperty("timestamp").GetInt64() * 10);
                var expected = $"{time.Year:D4}/{time.Month:D2}/{time.Day:D2}/{time.Hour:D2}";
                var actual = $"{keys.GetProperty("year").GetString()}/{keys.GetProperty("month").GetString()}/{keys.GetProperty("day").GetString()}/{keys.GetProperty("hour").GetString()}";
                if (expected != actual || keys.GetProperty("region").GetString() != row.GetProperty("region").GetString())
                {
                    throw new InvalidOperationException($"keys {actual} disagree with the row's time {expected}");
                }
            }
        }, iter: 200);
    }

    [Fact]
    public async Task TimeKeys_AreEachChangesOwnHour_AcrossHourBoundariesInAnyOrder()
    {
        // Changes a few microseconds and a few hours either side of one request's hour boundaries, in any order:
        // every record's keys are checked against its own instant.
        const long Hour = 3_600_000_000;
        var near = Gen.Select(Gen.Int[-3, 3], Gen.OneOf(Gen.Long[-2, 2], Gen.Long[0, Hour - 1]));
        var batch = Gen.Select(Gen.Long[100_000_000_000_000 / Hour, 253_402_300_799_999_999 / Hour], near.Array[1, 40])
            .Select((hour, changes) => changes.Select(c => Math.Clamp(((hour + c.Item1) * Hour) + c.Item2, 100_000_000_000_000, 253_402_300_799_999_999)).ToArray());
        await batch.SampleAsync(async micros =>
        {
            var (response, _) = await Harness.Invoke(Request([.. micros.Select(m => Change("""{"S":"us-east-1"}""", 1795426800000, createdMicros: m))]), Harness.Settings("year,month,day,hour", "_event_time"));
            var records = response.GetProperty("records").EnumerateArray().ToList();
            for (var i = 0; i < micros.Length; i++)
            {
                var at = DateTime.UnixEpoch.AddTicks(micros[i] * 10);
                var keys = records[i].GetProperty("metadata").GetProperty("partitionKeys");
                var expected = (at.Year.ToString("D4", CultureInfo.InvariantCulture), at.Month.ToString("D2", CultureInfo.InvariantCulture), at.Day.ToString("D2", CultureInfo.InvariantCulture), at.Hour.ToString("D2", CultureInfo.InvariantCulture));
                if ((keys.GetProperty("year").GetString(), keys.GetProperty("month").GetString(), keys.GetProperty("day").GetString(), keys.GetProperty("hour").GetString()) != expected)
                {
                    throw new InvalidOperationException($"record {i}: keys for another hour than {expected}");
                }
            }
        }, iter: 200);
    }
}
