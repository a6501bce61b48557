namespace DynamoLake.Core.Contract;

/// <summary>
/// The contracts one stream feeds, each a destination table: several DynamoDB tables on one Kinesis stream
/// (each contract's <c>source.table</c>), and several entities of one table (single-table design, each
/// contract's <c>source.entity</c>, all told by one attribute). Every change goes to at most one contract: a
/// set where two could take the same item is refused when it is read.
/// </summary>
public sealed class ContractSet
{
    private ContractSet(IReadOnlyList<TableContract> contracts, string? streamTable)
    {
        Contracts = contracts;
        StreamTable = streamTable;
    }

    public IReadOnlyList<TableContract> Contracts { get; }

    /// <summary>The table a contract without <c>source.table</c> reads (SOURCE_TABLE_NAME), or null: any table.</summary>
    public string? StreamTable { get; }

    public int Count => Contracts.Count;

    /// <summary>The table a contract's changes come from: its own <c>source.table</c>, else the stream's; null: any.</summary>
    public string? SourceOf(TableContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return contract.SourceTable ?? StreamTable;
    }

    /// <summary>The contracts <see cref="TableContract.FileVariable"/> names (comma-separated files in the package), checked as a set.</summary>
    public static ContractSet FromEnvironment(Func<string, string?> environment, string? streamTable)
    {
        var contracts = TableContract.Files(environment).Select(TableContract.LoadFile).ToList();
        return Of(contracts, streamTable);
    }

    /// <exception cref="TableContractException">
    /// Two contracts write one destination table, or could take the same change: two of one source table
    /// without an entity each, or with entities that overlap.
    /// </exception>
    public static ContractSet Of(IReadOnlyList<TableContract> contracts, string? streamTable)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        if (contracts.Count == 0)
        {
            throw new TableContractException("a set of contracts needs at least one.");
        }

        var set = new ContractSet(contracts, streamTable);
        foreach (var twice in contracts.GroupBy(c => c.Table, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            throw new TableContractException($"{string.Join(" and ", twice.Select(c => c.SourceName))} both write the table \"{twice.Key}\"; each contract needs a table of its own.");
        }

        for (var a = 0; a < contracts.Count; a++)
        {
            for (var b = a + 1; b < contracts.Count; b++)
            {
                var (first, second) = (contracts[a], contracts[b]);
                var (fromFirst, fromSecond) = (set.SourceOf(first), set.SourceOf(second));
                // Null reads any table, so it shares a table with every contract.
                if (fromFirst is not null && fromSecond is not null && fromFirst != fromSecond)
                {
                    continue;
                }

                var shared = fromFirst ?? fromSecond;
                var where = shared is not null ? $"the table \"{shared}\"" : "any table (no source.table and no SOURCE_TABLE_NAME)";
                if (first.Entity is null || second.Entity is null)
                {
                    throw new TableContractException($"{first.SourceName} and {second.SourceName} both read {where}: give each a \"source.entity\" (single-table design) or a \"source.table\" of its own.");
                }

                // One attribute tells a table's entities: on two, one item could be both, and the order of the
                // contracts would decide silently which table it lands in.
                if (first.Entity.Attribute != second.Entity.Attribute)
                {
                    throw new TableContractException($"{first.SourceName} ({first.Entity}) and {second.SourceName} ({second.Entity}) tell the entities of {where} by different attributes: one item could be both. Tell every entity of a table by one attribute (a key prefix, or a type attribute's value).");
                }

                if (first.Entity.Overlaps(second.Entity))
                {
                    throw new TableContractException($"{first.SourceName} ({first.Entity}) and {second.SourceName} ({second.Entity}) could both take one item of {where}: their entities must not overlap.");
                }
            }
        }

        return set;
    }
}
