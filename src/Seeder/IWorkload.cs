using Amazon.DynamoDBv2.Model;

namespace Seeder;

/// <summary>
/// A workload of items, each a pure function of (seed, index), and what happens to each after its insert:
/// an update, a delete, a TTL expiry. The sample's transactions, or any contract's items.
/// </summary>
internal interface IWorkload
{
    WorkloadOptions Options { get; }

    /// <summary>The table's key: the partition key's attribute and DynamoDB type (S or N), then the sort key's, if any.</summary>
    IReadOnlyList<(string Attribute, string Type)> Key { get; }

    /// <summary>What the workload does to the item at <paramref name="index"/>, without making it (cheap).</summary>
    (bool Update, bool Delete, bool Ttl) Plan(int index);

    /// <summary>
    /// The item at <paramref name="index"/> as inserted, and what the workload does to it. Its key text is the
    /// key attributes' values joined by U+001F (one attribute: its value).
    /// </summary>
    WorkloadItem Create(int index);

    /// <summary>The item after its update (the item itself when it has none).</summary>
    Dictionary<string, AttributeValue> Updated(WorkloadItem item);

    /// <summary>
    /// The table the item at <paramref name="index"/> is in (null: the table the workload writes) and that
    /// table's key attributes: for workloads of several contracts, the one that made the item.
    /// </summary>
    (string? Table, IReadOnlyList<(string Attribute, string Type)> Key) TableOf(int index) => (null, Key);
}
