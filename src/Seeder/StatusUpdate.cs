namespace Seeder;

/// <summary>A PENDING transaction's decision: its new status and when it was processed (epoch ms).</summary>
internal sealed record StatusUpdate(string Status, long ProcessingTimestamp);
