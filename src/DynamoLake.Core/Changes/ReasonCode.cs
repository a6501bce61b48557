namespace DynamoLake.Core.Changes;

/// <summary>Why a record did not become a row. The wire form (snake_case) is used by logs, metrics and docs.</summary>
public enum ReasonCode : byte
{
    None = 0,

    /// <summary>The Firehose record has no "data".</summary>
    MissingData,

    /// <summary>"data" is not valid base64.</summary>
    InvalidBase64,

    /// <summary>The decoded data is not a JSON document (or not valid UTF-8).</summary>
    InvalidJson,

    /// <summary>JSON, but not a DynamoDB change record of a known shape.</summary>
    UnknownShape,

    /// <summary>eventName is missing or not INSERT, MODIFY or REMOVE.</summary>
    UnknownEventName,

    /// <summary>The image the operation needs (NewImage, or OldImage for REMOVE) is absent.</summary>
    MissingImage,

    /// <summary>ApproximateCreationDateTime is missing or not a number.</summary>
    MissingEventTime,

    /// <summary>A required column is absent or NULL.</summary>
    MissingRequiredColumn,

    /// <summary>An AttributeValue is malformed (no type, two types, unknown type tag).</summary>
    InvalidAttributeValue,

    /// <summary>The attribute's DynamoDB type cannot become the column's declared type.</summary>
    TypeMismatch,

    /// <summary>A number does not fit the column (decimal(p,s) integer digits, int or long range, timestamp range).</summary>
    Overflow,

    /// <summary>A number has more fraction digits than the column keeps (it would have to be rounded).</summary>
    InexactNumber,

    /// <summary>A value of the right DynamoDB type is not valid for the column (a malformed date, number, timestamp or binary).</summary>
    InvalidValue,

    /// <summary>The row would not fit in the Lambda response (6 MB); Firehose sends it to the error prefix.</summary>
    ResponseTooLarge,

    /// <summary>The record's partition key value is missing (PartitionKeys function).</summary>
    MissingPartitionValue,

    /// <summary>The record's partition key value cannot be used in an S3 prefix (PartitionKeys function).</summary>
    InvalidPartitionValue,

    /// <summary>
    /// Transform: a MODIFY whose old and new images lie in different partitions of the Iceberg table. Firehose
    /// would delete the old row in the new partition (where it is not) and the key would be in the table twice.
    /// </summary>
    PartitionMoved,

    /// <summary>
    /// Transform: a REMOVE without OldImage on a table partitioned by a column the key does not hold. Firehose
    /// would write the delete to the null partition and the row would stay.
    /// </summary>
    UnknownPartition,

    /// <summary>
    /// A change of a table whose contracts each take one entity (single-table design), whose item matches
    /// none of them: no contract says which table it belongs in.
    /// </summary>
    UnknownEntity,

    /// <summary>
    /// Transform with several contracts of one table: a MODIFY whose old image is one contract's entity and
    /// whose new image another's. One record cannot delete the row in one Iceberg table and write it in another.
    /// </summary>
    EntityMoved,
}
