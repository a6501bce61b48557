using System.Text;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace Seeder.Tests;

/// <summary>The workload made from a contract (examples/orders.json): deterministic, complete where required, and never moving an immutable column.</summary>
public sealed class ContractWorkloadTests
{
    private static readonly TableContract s_orders = TableContract.Load(Path.Combine(RepoPaths.Root, "examples", "orders.json"));
    private static readonly WorkloadOptions s_options = new() { Count = 400, Seed = 11, UpdateFraction = 0.5, TtlFraction = 0.3 };

    private static string Canonical(Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue> item)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            DynamoDbJson.WriteItem(writer, item);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Items_AreAPureFunctionOfSeedAndIndex()
    {
        var first = new ContractWorkload(s_orders, s_options);
        var again = new ContractWorkload(s_orders, s_options);
        var other = new ContractWorkload(s_orders, s_options with { Seed = 12 });

        Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(Canonical(first.Create(i).Item), Canonical(again.Create(i).Item)));
        Assert.Contains(Enumerable.Range(0, 50), i => Canonical(first.Create(i).Item) != Canonical(other.Create(i).Item));
        Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(first.Plan(i), (first.Create(i).Modified, first.Create(i).Delete, first.Create(i).ExpiresAt is not null)));
    }

    [Fact]
    public void RequiredColumns_AreAlwaysThere_AndUpdatesLeaveImmutableColumnsAlone()
    {
        var workload = new ContractWorkload(s_orders, s_options);
        var required = s_orders.Columns.Columns.Where(c => c.Required && c.Derived == DerivedField.None).Select(c => c.Source).ToList();
        var immutable = s_orders.Columns.Columns.Where(c => c.Immutable || s_orders.UniqueKey.Contains(c)).Select(c => c.Source).ToList();
        var updated = 0;
        for (var i = 0; i < s_options.Count; i++)
        {
            var item = workload.Create(i);
            var after = workload.Updated(item);
            Assert.All(required, name => Assert.True(item.Item.ContainsKey(name) && after.ContainsKey(name), $"{name} missing in item {i}"));
            Assert.All(immutable, name => Assert.Equal(Canonical(new() { [name] = item.Item[name] }), Canonical(new() { [name] = after[name] })));
            if (item.Modified)
            {
                updated++;
                Assert.NotEqual(Canonical(item.Item), Canonical(after));
            }
        }

        Assert.InRange(updated, 150, 250);
    }

    [Fact]
    public void ACompositeKey_GivesEveryItemItsOwnFullKey_AndUpToFourPerPartitionKey()
    {
        var contract = TableContract.Load(Path.Combine(RepoPaths.Root, "examples", "customer-orders.json"));
        var workload = new ContractWorkload(contract, s_options);

        var items = Enumerable.Range(0, 100).Select(workload.Create).ToList();

        Assert.Equal([("customer_id", "S"), ("order_number", "N")], workload.Key);
        Assert.Equal(100, items.Select(i => i.Key).Distinct().Count());
        Assert.All(items, i => Assert.Equal($"{i.Item["customer_id"].S}\u001f{i.Item["order_number"].N}", i.Key));
        Assert.Equal(25, items.Select(i => i.Item["customer_id"].S).Distinct().Count());
    }

    [Fact]
    public void AKeyOfAnotherType_IsRefusedNamingIt()
    {
        var sample = File.ReadAllText(Path.Combine(RepoPaths.Root, "examples", "orders.json"));
        var timed = TableContract.Parse(Encoding.UTF8.GetBytes(sample.Replace("\"uniqueKey\": [\"order_id\"]", "\"uniqueKey\": [\"order_id\", \"placed_at\"]", StringComparison.Ordinal)), "timed.json");

        var error = Assert.Throws<SeedException>(() => new ContractWorkload(timed, s_options));

        Assert.Contains("timed.json: the key column 'placed_at' is timestamptz", error.Message, StringComparison.Ordinal);
    }
}
