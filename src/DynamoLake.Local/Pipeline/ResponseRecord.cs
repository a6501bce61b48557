namespace DynamoLake.Local.Pipeline;

/// <summary>One checked entry of a transformation response.</summary>
/// <param name="Index">Position in the request.</param>
/// <param name="Result">Ok, Dropped or ProcessingFailed.</param>
/// <param name="Data">The decoded data (a row, or for ProcessingFailed the original record).</param>
/// <param name="Operation">Transform: otfMetadata.operation (insert, update, delete).</param>
/// <param name="PartitionKeys">PartitionKeys: metadata.partitionKeys, in order.</param>
/// <param name="Destination">Transform: otfMetadata.destinationTableName, the Iceberg table the row goes to.</param>
internal sealed record ResponseRecord(int Index, string Result, byte[] Data, string? Operation, IReadOnlyList<KeyValuePair<string, string>>? PartitionKeys, string? Destination = null);
