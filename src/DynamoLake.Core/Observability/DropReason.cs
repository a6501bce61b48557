namespace DynamoLake.Core.Observability;

/// <summary>Why a record was Dropped (answered, nothing to deliver): counted apart in the log line and metrics.</summary>
public enum DropReason
{
    /// <summary>A newer change of the same key in the same request replaces it (Transform).</summary>
    Superseded,

    /// <summary>A change of another table on a shared stream (SOURCE_TABLE_NAME).</summary>
    OtherTable,
}
