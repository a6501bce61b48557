using System.Text;
using DynamoLake.Core.Contract;

namespace PartitionKeys;

/// <summary>One level of the S3 prefix: a date part of the time column, or a column's own value.</summary>
/// <param name="Name">The key in metadata.partitionKeys (<c>!{partitionKeyFromLambda:Name}</c>).</param>
/// <param name="FolderName">
/// The Hive folder and partition-column name: <paramref name="Name"/>, or <c>Name_partition</c> when the
/// table already has a column of that name (Hive and Athena refuse a partition column that repeats a data column).
/// </param>
public sealed record PartitionKey(string Name, DatePart Part, Column? Column, string FolderName)
{
    /// <summary>What comes before the key's value in the metadata's partitionKeys object: <c>"name":"</c>.</summary>
    internal byte[] Utf8Member { get; } = Encoding.UTF8.GetBytes($"\"{System.Text.Json.JsonEncodedText.Encode(Name)}\":\"");

    /// <summary>The declared values of a categorical column key, as they appear in the prefix (escaped); null when any value is allowed.</summary>
    internal byte[][]? EscapedValues { get; } = Column?.Values?.Select(Escaped).ToArray();

    private static byte[] Escaped(string value)
    {
        using var buffer = new DynamoLake.Core.Buffers.ByteBuffer();
        PartitionValue.Write(Encoding.UTF8.GetBytes($"\"{System.Text.Json.JsonEncodedText.Encode(value)}\""), buffer);
        return buffer.WrittenMemory.ToArray();
    }
}
