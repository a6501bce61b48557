namespace DynamoLake.Core.Contract;

/// <summary>Columns filled from the change record rather than from an item attribute.</summary>
public enum DerivedField
{
    None,

    /// <summary>insert, update or delete.</summary>
    Operation,

    /// <summary>ApproximateCreationDateTime in epoch microseconds.</summary>
    EventTime,

    /// <summary>The change record's eventID.</summary>
    EventId,

    /// <summary>True when the DynamoDB service removed the item (TTL expiry).</summary>
    TtlDelete,
}
