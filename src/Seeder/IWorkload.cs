using Amazon.DynamoDBv2.Model;

namespace Seeder;

/// <summary>
/// A workload of items, each a pure function of (seed, index), and what happens to each after its insert:
/// an update, a delete, a TTL expiry. The sample's transactions, or any contract's items.
/// </summary>
internal interface IWorkload
{
    WorkloadOptions Options { get; }

    /// <summary>The table's key attribute (one: the workloads write tables with a partition key only).</summary>
    string KeyAttribute { get; }

    /// <summary>The key's DynamoDB type: S or N.</summary>
    string KeyType { get; }

    /// <summary>What the workload does to the item at <paramref name="index"/>, without making it (cheap).</summary>
    (bool Update, bool Delete, bool Ttl) Plan(int index);

    /// <summary>The item at <paramref name="index"/> as inserted, and what the workload does to it.</summary>
    WorkloadItem Create(int index);

    /// <summary>The item after its update (the item itself when it has none).</summary>
    Dictionary<string, AttributeValue> Updated(WorkloadItem item);
}
