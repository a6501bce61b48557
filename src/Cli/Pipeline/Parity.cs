using System.Globalization;
using System.Text.Json;
using DynamoLake.Core.Contract;

namespace Cli.Pipeline;

/// <summary>
/// The lake against the source, column by column, with its own reading of both sides (not the row
/// writer's): source items as DynamoDB JSON, lake rows as DuckDB reads them back from the Parquet files.
/// Decimals compare exactly, timestamps in microseconds, structs field by field.
/// </summary>
internal static class Parity
{
    private const string Null = "∅";

    /// <summary>
    /// Differences between the source's items and a lake relation (a table, a view or a parenthesised
    /// query), read leaf column by leaf column; empty when equal. The source is read once, as a stream:
    /// each item goes into a DuckDB table in canonical form (each leaf column as text, made here in .NET),
    /// the two sides meet in a full outer join by key, and .NET compares each joined row. Memory is
    /// DuckDB's, bounded when the database is (<see cref="LakeDatabase.Bound"/>).
    /// </summary>
    /// <returns>How many items the source has, and the first differences (sorted; "…" when there are more).</returns>
    public static async Task<(long SourceRows, List<string> Differences)> CompareAsync(
        TableContract contract, IAsyncEnumerable<KeyValuePair<string, byte[]>> source, LakeDatabase lake, string relation, CancellationToken cancellationToken, int limit = 20)
    {
        var leaves = Leaves(contract);
        var table = $"{lake.ScratchCatalog}.main.parity_source";
        lake.Execute($"CREATE OR REPLACE TABLE {table} (\"key\" VARCHAR, {string.Join(", ", leaves.Select((_, i) => $"c{i} VARCHAR"))})");
        var sourceRows = await LoadAsync(source, leaves, lake, cancellationToken);

        var differences = new List<string>();
        var more = false;
        var keyLeaf = leaves.FindIndex(l => l.Path.Length == 1 && l.Path[0] == contract.UniqueKey[0].Name);
        var keySql = $"CAST(lake.\"{leaves[keyLeaf].Name}\" AS VARCHAR)";
        var duplicated = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = lake.Query($"SELECT {keySql} FROM {relation} AS lake GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT {limit + 1}"))
        {
            while (reader.Read())
            {
                var key = reader.IsDBNull(0) ? Null : reader.GetString(0);
                duplicated.Add(key);
                Add($"{key}: more than one row in the lake");
            }
        }

        var lakeColumns = string.Join(", ", leaves.Select(l => l.Sql));
        using (var reader = lake.Query($"""
            SELECT s.*, l.*
            FROM {table} AS s
            FULL OUTER JOIN (SELECT {keySql} AS parity_key, {lakeColumns} FROM {relation} AS lake) AS l ON s."key" = l.parity_key
            """))
        {
            var lakeStart = 1 + leaves.Count + 1;
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (reader.IsDBNull(0))
                {
                    Add($"{Canonical(reader.GetValue(lakeStart + keyLeaf), leaves[keyLeaf].Type)}: in the lake but not in the source");
                    continue;
                }

                var key = reader.GetString(0);
                if (reader.IsDBNull(1 + leaves.Count))
                {
                    Add($"{key}: in the source but not in the lake");
                    continue;
                }

                if (duplicated.Contains(key))
                {
                    continue;
                }

                for (var i = 0; i < leaves.Count; i++)
                {
                    var expected = reader.GetString(1 + i);
                    var got = Canonical(reader.GetValue(lakeStart + i), leaves[i].Type);
                    if (expected != got)
                    {
                        Add($"{key}.{leaves[i].Name}: source {expected}, lake {got}");
                    }
                }
            }
        }

        lake.Execute($"DROP TABLE {table}");

        // The join's order is the engine's: the first differences are listed in key order.
        differences.Sort(StringComparer.Ordinal);
        if (more)
        {
            differences.Add("…");
        }

        return (sourceRows, differences);

        void Add(string difference)
        {
            if (differences.Count < limit)
            {
                differences.Add(difference);
            }
            else
            {
                more = true;
            }
        }
    }

    // The source's items in canonical form, appended a chunk at a time (each chunk made on every core).
    private static async Task<long> LoadAsync(IAsyncEnumerable<KeyValuePair<string, byte[]>> source, List<Leaf> leaves, LakeDatabase lake, CancellationToken cancellationToken)
    {
        const int ChunkItems = 8192;
        long rows = 0;
        var chunk = new List<KeyValuePair<string, byte[]>>(ChunkItems);
        var canonical = new string[ChunkItems][];
        using var appender = lake.CreateScratchAppender("parity_source");
        await foreach (var item in source.WithCancellation(cancellationToken))
        {
            chunk.Add(item);
            if (chunk.Count == ChunkItems)
            {
                Append();
            }
        }

        Append();
        return rows;

        void Append()
        {
            Parallel.For(0, chunk.Count, i =>
            {
                using var document = JsonDocument.Parse(chunk[i].Value);
                var values = new string[leaves.Count];
                for (var l = 0; l < leaves.Count; l++)
                {
                    values[l] = Source(document.RootElement, leaves[l]);
                }

                canonical[i] = values;
            });
            for (var i = 0; i < chunk.Count; i++)
            {
                var row = appender.CreateRow().AppendValue(chunk[i].Key);
                foreach (var value in canonical[i])
                {
                    row.AppendValue(value);
                }

                row.EndRow();
            }

            rows += chunk.Count;
            chunk.Clear();
        }
    }

    /// <summary>
    /// The current-state view over the S3 change log against the Iceberg table, in DuckDB (EXCEPT both ways):
    /// with the table equal to the source, an empty result means the view equals the source too.
    /// Timestamps compare as epoch µs (bigint on the S3 path, timestamp in the table).
    /// </summary>
    public static List<string> CompareViewWithTable(LakeDatabase lake, TableContract contract, int limit = 20)
    {
        var columns = Compared(contract);
        var key = contract.UniqueKey[0].Name;
        string Select(bool table) => string.Join(", ", columns.Select(c =>
            table && c.Type.Kind is ColumnKind.Timestamp or ColumnKind.TimestampTz ? $"epoch_us(\"{c.Name}\") AS \"{c.Name}\"" : $"\"{c.Name}\""));
        var sql = $"""
            WITH v AS (SELECT {Select(table: false)} FROM {LakeSchema.CurrentView(contract)}),
                 t AS (SELECT {Select(table: true)} FROM {contract.Table})
            SELECT 'in the view but not in the table' AS side, "{key}" FROM (SELECT * FROM v EXCEPT SELECT * FROM t)
            UNION ALL
            SELECT 'in the table but not in the view' AS side, "{key}" FROM (SELECT * FROM t EXCEPT SELECT * FROM v)
            ORDER BY 2, 1
            LIMIT {limit + 1}
            """;
        var differences = new List<string>();
        using var reader = lake.Query(sql);
        while (reader.Read())
        {
            differences.Add(differences.Count < limit ? $"{reader.GetValue(1)}: this row is {reader.GetString(0)}" : "…");
        }

        return differences;
    }

    /// <summary>How many differences there are in all (Compare lists the first ones).</summary>
    public static string Summary(List<string> differences) => differences.Count == 0 ? "0 differences" : $"{(differences[^1] == "…" ? "more than " + (differences.Count - 1) : differences.Count.ToString(CultureInfo.InvariantCulture))} differences";

    private static List<Column> Compared(TableContract contract) => contract.Columns.Columns.Where(c => c.Derived == DerivedField.None).ToList();

    /// <summary>Every primitive leaf of the compared columns (struct fields one by one), with its SQL.</summary>
    private static List<Leaf> Leaves(TableContract contract)
    {
        var leaves = new List<Leaf>();
        foreach (var column in Compared(contract))
        {
            Add([column], column.Type);
        }

        return leaves;

        void Add(Column[] path, ColumnType type)
        {
            if (type.Kind == ColumnKind.Struct)
            {
                foreach (var field in type.Fields!.Columns)
                {
                    Add([.. path, field], field.Type);
                }

                return;
            }

            leaves.Add(new Leaf(path, type));
        }
    }

    private static string Source(JsonElement item, Leaf leaf)
    {
        var value = item;
        foreach (var step in leaf.Columns)
        {
            if (!value.TryGetProperty(step.Source, out var attribute) || attribute.TryGetProperty("NULL", out _))
            {
                return Null;
            }

            value = step == leaf.Columns[^1] ? attribute : attribute.TryGetProperty("M", out var map) ? map : default;
            if (value.ValueKind == JsonValueKind.Undefined)
            {
                return Null;
            }
        }

        var column = leaf.Columns[^1];
        return leaf.Type.Kind switch
        {
            ColumnKind.Timestamp or ColumnKind.TimestampTz when value.TryGetProperty("N", out var n) => Micros(n.GetString()!, column.SourceUnit),
            ColumnKind.Decimal or ColumnKind.Int or ColumnKind.Long or ColumnKind.Float or ColumnKind.Double when value.TryGetProperty("N", out var n) => Number(decimal.Parse(n.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)),
            ColumnKind.Boolean when value.TryGetProperty("BOOL", out var b) => b.GetBoolean() ? "true" : "false",
            _ when value.TryGetProperty("S", out var s) => s.GetString()!,
            _ => value.GetRawText(),
        };
    }

    private static string Canonical(object? value, ColumnType type) => value switch
    {
        null or DBNull => Null,
        DateTime time when type.Kind is ColumnKind.Timestamp or ColumnKind.TimestampTz => ((time.ToUniversalTime() - DateTime.UnixEpoch).Ticks / 10).ToString(CultureInfo.InvariantCulture),
        DateTimeOffset time => ((time.UtcDateTime - DateTime.UnixEpoch).Ticks / 10).ToString(CultureInfo.InvariantCulture),
        DateTime date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        decimal number => Number(number),
        long or int or short or byte or ulong or uint when type.Kind is ColumnKind.Timestamp or ColumnKind.TimestampTz => Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        long or int or short or byte or ulong or uint or double or float => Number(Convert.ToDecimal(value, CultureInfo.InvariantCulture)),
        System.Numerics.BigInteger big => big.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? Null,
    };

    private static string Micros(string number, SourceTimeUnit unit)
    {
        var value = decimal.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture);
        var micros = unit switch
        {
            SourceTimeUnit.Seconds => value * 1_000_000,
            SourceTimeUnit.Milliseconds => value * 1_000,
            _ => value,
        };
        return decimal.Truncate(micros).ToString(CultureInfo.InvariantCulture);
    }

    // 12.30 and 12.3 are the same number: compare without trailing zeros.
    private static string Number(decimal value) => (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    private sealed record Leaf(Column[] Columns, ColumnType Type)
    {
        public string[] Path { get; } = [.. Columns.Select(c => c.Name)];

        public string Name => string.Join('.', Path);

        public string Sql => string.Join('.', Path.Select(p => $"\"{p}\"")) + (Path.Length > 1 ? $" AS \"{Name}\"" : "");
    }
}
