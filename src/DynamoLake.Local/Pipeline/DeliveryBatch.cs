namespace DynamoLake.Local.Pipeline;

/// <summary>One Firehose transformation request and what went into it.</summary>
/// <param name="Request">The request JSON, as Firehose sends it to the Lambda processor.</param>
/// <param name="RecordIds">The recordIds, in order.</param>
/// <param name="Data">Each record's raw data (the change record), for error objects.</param>
/// <param name="ArrivalMs">approximateArrivalTimestamp of the records.</param>
/// <param name="Redelivery">True when this is an at-least-once redelivery: its shard read again from one of its last requests.</param>
internal sealed record DeliveryBatch(byte[] Request, string[] RecordIds, byte[][] Data, long ArrivalMs, bool Redelivery);
