using System.Collections;
using System.Data.Common;
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

    /// <summary>The source's items in canonical form (each column as text), made once for every comparison.</summary>
    public static Dictionary<string, string[]> Canonical(TableContract contract, IReadOnlyDictionary<string, byte[]> source)
    {
        var columns = Compared(contract);
        var canonical = new System.Collections.Concurrent.ConcurrentDictionary<string, string[]>(Environment.ProcessorCount, source.Count, StringComparer.Ordinal);
        Parallel.ForEach(source, pair =>
        {
            using var document = JsonDocument.Parse(pair.Value);
            canonical[pair.Key] = columns.Select(c => Source(document.RootElement, c)).ToArray();
        });
        return new Dictionary<string, string[]>(canonical, StringComparer.Ordinal);
    }

    /// <summary>Differences between the source's items and the rows a lake query returns; empty when equal.</summary>
    public static List<string> Compare(TableContract contract, IReadOnlyDictionary<string, byte[]> source, DbDataReader lake, int limit = 20) =>
        Compare(contract, Canonical(contract, source), lake, limit);

    /// <summary>Differences between the source (in canonical form) and the rows a lake query returns; empty when equal.</summary>
    public static List<string> Compare(TableContract contract, IReadOnlyDictionary<string, string[]> source, DbDataReader lake, int limit = 20)
    {
        var columns = Compared(contract);
        var keyColumn = contract.UniqueKey[0];
        var differences = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var ordinals = Enumerable.Range(0, lake.FieldCount).ToDictionary(lake.GetName, i => i, StringComparer.Ordinal);
        foreach (var column in columns.Where(c => !ordinals.ContainsKey(c.Name)))
        {
            differences.Add($"the lake has no column '{column.Name}'");
        }

        if (differences.Count > 0)
        {
            return differences;
        }

        long extra = 0, different = 0;
        while (lake.Read())
        {
            var key = Canonical(lake.GetValue(ordinals[keyColumn.Name]), keyColumn.Type);
            if (!seen.Add(key))
            {
                Add($"{key}: more than one row in the lake");
                continue;
            }

            if (!source.TryGetValue(key, out var item))
            {
                extra++;
                Add($"{key}: in the lake but not in the source");
                continue;
            }

            for (var c = 0; c < columns.Count; c++)
            {
                var column = columns[c];
                var want = item[c];
                var got = Canonical(lake.GetValue(ordinals[column.Name]), column.Type);
                if (want != got)
                {
                    different++;
                    Add($"{key}.{column.Name}: source {want}, lake {got}");
                }
            }
        }

        foreach (var key in source.Keys.Where(k => !seen.Contains(k)))
        {
            Add($"{key}: in the source but not in the lake");
        }

        return differences;

        void Add(string difference)
        {
            if (differences.Count < limit)
            {
                differences.Add(difference);
            }
            else if (differences.Count == limit)
            {
                differences.Add("…");
            }
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

    private static string Source(JsonElement item, Column column)
    {
        if (!item.TryGetProperty(column.Source, out var value) || value.TryGetProperty("NULL", out _))
        {
            return Null;
        }

        return column.Type.Kind switch
        {
            ColumnKind.Struct when value.TryGetProperty("M", out var map) =>
                "{" + string.Join(",", column.Type.Fields!.Columns.Select(f => f.Name + "=" + Source(map, f))) + "}",
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
        IDictionary map when type.Kind == ColumnKind.Struct =>
            "{" + string.Join(",", type.Fields!.Columns.Select(f => f.Name + "=" + Canonical(map.Contains(f.Name) ? map[f.Name] : null, f.Type))) + "}",
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
}
