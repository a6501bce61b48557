namespace DynamoLake.Core.Changes;

/// <summary>What the envelope of one change record said, besides the row.</summary>
internal struct ChangeFacts
{
    public ChangeOperation Operation;
    public ChangeShape Shape;
    public bool TtlDelete;
    public long EventTimeMicros;

    /// <summary>DynamoDB Streams SequenceNumber within the decoded record (0 length when absent).</summary>
    public int SequenceStart;
    public int SequenceLength;
}
