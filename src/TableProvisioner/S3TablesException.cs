using System.Net;

namespace TableProvisioner;

/// <summary>An S3 Tables call that failed for good (after retries), with the service's own error type and message.</summary>
public sealed class S3TablesException : Exception
{
    public S3TablesException()
    {
    }

    public S3TablesException(string message)
        : base(message)
    {
    }

    public S3TablesException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public S3TablesException(string operation, HttpStatusCode? status, string? errorType, string message, Exception? innerException = null)
        : base($"{operation} failed: {(status is null ? "" : $"HTTP {(int)status} ")}{errorType}{(errorType is null ? "" : ": ")}{message}", innerException)
    {
        Operation = operation;
        Status = status;
        ErrorType = errorType;
    }

    public string? Operation { get; }

    public HttpStatusCode? Status { get; }

    public string? ErrorType { get; }
}
