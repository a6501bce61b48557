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

    /// <summary>The separator of a composite key's parts in its text (U+001F, the unit separator).</summary>
    public const char Separator = '\u001f';

    /// <summary>
    /// The key of a change record, in either form (Kinesis Data Streams or DynamoDB Streams, both with
    /// <c>dynamodb.Keys</c>); null when the record has no such key.
    /// </summary>
    public static string? OfChangeRecord(JsonElement record, string keyAttribute) => OfChangeRecord(record, [keyAttribute]);

    /// <summary>
    /// The key of a change record whose table has a partition key and a sort key: their texts joined by
    /// <see cref="Separator"/> (one attribute: its text); null when a part is missing.
    /// </summary>
    public static string? OfChangeRecord(JsonElement record, IReadOnlyList<string> keyAttributes) =>
        record.ValueKind == JsonValueKind.Object
        && record.TryGetProperty("dynamodb", out var change) && change.ValueKind == JsonValueKind.Object
        && change.TryGetProperty("Keys", out var keys)
            ? OfItem(keys, keyAttributes)
            : null;

    /// <summary>An item's key (DynamoDB JSON): its key attributes' texts joined by <see cref="Separator"/>; null when a part is missing.</summary>
    public static string? OfItem(JsonElement item, IReadOnlyList<string> keyAttributes)
    {
        ArgumentNullException.ThrowIfNull(keyAttributes);
        if (item.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? key = null;
        foreach (var attribute in keyAttributes)
        {
            if (!item.TryGetProperty(attribute, out var value) || Text(value) is not { } part)
            {
                return null;
            }

            key = key is null ? part : key + Separator + part;
        }

        return key;
    }
}
