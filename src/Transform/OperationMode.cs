namespace Transform;

/// <summary>How INSERT and MODIFY map to Iceberg operations.</summary>
public enum OperationMode
{
    /// <summary>INSERT and MODIFY both become <c>update</c> (an upsert on the unique key), so a redelivered INSERT cannot duplicate a row.</summary>
    Upsert,

    /// <summary>INSERT becomes <c>insert</c>, MODIFY <c>update</c>.</summary>
    Exact,
}
