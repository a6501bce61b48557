namespace DynamoLake.Local.Pipeline;

/// <summary>One change record as the stream carries it: the item key (the Kinesis partition key) and the record's JSON.</summary>
internal readonly record struct CapturedChange(string Key, byte[] Record);
