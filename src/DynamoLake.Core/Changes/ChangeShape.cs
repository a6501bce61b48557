namespace DynamoLake.Core.Changes;

/// <summary>Which producer's JSON a change record came in.</summary>
public enum ChangeShape : byte
{
    Unknown,

    /// <summary>Kinesis Data Streams for DynamoDB: ApproximateCreationDateTime in ms or µs, no eventVersion.</summary>
    KinesisForDynamoDb,

    /// <summary>A DynamoDB Streams record (as Lambda and EventBridge Pipes deliver it): eventVersion, SequenceNumber, seconds.</summary>
    DynamoDbStreams,
}
