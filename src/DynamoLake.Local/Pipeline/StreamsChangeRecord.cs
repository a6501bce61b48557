using DynamoLake.Core.Changes;
using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// A change record as DynamoDB Streams writes it and EventBridge Pipes delivers it: eventVersion,
/// eventSourceARN, and a dynamodb part with ApproximateCreationDateTime in whole seconds, a SequenceNumber,
/// StreamViewType and the images that view keeps — NEW_IMAGE: NewImage only, so a REMOVE carries only Keys.
/// </summary>
internal static class StreamsChangeRecord
{
    /// <param name="eventNumber">The change's place in the stream, which is its SequenceNumber.</param>
    /// <param name="view">NEW_IMAGE or NEW_AND_OLD_IMAGES.</param>
    public static byte[] Create(string eventId, string eventName, string tableName, long micros, long eventNumber, string view, IReadOnlyList<(string Attribute, string Type)> keyNames, string key, byte[]? newImage, byte[]? oldImage, bool ttl)
    {
        if (view == StreamViews.NewImage)
        {
            oldImage = null;
        }

        var buffer = new ArrayBufferWriter<byte>(1024 + (newImage?.Length ?? 0) + (oldImage?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventID"u8, eventId);
            writer.WriteString("eventName"u8, eventName);
            writer.WriteString("eventVersion"u8, "1.1");
            writer.WriteString("eventSource"u8, "aws:dynamodb");
            writer.WriteString("awsRegion"u8, KinesisChangeRecord.Region);
            if (ttl)
            {
                writer.WriteStartObject("userIdentity"u8);
                writer.WriteString("type"u8, "Service");
                writer.WriteString("principalId"u8, "dynamodb.amazonaws.com");
                writer.WriteEndObject();
            }

            writer.WriteStartObject("dynamodb"u8);
            writer.WriteNumber("ApproximateCreationDateTime"u8, micros / 1_000_000);
            KinesisChangeRecord.WriteKeysAndImages(writer, keyNames, key, newImage, oldImage);
            writer.WriteString("SequenceNumber"u8, eventNumber.ToString("D21", CultureInfo.InvariantCulture));
            writer.WriteNumber("SizeBytes"u8, (newImage?.Length ?? 0) + (oldImage?.Length ?? 0));
            writer.WriteString("StreamViewType"u8, view);
            writer.WriteEndObject();
            writer.WriteString("eventSourceARN"u8, $"arn:aws:dynamodb:{KinesisChangeRecord.Region}:000000000000:table/{tableName}/stream/2026-11-01T00:00:00.000");
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>The stream views a source can have (DynamoDB Streams StreamViewType) that carry the items' images.</summary>
internal static class StreamViews
{
    /// <summary>Kinesis Data Streams for DynamoDB, and Streams with both images: every REMOVE has its OldImage.</summary>
    public const string NewAndOldImages = "NEW_AND_OLD_IMAGES";

    /// <summary>Streams with the new image only: a MODIFY has no OldImage, a REMOVE only its Keys.</summary>
    public const string NewImage = "NEW_IMAGE";

    public static IReadOnlyList<string> All { get; } = [NewAndOldImages, NewImage];
}
