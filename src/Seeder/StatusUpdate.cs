namespace Seeder;

/// <summary>
/// A PENDING transaction's decision: its new status and when it was processed (epoch ms); and, for a
/// re-dated transaction (<see cref="WorkloadOptions.MoveFraction"/>), its corrected timestamp, on another UTC day.
/// </summary>
internal sealed record StatusUpdate(string Status, long ProcessingTimestamp, long? Timestamp = null);
