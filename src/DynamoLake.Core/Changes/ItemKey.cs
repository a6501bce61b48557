using System.Text.Json;

namespace DynamoLake.Core.Changes;

/// <summary>
/// An item's key as text, read from DynamoDB JSON outside the hot path (captured streams, exports, verify's
/// reads): the <c>S</c> or <c>N</c> of the key attribute, the number's text as given.
/// </summary>
public static class ItemKey
{
    /// <summary>The text of a key attribute's value (<c>{"S": …}</c> or <c>{"N": …}</c>); null for any other value.</summary>
    public static string? Text(JsonElement attributeValue) =>
        attributeValue.ValueKind == JsonValueKind.Object
        && (attributeValue.TryGetProperty("S", out var text) || attributeValue.TryGetProperty("N", out text))
        && text.ValueKind == JsonValueKind.String
            ? text.GetString()
            : null;

    /// <summary>
    /// The key of a change record, in either form (Kinesis Data Streams or DynamoDB Streams, both with
    /// <c>dynamodb.Keys</c>); null when the record has no such key.
    /// </summary>
    public static string? OfChangeRecord(JsonElement record, string keyAttribute) =>
        record.ValueKind == JsonValueKind.Object
        && record.TryGetProperty("dynamodb", out var change) && change.ValueKind == JsonValueKind.Object
        && change.TryGetProperty("Keys", out var keys) && keys.ValueKind == JsonValueKind.Object
        && keys.TryGetProperty(keyAttribute, out var value)
            ? Text(value)
            : null;
}
