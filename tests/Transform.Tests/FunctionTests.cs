using System.Text;
using System.Text.Json;
using CsCheck;
using DynamoLake.Core.Firehose;

namespace Transform.Tests;

public sealed class FunctionTests
{
    private static string Change(string eventName, string id, long createdMicros, string status = "PENDING", string eventId = "e")
    {
        var image = $$$"""{"transaction_id":{"S":"{{{id}}}"},"timestamp":{"N":"1795426800000"},"customer_id":{"S":"c"},"amount":{"N":"1.00"},"currency":{"S":"USD"},"region":{"S":"us-east-1"},"status":{"S":"{{{status}}}"}}""";
        var images = eventName == "REMOVE" ? $"\"OldImage\":{image}" : $"\"NewImage\":{image}";
        return $$$"""{"eventID":"{{{eventId}}}","eventName":"{{{eventName}}}","recordFormat":"application/json","dynamodb":{"ApproximateCreationDateTime":{{{createdMicros}}},{{{images}}}}}""";
    }

    private static byte[] Request(params string[] changes) => Request(changes.Select(c => (string?)Convert.ToBase64String(Encoding.UTF8.GetBytes(c))).ToArray(), sequences: null);

    private static byte[] Request(string?[] data, long[]? sequences, long[]? subsequences = null)
    {
        var records = data.Select((d, i) => new Dictionary<string, object?>
        {
            ["recordId"] = $"r{i}",
            ["approximateArrivalTimestamp"] = 1795426800000L,
            ["data"] = d,
            ["kinesisRecordMetadata"] = new Dictionary<string, object> { ["sequenceNumber"] = (sequences?[i] ?? 1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), ["subsequenceNumber"] = subsequences?[i] ?? 0 },
        });
        return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["invocationId"] = "inv-1", ["records"] = records });
    }

    [Fact]
    public async Task SameKeyTwice_TheLaterEventTimeWins_RegardlessOfPosition()
    {
        var result = await Harness.Invoke(Request(
            Change("MODIFY", "k", 1795426800000002, "APPROVED"),
            Change("MODIFY", "k", 1795426800000001, "DECLINED")));

        Assert.Equal(["Ok", "Dropped"], result.Results);
        Assert.Equal("APPROVED", result.Row(0).GetProperty("status").GetString());
    }

    [Fact]
    public async Task SameKeySameTime_TheHigherSequenceNumberWins()
    {
        var data = new[] { Change("MODIFY", "k", 5, "A"), Change("MODIFY", "k", 5, "B") }.Select(c => (string?)Convert.ToBase64String(Encoding.UTF8.GetBytes(c))).ToArray();
        var result = await Harness.Invoke(Request(data, sequences: [2000, 999]));

        Assert.Equal(["Ok", "Dropped"], result.Results);
    }

    [Fact]
    public async Task RedeliveredInsert_IsAnUpsert_AndTheDuplicateIsDropped()
    {
        var insert = Change("INSERT", "k", 1795426800000000);
        var result = await Harness.Invoke(Request(insert, insert));

        Assert.Equal(["Dropped", "Ok"], result.Results);
        Assert.Equal("update", result.Operation(1));
    }

    [Fact]
    public async Task ExactMode_MapsInsertToInsert()
    {
        var result = await Harness.Invoke(Request(Change("INSERT", "a", 1), Change("MODIFY", "b", 1), Change("REMOVE", "c", 1)), new TransformSettings { OperationMode = OperationMode.Exact });

        Assert.Equal(new[] { "insert", "update", "delete" }, new[] { result.Operation(0), result.Operation(1), result.Operation(2) });
    }

    [Fact]
    public async Task DestinationNames_ComeFromSettings()
    {
        var result = await Harness.Invoke(Request(Change("INSERT", "a", 1)), new TransformSettings { DatabaseName = "lake_db", TableName = "txns" });
        var otf = result.Records[0].GetProperty("metadata").GetProperty("otfMetadata");

        Assert.Equal("lake_db", otf.GetProperty("destinationDatabaseName").GetString());
        Assert.Equal("txns", otf.GetProperty("destinationTableName").GetString());
    }

    [Fact]
    public async Task ResponseOverTheLimit_FailsThatRecordAndTheRest_AsResponseTooLarge()
    {
        var changes = Enumerable.Range(0, 10).Select(i => Change("INSERT", $"k{i}", 1)).ToArray();
        var settings = new TransformSettings { MaxResponseBytes = 3000 };

        var result = await Harness.Invoke(Request(changes), settings);

        Assert.True(result.Response.Length <= 3000, $"{result.Response.Length} bytes");
        var firstFailed = result.Results.ToList().IndexOf("ProcessingFailed");
        Assert.True(firstFailed > 0, "some rows fit before the limit");
        Assert.All(result.Results.Take(firstFailed), r => Assert.Equal("Ok", r));
        Assert.All(result.Results.Skip(firstFailed), r => Assert.Equal("ProcessingFailed", r));
        Assert.Equal(10 - firstFailed, result.LogLine.GetProperty("failedByReason").GetProperty("response_too_large").GetInt32());
    }

    [Fact]
    public async Task FullSizeRequest_StaysUnderSixMegabytes()
    {
        // ~5.9 MB of inserts whose rows are about as large as the change records themselves.
        var padding = new string('x', 3000);
        var change = (int i) => Change("INSERT", $"k{i}-{padding}", 1);
        var changes = Enumerable.Range(0, 1300).Select(change).ToArray();
        var request = Request(changes);
        Assert.True(request.Length < FirehoseRequest.MaxPayloadBytes);

        var result = await Harness.Invoke(request);

        Assert.True(result.Response.Length <= FirehoseRequest.DefaultMaxResponseBytes, $"{result.Response.Length} bytes");
        Assert.Equal(1300, result.Records.Count);
    }

    [Fact]
    public async Task NotAFirehoseEvent_Throws()
    {
        await Assert.ThrowsAsync<InvalidFirehoseRequestException>(() => Harness.Invoke("""{"Records":[{"eventName":"INSERT"}]}"""u8.ToArray()));
        await Assert.ThrowsAsync<InvalidFirehoseRequestException>(() => Harness.Invoke("not json"u8.ToArray()));
    }

    [Fact]
    public async Task EmptyRequest_GivesAnEmptyResponse()
    {
        var result = await Harness.Invoke("""{"invocationId":"i","records":[]}"""u8.ToArray());

        Assert.Equal("""{"records":[]}""", result.Text);
    }

    [Fact]
    public async Task Logs_CarryIdsCountsAndReasons_NeverValues()
    {
        var secret = "4111-1111-1111-1111";
        var bad = Change("INSERT", secret, 1).Replace("\"N\":\"1.00\"", "\"S\":\"1.00\"", StringComparison.Ordinal);
        var result = await Harness.Invoke(Request(Change("INSERT", secret + "-ok", 1), bad));

        Assert.DoesNotContain(secret, result.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("us-east-1", result.Log, StringComparison.Ordinal);
        var lines = result.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var log = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal(("inv-1", 2, 1, 1), (log.GetProperty("invocationId").GetString(), log.GetProperty("records").GetInt32(), log.GetProperty("ok").GetInt32(), log.GetProperty("failed").GetInt32()));
        Assert.Equal("r1", log.GetProperty("failures")[0].GetProperty("recordId").GetString());
        var emf = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal("DynamoLake", emf.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Namespace").GetString());
        Assert.Equal(1, emf.GetProperty("RecordsFailed").GetInt32());
        Assert.True(emf.GetProperty("MaxLag").GetInt64() > 0);
    }

    [Fact]
    public async Task ArbitraryRecords_EveryRecordIdComesBackOnceInOrder_WithAValidResult()
    {
        var valid = Convert.ToBase64String(Encoding.UTF8.GetBytes(Change("INSERT", "k", 1)));
        var data = Gen.Frequency(
            (3, Gen.Byte.Array[0, 200].Select(b => (string?)Convert.ToBase64String(b))),
            (2, Gen.String.Select(s => (string?)s)),
            (2, Gen.Const((string?)valid)),
            (1, Gen.Const((string?)null)));
        await data.Array[0, 30].SampleAsync(async records =>
        {
            var result = await Harness.Invoke(Request(records, sequences: null));
            var ids = result.Records.Select(r => r.GetProperty("recordId").GetString()).ToList();
            if (!ids.SequenceEqual(records.Select((_, i) => $"r{i}")))
            {
                throw new InvalidOperationException("recordIds differ: " + string.Join(",", ids));
            }

            if (result.Results.Any(r => r is not ("Ok" or "Dropped" or "ProcessingFailed")))
            {
                throw new InvalidOperationException("an invalid result");
            }
        }, iter: 300);
    }

    [Fact]
    public async Task ManyChangesOfManyKeys_ExactlyTheNewestOfEachKeyIsKept()
    {
        // Enough records and keys that keys share hash slots and probe runs; few event times, sequence numbers
        // and subsequences, so that each of them and then the position decide often.
        var change = Gen.Select(Gen.Int[0, 3], Gen.Long[0, 40], Gen.Long[0, 2]);
        var batch = Gen.Int[1, 400].SelectMany(keys => Gen.Select(Gen.Int[0, keys - 1], change).Array[1, 2000]);
        await batch.SampleAsync(async changes =>
        {
            var data = changes.Select(c => (string?)Convert.ToBase64String(Encoding.UTF8.GetBytes(Change("MODIFY", $"k{c.Item1}", c.Item2.Item1)))).ToArray();
            var result = await Harness.Invoke(Request(data, [.. changes.Select(c => c.Item2.Item2)], [.. changes.Select(c => c.Item2.Item3)]));

            var newest = changes.Select((c, i) => (Key: c.Item1, Time: c.Item2.Item1, Sequence: c.Item2.Item2, Subsequence: c.Item2.Item3, Position: i))
                .GroupBy(c => c.Key)
                .Select(g => g.OrderBy(c => c.Time).ThenBy(c => c.Sequence).ThenBy(c => c.Subsequence).ThenBy(c => c.Position).Last().Position)
                .ToHashSet();
            var expected = changes.Select((_, i) => newest.Contains(i) ? "Ok" : "Dropped");
            if (!result.Results.SequenceEqual(expected))
            {
                throw new InvalidOperationException("a change kept or dropped wrongly");
            }
        }, iter: 100);
    }
}
