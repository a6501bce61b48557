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

    /// <summary>Where the record names its table, as JSON string text: Kinesis <c>tableName</c>, or the Streams <c>eventSourceARN</c> (<see cref="TableIsArn"/>); empty when it does not.</summary>
    public int TableStart;
    public int TableLength;
    public bool TableEscaped;
    public bool TableIsArn;
}
