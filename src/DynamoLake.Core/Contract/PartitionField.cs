namespace DynamoLake.Core.Contract;

/// <summary>One field of the Iceberg partition spec: a transform (identity, year, month, day, hour, bucket[N], truncate[W]) of a source column.</summary>
public sealed record PartitionField(Column Source, string Transform, string Name, int FieldId);
