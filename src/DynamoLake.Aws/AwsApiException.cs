using System.Net;

namespace DynamoLake.Aws;

/// <summary>An AWS API call (S3 Tables, Lake Formation) that failed for good, after retries, with the service's own error type and message.</summary>
public sealed class AwsApiException : Exception
{
    public AwsApiException()
    {
    }

    public AwsApiException(string message)
        : base(message)
    {
    }

    public AwsApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AwsApiException(string operation, HttpStatusCode? status, string? errorType, string message, Exception? innerException = null)
        : base($"{operation} failed: {(status is null ? "" : $"HTTP {(int)status} ")}{errorType}{(errorType is null ? "" : ": ")}{message}", innerException)
    {
        Operation = operation;
        Status = status;
        ErrorType = errorType;
    }

    public string? Operation { get; }

    public HttpStatusCode? Status { get; }

    public string? ErrorType { get; }

    /// <summary>Whether trying again may succeed: no answer at all, throttling (429), or AWS's own failure (5xx).</summary>
    public bool IsTransient => Status is null or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
}
