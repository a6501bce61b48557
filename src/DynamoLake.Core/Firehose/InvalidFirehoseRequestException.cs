namespace DynamoLake.Core.Firehose;

/// <summary>
/// The request is not a Firehose transformation request at all. The function lets it escape, so Lambda
/// reports an invocation error and Firehose retries, then sends the records to the error output.
/// </summary>
public sealed class InvalidFirehoseRequestException : Exception
{
    public InvalidFirehoseRequestException()
    {
    }

    public InvalidFirehoseRequestException(string message)
        : base(message)
    {
    }

    public InvalidFirehoseRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
