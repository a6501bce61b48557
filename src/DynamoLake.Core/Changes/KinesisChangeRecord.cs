using System.Buffers;
using System.Text.Json;

namespace DynamoLake.Core.Changes;

/// <summary>
/// A change record as Kinesis Data Streams for DynamoDB carries it: eventID, eventName, userIdentity (the
/// DynamoDB service principal for a TTL delete), tableName and the dynamodb part with µs
/// ApproximateCreationDateTime, Keys, NewImage / OldImage (DynamoDB JSON) and SizeBytes.
/// </summary>
public static class KinesisChangeRecord
{
    public const string Region = "us-east-1";

    /// <param name="keyNames">The key attributes with their DynamoDB type tags (S or N): the partition key, then the sort key if any.</param>
    /// <param name="key">Its value as text.</param>
    public static byte[] Create(string eventId, string eventName, string tableName, long micros, IReadOnlyList<(string Attribute, string Type)> keyNames, string key, byte[]? newImage, byte[]? oldImage, bool ttl)
    {
        var buffer = new ArrayBufferWriter<byte>(1024 + (newImage?.Length ?? 0) + (oldImage?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("awsRegion"u8, Region);
            writer.WriteString("eventID"u8, eventId);
            writer.WriteString("eventName"u8, eventName);
            if (ttl)
            {
                writer.WriteStartObject("userIdentity"u8);
                writer.WriteString("type"u8, "Service");
                writer.WriteString("principalId"u8, "dynamodb.amazonaws.com");
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("userIdentity"u8);
            }

            writer.WriteString("recordFormat"u8, "application/json");
            writer.WriteString("tableName"u8, tableName);
            writer.WriteStartObject("dynamodb"u8);
            writer.WriteNumber("ApproximateCreationDateTime"u8, micros);
            WriteKeysAndImages(writer, keyNames, key, newImage, oldImage);
            writer.WriteNumber("SizeBytes"u8, (newImage?.Length ?? 0) + (oldImage?.Length ?? 0));
            writer.WriteEndObject();
            writer.WriteString("eventSource"u8, "aws:dynamodb");
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The dynamodb part's Keys (one key attribute), NewImage and OldImage (each when given), as both record shapes write them.</summary>
    public static void WriteKeysAndImages(Utf8JsonWriter writer, IReadOnlyList<(string Attribute, string Type)> keyNames, string key, byte[]? newImage, byte[]? oldImage)
    {
        // A composite key's text holds its parts joined by U+001F, in the key's order.
        var parts = keyNames.Count == 1 ? [key] : key.Split(ItemKey.Separator);
        writer.WriteStartObject("Keys"u8);
        for (var i = 0; i < keyNames.Count; i++)
        {
            writer.WriteStartObject(keyNames[i].Attribute);
            writer.WriteString(keyNames[i].Type, parts[i]);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        if (newImage is not null)
        {
            writer.WritePropertyName("NewImage"u8);
            writer.WriteRawValue(newImage, skipInputValidation: true);
        }

        if (oldImage is not null)
        {
            writer.WritePropertyName("OldImage"u8);
            writer.WriteRawValue(oldImage, skipInputValidation: true);
        }
    }
}
