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

    /// <summary>A REMOVE without OldImage (KEYS_ONLY or NEW_IMAGE streams): the delete row holds the key only.</summary>
    public bool KeysOnly;

    /// <summary>The source table's name as the record states it (Kinesis <c>tableName</c>, or from the Streams <c>eventSourceARN</c>); empty when it does not.</summary>
    public int TableStart;
    public int TableLength;
}
