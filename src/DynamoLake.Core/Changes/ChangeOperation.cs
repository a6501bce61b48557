namespace DynamoLake.Core.Changes;

/// <summary>The Iceberg operation a change becomes.</summary>
public enum ChangeOperation : byte
{
    Insert,
    Update,
    Delete,
}
