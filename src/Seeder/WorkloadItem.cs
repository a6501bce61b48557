using Amazon.DynamoDBv2.Model;

namespace Seeder;

/// <summary>One transaction and what the workload does to it after the insert.</summary>
/// <param name="Index">Position in the workload; the item is a pure function of (seed, index).</param>
/// <param name="Key">The transaction_id.</param>
/// <param name="Item">The item as inserted.</param>
/// <param name="Update">The status transition applied after all inserts, if any.</param>
/// <param name="Delete">Deleted after the updates.</param>
/// <param name="ExpiresAt">The TTL attribute in epoch seconds, if the item has one.</param>
internal sealed record WorkloadItem(int Index, string Key, Dictionary<string, AttributeValue> Item, StatusUpdate? Update, bool Delete, long? ExpiresAt)
{
    /// <summary>Updated after the inserts (a contract workload's items, whose update is not a status transition).</summary>
    public bool Modified { get; init; }
}
