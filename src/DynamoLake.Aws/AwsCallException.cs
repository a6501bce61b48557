namespace DynamoLake.Aws;

/// <summary>
/// An AWS API call that failed, in a person's terms: which action (as IAM names it), AWS's error code and
/// message. Access denials name the action, so the user knows which permission to add.
/// </summary>
internal sealed class AwsCallException(string action, int status, string code, string message)
    : Exception(Describe(action, code, message))
{
    /// <summary>The IAM action of the call, e.g. <c>athena:StartQueryExecution</c>.</summary>
    public string Action { get; } = action;

    /// <summary>The HTTP status (0 when the call never got an answer).</summary>
    public int Status { get; } = status;

    /// <summary>AWS's error code without its namespace, e.g. <c>AccessDeniedException</c>.</summary>
    public string Code { get; } = code;

    /// <summary>Whether AWS refused the call for lack of a permission.</summary>
    public bool IsAccessDenied => Code is "AccessDeniedException" or "AccessDenied" or "UnauthorizedOperation" or "UnrecognizedClientException" or "InvalidClientTokenId" or "ExpiredTokenException";

    /// <summary>Whether trying again later may succeed (throttling, AWS's own failures).</summary>
    public bool IsTransient => Status is 429 or >= 500 || Code is "ThrottlingException" or "Throttling" or "ProvisionedThroughputExceededException" or "LimitExceededException" or "TooManyRequestsException" or "Timeout";

    /// <summary>
    /// Runs a call, trying it again on throttling and AWS's own failures with backoff (six attempts in all):
    /// for idempotent calls only.
    /// </summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        return await AwsRetry.RunAsync(call, e => e is AwsCallException { IsTransient: true }, maxAttempts: 6, TimeSpan.FromMilliseconds(200), TimeProvider.System, cancellationToken);
    }

    private static string Describe(string action, string code, string message) => code switch
    {
        "AccessDeniedException" or "AccessDenied" => $"{action} was denied ({code}): {message} Grant {action} to the caller (docs/verify.md's policy lists every action verify needs).",
        "UnrecognizedClientException" or "InvalidClientTokenId" or "ExpiredTokenException" => $"{action} was refused ({code}): {message} Check the AWS credentials (profile, AWS_ACCESS_KEY_ID, or an expired session).",
        _ => $"{action} failed ({code}): {message}",
    };
}
