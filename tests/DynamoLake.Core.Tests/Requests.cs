using System.Text;
using System.Text.Json;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Firehose;

namespace DynamoLake.Core.Tests;

/// <summary>Builds Firehose requests around change records and converts them through the public path.</summary>
internal static class Requests
{
    public static byte[] Firehose(params string[] changeRecords) =>
        FirehoseFromData(changeRecords.Select(c => Convert.ToBase64String(Encoding.UTF8.GetBytes(c))).ToArray());

    public static byte[] FirehoseFromData(params string?[] data)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("invocationId", "test-invocation");
            json.WriteString("deliveryStreamArn", "arn:aws:firehose:us-east-1:123456789012:deliverystream/test");
            json.WriteStartArray("records");
            for (var i = 0; i < data.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("recordId", $"record-{i:D4}");
                json.WriteNumber("approximateArrivalTimestamp", 1795426800000 + i);
                if (data[i] is { } d)
                {
                    json.WriteString("data", d);
                }

                json.WriteStartObject("kinesisRecordMetadata");
                json.WriteString("sequenceNumber", "4965600000000000000000000000000000000000000000000000" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture));
                json.WriteNumber("subsequenceNumber", 0);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>A Kinesis-for-DynamoDB change record around an image given as DynamoDB JSON.</summary>
    public static string KinesisChange(string eventName, string imageJson, long createdMs = 1795426800150, string eventId = "evt-1")
    {
        var image = eventName == "REMOVE" ? $"\"OldImage\":{imageJson}" : $"\"NewImage\":{imageJson}";
        return $$$"""{"awsRegion":"us-east-1","eventID":"{{{eventId}}}","eventName":"{{{eventName}}}","userIdentity":null,"recordFormat":"application/json","tableName":"t","dynamodb":{"ApproximateCreationDateTime":{{{createdMs}}},"Keys":{},{{{image}}},"SizeBytes":100},"eventSource":"aws:dynamodb"}""";
    }

    /// <summary>Converts one change record; returns the reason and, on success, the row JSON.</summary>
    public static (ReasonCode Reason, string? Row) ConvertOne(TableContract contract, string changeRecord)
    {
        using var request = FirehoseRequest.Parse(Firehose(changeRecord));
        using var batch = ChangeBatch.Convert(request, ChangeRoutes.One(contract));
        return batch.Succeeded(0) ? (ReasonCode.None, Encoding.UTF8.GetString(batch.Row(0))) : (batch.Reason(0), null);
    }
}
