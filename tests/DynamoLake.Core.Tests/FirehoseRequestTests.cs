using System.Text;
using CsCheck;
using DynamoLake.Core.Buffers;
using DynamoLake.Core.Firehose;

namespace DynamoLake.Core.Tests;

public sealed class FirehoseRequestTests
{
    [Fact]
    public void Request_AcceptsTimestampsAndSubsequenceAsNumbersOrStrings()
    {
        const string json = """
            {"invocationId":"inv","deliveryStreamArn":"arn:d","sourceKinesisStreamArn":"arn:k","region":"eu-west-1","records":[
              {"recordId":"a","approximateArrivalTimestamp":1795426800000,"data":"e30=","kinesisRecordMetadata":{"sequenceNumber":"123","subsequenceNumber":2,"approximateArrivalTimestamp":1795426800000}},
              {"recordId":"b","approximateArrivalTimestamp":"1795426800001","data":"e30=","kinesisRecordMetadata":{"sequenceNumber":"124","subsequenceNumber":"","approximateArrivalTimestamp":"1795426800001"}},
              {"recordId":"c","approximateArrivalTimestamp":1.795426800002E12,"data":"e30=","kinesisRecordMetadata":{"sequenceNumber":"125","subsequenceNumber":"7"}}
            ]}
            """;
        using var request = FirehoseRequest.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal(("inv", "arn:d", "arn:k", "eu-west-1"), (request.InvocationId, request.DeliveryStreamArn, request.SourceKinesisStreamArn, request.Region));
        Assert.Equal(3, request.Count);
        Assert.Equal(["a", "b", "c"], Enumerable.Range(0, 3).Select(request.RecordId));
        Assert.Equal([1795426800000, 1795426800001, 1795426800002], Enumerable.Range(0, 3).Select(i => request[i].ArrivalMilliseconds));
        Assert.Equal([2L, 0L, 7L], Enumerable.Range(0, 3).Select(i => request[i].Subsequence));
        Assert.Equal("124", Encoding.UTF8.GetString(request.KinesisSequence(1)));
    }

    [Theory]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{\"invocationId\":\"x\"}", "no \"records\" array")]
    [InlineData("{\"records\":{}}", "not an array")]
    [InlineData("{\"records\":[{\"data\":\"e30=\"}]}", "has no recordId")]
    [InlineData("{\"records\":[1]}", "not an object")]
    [InlineData("{\"records\":[", "malformed")]
    [InlineData("", "malformed")]
    public void NotAFirehoseRequest_Throws(string json, string problem)
    {
        var error = Assert.Throws<InvalidFirehoseRequestException>(() => FirehoseRequest.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_ReadsANonSeekableStream()
    {
        var bytes = Requests.FirehoseFromData("e30=", "e30=");
        using var request = await FirehoseRequest.ReadAsync(new NonSeekable(bytes), CancellationToken.None);

        Assert.Equal(2, request.Count);
        Assert.Equal(bytes.Length, request.Length);
    }

    [Fact]
    public void ResponseWriter_WhenTheBudgetRunsOut_RefusesTheEntryButKeepsRoomForTheRest()
    {
        using var request = FirehoseRequest.Parse(Requests.FirehoseFromData("e30=", "e30=", "e30="));
        using var output = new ByteBuffer();
        var writer = new FirehoseResponseWriter(output, request, maxBytes: 260);

        Assert.True(writer.TryWriteOk("{}"u8, []));
        Assert.False(writer.TryWriteOk(new byte[200], []));
        writer.WriteTooLarge();
        writer.WriteTooLarge();
        writer.Complete();

        Assert.True(output.Length <= 260, $"{output.Length} bytes");
        using var json = System.Text.Json.JsonDocument.Parse(output.WrittenMemory);
        Assert.Equal(["Ok", "ProcessingFailed", "ProcessingFailed"], json.RootElement.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("result").GetString()));
    }

    [Fact]
    public void ResponseWriter_ALine_IsThePayloadAndANewline_AtEveryLength()
    {
        var lengths = Enumerable.Range(0, 10).Concat([1000, 1001, 1002]).ToArray();
        using var request = FirehoseRequest.Parse(Requests.FirehoseFromData(lengths.Select(_ => "e30=").ToArray()));
        using var output = new ByteBuffer();
        var writer = new FirehoseResponseWriter(output, request);
        var payloads = lengths.Select(n => Enumerable.Range(0, n).Select(i => (byte)('a' + (i % 26))).ToArray()).ToArray();
        foreach (var payload in payloads)
        {
            Assert.True(writer.TryWriteOk(payload, [], line: true));
        }

        writer.Complete();
        using var json = System.Text.Json.JsonDocument.Parse(output.WrittenMemory);
        var data = json.RootElement.GetProperty("records").EnumerateArray().Select(r => Convert.FromBase64String(r.GetProperty("data").GetString()!)).ToArray();
        Assert.Equal(payloads.Select(p => (byte[])[.. p, (byte)'\n']), data);
    }

    [Fact]
    public void ResponseWriter_ALine_IsTheBase64OfThePayloadAndANewline_ForAnyBytes()
    {
        // Any byte values at any length: the last group's bits, not only letters'.
        Gen.Byte.Array[0, 40].Array[1, 12].Sample(payloads =>
        {
            using var request = FirehoseRequest.Parse(Requests.FirehoseFromData(payloads.Select(_ => "e30=").ToArray()));
            using var output = new ByteBuffer();
            var writer = new FirehoseResponseWriter(output, request);
            foreach (var payload in payloads)
            {
                Assert.True(writer.TryWriteOk(payload, [], line: true));
            }

            writer.Complete();
            using var json = System.Text.Json.JsonDocument.Parse(output.WrittenMemory);
            var data = json.RootElement.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("data").GetString()).ToArray();
            return data.SequenceEqual(payloads.Select(p => Convert.ToBase64String([.. p, (byte)'\n'])));
        }, iter: 1000);
    }

    [Fact]
    public void ResponseWriter_ALine_CountsItsNewlineAgainstTheBudget()
    {
        // Three bytes are four of base64; with the newline, eight: a budget that forgot the newline would overshoot.
        using var request = FirehoseRequest.Parse(Requests.FirehoseFromData("e30=", "e30=", "e30="));
        var tried = 0;
        for (var budget = 150; budget <= 400; budget++)
        {
            using var output = new ByteBuffer();
            FirehoseResponseWriter writer;
            try
            {
                writer = new FirehoseResponseWriter(output, request, maxBytes: budget);
            }
            catch (InvalidFirehoseRequestException)
            {
                continue; // not even the smallest answers fit
            }

            tried++;
            var refused = false;
            for (var i = 0; i < 3; i++)
            {
                if (refused || !writer.TryWriteOk("abc"u8, "{\"k\":1}"u8, line: true))
                {
                    refused = true;
                    writer.WriteTooLarge();
                }
            }

            writer.Complete();
            Assert.True(output.Length <= budget, $"{output.Length} bytes against a budget of {budget}");
        }

        Assert.True(tried > 100, $"only {tried} budgets could be tried");
    }

    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
