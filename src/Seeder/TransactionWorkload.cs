using Amazon.DynamoDBv2.Model;

namespace Seeder;

/// <summary>The sample's workload: realistic transactions (<see cref="TransactionGenerator"/>).</summary>
internal sealed class TransactionWorkload(WorkloadOptions options) : IWorkload
{
    public WorkloadOptions Options => options;

    public IReadOnlyList<(string Attribute, string Type)> Key { get; } = [("transaction_id", "S")];

    public (bool Update, bool Delete, bool Ttl) Plan(int index) => TransactionGenerator.Plan(options, index);

    public WorkloadItem Create(int index) => TransactionGenerator.Create(options, index);

    public Dictionary<string, AttributeValue> Updated(WorkloadItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Update is null)
        {
            return item.Item;
        }

        var updated = new Dictionary<string, AttributeValue>(item.Item, StringComparer.Ordinal);
        foreach (var (name, value) in TransactionGenerator.UpdatedAttributes(item.Update))
        {
            updated[name] = value;
        }

        return updated;
    }
}
