namespace DynamoLake.Core.Firehose;

/// <summary>The result of one record in a transformation response.</summary>
public enum FirehoseResult : byte
{
    /// <summary>Not decided yet: every record starts here and must leave it.</summary>
    Pending,
    Ok,
    Dropped,
    ProcessingFailed,
}
