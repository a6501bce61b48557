using DynamoLake.Core.Resilience;

namespace DynamoLake.Aws;

/// <summary>
/// The one retry loop of the calls we sign: a failure the caller calls transient (throttling, AWS's own 5xx,
/// no answer) is tried again after exponential backoff with full jitter, capped at 5 s, until the attempts
/// run out; any other failure, and the last one, is thrown as it is.
/// </summary>
internal static class AwsRetry
{
    private static readonly TimeSpan s_maxDelay = TimeSpan.FromSeconds(5);

    public static async Task<T> RunAsync<T>(Func<Task<T>> attempt, Func<Exception, bool> isTransient, int maxAttempts, TimeSpan baseDelay, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(isTransient);
        for (var failures = 0; ; failures++)
        {
            try
            {
                return await attempt();
            }
            catch (Exception e) when (failures + 1 < maxAttempts && isTransient(e))
            {
                // Tried again below, after the delay.
            }

            await Task.Delay(Backoff.FullJitter(failures, baseDelay, s_maxDelay, Random.Shared.NextDouble()), clock, cancellationToken);
        }
    }
}
