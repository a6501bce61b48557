namespace DynamoLake.Local.Pipeline;

/// <summary>The run cannot go on: a response broke the Firehose contract, or a source or path is unusable.</summary>
internal sealed class PipelineException : Exception
{
    public PipelineException()
    {
    }

    public PipelineException(string message)
        : base(message)
    {
    }

    public PipelineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
