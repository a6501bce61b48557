using System.Net;
using Amazon.Runtime;
using DynamoLake.Core.Resilience;

namespace Seeder;

/// <summary>
/// The one retry policy of the writer: exponential backoff with full jitter
/// (delay = random(0, min(cap, base·2^attempt))) for UnprocessedItems, throttling, 5xx and network
/// errors, up to <see cref="MaxAttempts"/> sends per batch. The SDK's own retries are off
/// (<see cref="DynamoDbClients"/>), so every resend is counted here and the budget is exact.
/// </summary>
internal sealed record RetryPolicy
{
    public int MaxAttempts { get; init; } = 10;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    private static readonly HashSet<string> s_throttlingCodes = new(StringComparer.Ordinal)
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "LimitExceededException",
        "InternalServerError",
        "ServiceUnavailable",
    };

    /// <summary>Waits the jittered delay before send number <paramref name="attempt"/> + 1.</summary>
    public Task DelayAsync(int attempt, CancellationToken cancellationToken)
    {
        return Task.Delay(Backoff.FullJitter(attempt, BaseDelay, MaxDelay, Random.Shared.NextDouble()), cancellationToken);
    }

    /// <summary>True for failures that a later resend can fix; false for ours (validation, missing table) and for cancellation.</summary>
    public static bool IsTransient(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        _ when cancellationToken.IsCancellationRequested => false,
        AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError } => true,
        AmazonServiceException service when service.ErrorCode is { } code && s_throttlingCodes.Contains(code) => true,
        AmazonServiceException { StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout } => true,
        HttpRequestException or IOException or TimeoutException or OperationCanceledException => true,
        AmazonClientException { InnerException: { } inner } => IsTransient(inner, cancellationToken),
        _ => false,
    };
}
