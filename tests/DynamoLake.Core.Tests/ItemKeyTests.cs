using System.Text.Json;
using DynamoLake.Core.Changes;

namespace DynamoLake.Core.Tests;

/// <summary>The one reader of an item's key in DynamoDB JSON outside the hot path (streams captured, exports, verify).</summary>
public sealed class ItemKeyTests
{
    [Theory]
    // Kinesis Data Streams for DynamoDB form.
    [InlineData("""{"awsRegion":"eu-west-1","tableName":"t","dynamodb":{"Keys":{"id":{"S":"tx-1"}},"NewImage":{"id":{"S":"tx-1"}}}}""", "tx-1")]
    // DynamoDB Streams form (as Pipes and GetRecords give it), a number key kept as its text.
    [InlineData("""{"eventName":"REMOVE","dynamodb":{"Keys":{"id":{"N":"1.50"}}}}""", "1.50")]
    // No such key, or not a key type.
    [InlineData("""{"dynamodb":{"Keys":{"other":{"S":"x"}}}}""", null)]
    [InlineData("""{"dynamodb":{"Keys":{"id":{"B":"AAE="}}}}""", null)]
    [InlineData("""{"dynamodb":{"Keys":{"id":{"S":5}}}}""", null)]
    [InlineData("""{"dynamodb":[]}""", null)]
    [InlineData("""[]""", null)]
    public void OfChangeRecord_ReadsTheKeysAttribute(string record, string? key)
    {
        using var document = JsonDocument.Parse(record);

        Assert.Equal(key, ItemKey.OfChangeRecord(document.RootElement, "id"));
    }
}
