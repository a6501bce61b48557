namespace DynamoLake.Core.Resilience;

/// <summary>Exponential backoff with full jitter: a delay uniformly in [0, min(cap, base·2^attempt)).</summary>
public static class Backoff
{
    /// <param name="attempt">0 for the wait after the first failure.</param>
    /// <param name="unit">A uniform random number in [0, 1).</param>
    public static TimeSpan FullJitter(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double unit)
    {
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt, 0, 30)));
        return TimeSpan.FromMilliseconds(ceiling * Math.Clamp(unit, 0, 1));
    }
}
