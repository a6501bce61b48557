namespace Seeder;

/// <summary>What one phase of writes achieved: every item is in exactly one of the counts.</summary>
internal sealed class WriteOutcome
{
    private long _done;
    private long _skipped;
    private long _failed;
    private long _retries;

    /// <summary>Items the service confirmed.</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>Updates not applied on purpose: the item is gone or no longer PENDING (never resurrected).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Items not written when the retry budget ran out, or refused before sending (too large).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Resends: requests sent again after throttling, a 5xx, a network error or UnprocessedItems.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public void AddDone(long n) => Interlocked.Add(ref _done, n);

    public void AddSkipped(long n) => Interlocked.Add(ref _skipped, n);

    public void AddFailed(long n) => Interlocked.Add(ref _failed, n);

    public void AddRetry() => Interlocked.Increment(ref _retries);
}
