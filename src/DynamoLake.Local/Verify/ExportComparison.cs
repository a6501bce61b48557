using System.Globalization;
using System.Text;
using DynamoLake.Core.Contract;
using DynamoLake.Local.Backfill;
using DynamoLake.Local.Pipeline;

namespace DynamoLake.Local.Verify;

/// <summary>
/// verify in Athena: the export's rows (converted by the Transform's conversion, staged as for the backfill)
/// against the Iceberg table, inside Athena, returning only the differences — one SELECT that Trino and
/// DuckDB both run. Keys the change log shows changed since the export are not compared (counted instead);
/// values stay in Athena: a difference names the key and the column, never the values.
/// </summary>
internal static class ExportComparison
{
    /// <summary>The kinds of row the comparison returns, with parity's words for the differences.</summary>
    public const string Rows = "rows", Changed = "changed", Missing = "missing", Extra = "extra", Duplicated = "duplicated", Differs = "differs";

    /// <summary>
    /// Rows of (kind, k, leaves): the export's row count and the count of keys changed since the export (k holds
    /// the count), then each key missing from the lake, in the lake only, held twice, or differing (leaves: the
    /// differing columns and struct fields, comma-separated). Equality is exact: decimals as decimals, instants
    /// to the microsecond, structs field by field, lists of scalars as multisets (a set's order is DynamoDB's).
    /// </summary>
    public static string Differences(TableContract contract, string lakeTable, string staging, string changes, long exportMicros)
    {
        ArgumentNullException.ThrowIfNull(contract);

        // A stream record's time is approximate: a change made just after the export may carry a time a little
        // before it. A second's margin leaves such keys out too (counted as changed), rather than report them.
        exportMicros -= 1_000_000;
        var keys = contract.UniqueKey.Select(c => LakeDatabase.Quote(c.Name)).ToList();
        string Same(string a, string b) => string.Join(" AND ", keys.Select(k => $"{a}.{k} = {b}.{k}"));
        string Unchanged(string alias) => $"NOT EXISTS (SELECT 1 FROM {changes} AS c WHERE {Same("c", alias)} AND {BackfillPlan.StreamRow(contract, "c")} AND c.{LakeDatabase.Quote(EventTime(contract))} >= {exportMicros.ToString(CultureInfo.InvariantCulture)})";

        // The change log and the table fill from two delivery streams: a change since the export may be in the
        // table before the change log has it. The table's own event time leaves such a row out too.
        // A snapshot's row (an earlier backfill's, or this very export's) is no change since the export.
        var lakeUnchanged = $"(l.{BackfillPlan.EventIdColumn(contract)} LIKE '{LakeSchema.SnapshotEventIdPrefix}%' OR l.{LakeDatabase.Quote(EventTime(contract))} < CAST(from_unixtime_nanos({exportMicros.ToString(CultureInfo.InvariantCulture)} * 1000) AS timestamp(6) with time zone))";
        var leaves = new List<(string Name, string Export, string Lake)>();
        foreach (var column in Parity.Compared(contract))
        {
            Leaves(column.Name, column.Type, BackfillPlan.Value(column, "e"), $"l.{LakeDatabase.Quote(column.Name)}", leaves);
        }

        var differing = string.Join(" || ", leaves.Select(l => $"CASE WHEN {l.Export} IS DISTINCT FROM {l.Lake} THEN '{l.Name},' ELSE '' END"));
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"SELECT '{Rows}' AS kind, CAST(count(*) AS varchar) AS k, CAST(NULL AS varchar) AS leaves FROM {staging}");
        text.Append(CultureInfo.InvariantCulture, $" UNION ALL SELECT '{Changed}', CAST(count(*) AS varchar), CAST(NULL AS varchar) FROM (SELECT DISTINCT {string.Join(", ", keys.Select(k => "c." + k))} FROM {changes} AS c WHERE {BackfillPlan.StreamRow(contract, "c")} AND c.{LakeDatabase.Quote(EventTime(contract))} >= {exportMicros.ToString(CultureInfo.InvariantCulture)}) AS changed");
        text.Append(CultureInfo.InvariantCulture, $" UNION ALL SELECT '{Missing}', {BackfillPlan.KeyText(contract, "e")}, CAST(NULL AS varchar) FROM {staging} AS e WHERE NOT EXISTS (SELECT 1 FROM {lakeTable} AS l WHERE {Same("l", "e")}) AND {Unchanged("e")}");
        text.Append(CultureInfo.InvariantCulture, $" UNION ALL SELECT '{Extra}', {BackfillPlan.KeyText(contract, "l")}, CAST(NULL AS varchar) FROM {lakeTable} AS l WHERE NOT EXISTS (SELECT 1 FROM {staging} AS e WHERE {Same("e", "l")}) AND {Unchanged("l")} AND {lakeUnchanged}");
        text.Append(CultureInfo.InvariantCulture, $" UNION ALL SELECT '{Duplicated}', {BackfillPlan.KeyText(contract, "l")}, CAST(NULL AS varchar) FROM {lakeTable} AS l GROUP BY {string.Join(", ", keys.Select(k => "l." + k))} HAVING count(*) > 1");
        text.Append(CultureInfo.InvariantCulture, $" UNION ALL SELECT '{Differs}', k, leaves FROM (SELECT {BackfillPlan.KeyText(contract, "e")} AS k, {differing} AS leaves FROM {staging} AS e JOIN {lakeTable} AS l ON {Same("e", "l")} WHERE {Unchanged("e")} AND {lakeUnchanged}) AS d WHERE leaves <> ''");
        return text.ToString();
    }

    // A column's leaves: itself, or each field of a struct (recursively); a list of scalars sorted, other lists whole.
    private static void Leaves(string name, ColumnType type, string export, string lake, List<(string, string, string)> leaves)
    {
        switch (type.Kind)
        {
            case ColumnKind.Struct:
                foreach (var field in type.Fields!.Columns)
                {
                    var quoted = LakeDatabase.Quote(field.Name);
                    Leaves($"{name}.{field.Name}", field.Type, $"{export}.{quoted}", $"{lake}.{quoted}", leaves);
                }

                break;
            case ColumnKind.List when type.Element!.Kind is not (ColumnKind.Struct or ColumnKind.List):
                leaves.Add((name, $"array_sort({export})", $"array_sort({lake})"));
                break;
            default:
                leaves.Add((name, export, lake));
                break;
        }
    }

    private static string EventTime(TableContract contract) =>
        contract.Columns.Columns.FirstOrDefault(c => c.Derived == DerivedField.EventTime)?.Name
            ?? throw new InvalidOperationException($"{contract.SourceName} has no column derived from event_time: verify in Athena could not tell the keys changed since the export");
}
