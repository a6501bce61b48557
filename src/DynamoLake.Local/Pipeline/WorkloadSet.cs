using Amazon.DynamoDBv2.Model;
using DynamoLake.Core.Contract;
using Seeder;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// The workloads of a set of contracts on one stream, played as one: item <c>i</c> is contract
/// <c>i % n</c>'s item <c>i / n</c>, in that contract's source table (its <c>source.table</c>, else the
/// stack's), so that the tables' changes interleave on the stream as they would. Each contract's items are
/// its own workload's (an entity's carry its prefix or value), with a seed of their own.
/// </summary>
internal sealed class WorkloadSet : IWorkload
{
    private readonly IReadOnlyList<(IWorkload Workload, string? Table)> _parts;

    /// <param name="contracts">The set.</param>
    /// <param name="options">Each contract's workload (its Count items per contract).</param>
    public WorkloadSet(ContractSet contracts, WorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        ArgumentNullException.ThrowIfNull(options);
        _parts = [.. contracts.Contracts.Select((c, i) => (Workloads.For(c, options with { Seed = options.Seed + i }), c.SourceTable))];
        Options = options with { Count = checked(options.Count * _parts.Count) };
    }

    public WorkloadOptions Options { get; }

    /// <summary>The first contract's key (each item's own is <see cref="TableOf"/>'s).</summary>
    public IReadOnlyList<(string Attribute, string Type)> Key => _parts[0].Workload.Key;

    /// <summary>The contract (its index in the set) whose item <paramref name="index"/> is.</summary>
    public int PartOf(int index) => index % _parts.Count;

    public (bool Update, bool Delete, bool Ttl) Plan(int index) => _parts[PartOf(index)].Workload.Plan(index / _parts.Count);

    // The item carries the set's index, so that Updated finds its workload again.
    public WorkloadItem Create(int index) => _parts[PartOf(index)].Workload.Create(index / _parts.Count) with { Index = index };

    public Dictionary<string, AttributeValue> Updated(WorkloadItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return _parts[PartOf(item.Index)].Workload.Updated(item with { Index = item.Index / _parts.Count });
    }

    public (string? Table, IReadOnlyList<(string Attribute, string Type)> Key) TableOf(int index) => (_parts[PartOf(index)].Table, _parts[PartOf(index)].Workload.Key);
}
