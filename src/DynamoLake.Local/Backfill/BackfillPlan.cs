using System.Text;
using DynamoLake.Core.Contract;
using DynamoLake.Local.Pipeline;

namespace DynamoLake.Local.Backfill;

/// <summary>
/// The Athena statements of the hand-off (ADR 0018), written once for Athena and the tests' DuckDB stand-in
/// alike: the staging table over the conversion's rows, the load (insert only keys absent from the lake and
/// never mentioned by the stream), the repair (remove snapshot rows of keys the stream has mentioned since),
/// and the staging table's removal.
/// </summary>
internal static class BackfillPlan
{
    /// <summary>
    /// Why this contract cannot be loaded yet, or null. The staging rows hold instants as epoch microseconds and
    /// binaries as base64 (the change log's Glue types); the load converts them at the top level only.
    /// </summary>
    public static string? Refusal(TableContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var nested = contract.Columns.Columns.Where(c => c.Type.Kind is ColumnKind.Struct or ColumnKind.List && NeedsConversion(c.Type)).Select(c => c.Name).ToList();
        if (nested.Count > 0)
        {
            return $"{contract.SourceName}: {string.Join(", ", nested)} hold instants or binaries inside a struct or list, which backfill --stack does not convert yet; load such a table with the local backfill, or leave those fields out of the contract";
        }

        // The repair and the comparison match keys across the change log's types and the table's: text and numbers only.
        var keys = contract.UniqueKey.Where(c => NeedsConversion(c.Type)).Select(c => c.Name).ToList();
        return keys.Count == 0
            ? null
            : $"{contract.SourceName}: the key column(s) {string.Join(", ", keys)} are instants or binaries, which backfill --stack does not match across the change log and the table yet; load such a table with the local backfill";
    }

    /// <summary>The staging table's name: the contract's table and the export's id, as Glue names go (lower case, letters, digits, _).</summary>
    public static string StagingTable(TableContract contract, string exportId)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var id = new string([.. exportId.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
        return $"{contract.Table}_snapshot_{id}";
    }

    /// <summary>An external table over the rows, with the change log's Glue columns, read by the JSON SerDe Firehose uses for the same rows.</summary>
    public static string CreateStaging(TableContract contract, string database, string table, string location)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var columns = string.Join(", ", LakeSchema.GlueColumns(contract).Select(c => $"`{c.Name}` {c.Type}"));
        return $"CREATE EXTERNAL TABLE `{database}`.`{table}` ({columns}) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION '{Escape(location)}'";
    }

    /// <summary>Athena's name of the change log's Glue table.</summary>
    public static string ChangeLog(TableContract contract, string database) => Glue(database, LakeSchema.ChangeLogTable(contract));

    /// <summary>Athena's name of a table of the Glue Data Catalog.</summary>
    public static string Glue(string database, string table) => $"\"awsdatacatalog\".\"{database}\".\"{table}\"";

    public static string DropStaging(string database, string table) => $"DROP TABLE IF EXISTS `{database}`.`{table}`";

    /// <summary>
    /// The load: one row per key of the staging rows (a retried conversion may have written a file twice; a key is
    /// in one data file of an export, so a load of some files only still sees each key's copies), only
    /// where the change log has no stream row for the key, and only where the lake has no row (MERGE … WHEN NOT MATCHED).
    /// </summary>
    /// <param name="files">The staging files this load reads (<c>"$path"</c>, the Hive connector's file column); null: all.</param>
    public static string Load(TableContract contract, string lakeTable, string staging, string changes, IReadOnlyList<string>? files = null)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var keys = contract.UniqueKey.Select(c => LakeDatabase.Quote(c.Name)).ToList();
        var columns = contract.Columns.Columns.Select(c => LakeDatabase.Quote(c.Name)).ToList();
        var text = new StringBuilder();
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"MERGE INTO {lakeTable} AS t USING (SELECT ");
        text.AppendJoin(", ", contract.Columns.Columns.Select(c => $"{Value(c, "s")} AS {LakeDatabase.Quote(c.Name)}"));
        text.Append(" FROM (SELECT r.*, row_number() OVER (PARTITION BY ").AppendJoin(", ", keys.Select(k => "r." + k)).Append(" ORDER BY r.").Append(LakeDatabase.Quote("_event_id")).Append(") AS copy FROM ").Append(staging).Append(" AS r");
        if (files is not null)
        {
            text.Append(" WHERE r.\"$path\" IN (").AppendJoin(", ", files.Select(f => $"'{Escape(f)}'")).Append(')');
        }

        text.Append(") AS s");
        text.Append(" WHERE s.copy = 1 AND NOT EXISTS (SELECT 1 FROM ").Append(changes).Append(" AS c WHERE ");
        text.AppendJoin(" AND ", keys.Select(k => $"c.{k} = s.{k}"));
        text.Append(" AND ").Append(StreamRow(contract, "c")).Append(")) AS s ON ");
        text.AppendJoin(" AND ", keys.Select(k => $"t.{k} = s.{k}"));
        text.Append(" WHEN NOT MATCHED THEN INSERT (").AppendJoin(", ", columns).Append(") VALUES (").AppendJoin(", ", columns.Select(c => "s." + c)).Append(')');
        return text.ToString();
    }

    /// <summary>The repair: the export's snapshot rows whose key the stream has mentioned. It deletes no stream row, so it may run again.</summary>
    public static string Repair(TableContract contract, string lakeTable, string changes, string exportId)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var eventId = EventIdColumn(contract);
        return $"DELETE FROM {lakeTable} WHERE {eventId} = '{Escape(LakeSchema.SnapshotEventIdPrefix + exportId)}' AND {KeyText(contract)} IN (SELECT {KeyText(contract)} FROM {changes} WHERE {StreamRow(contract, null)})";
    }

    // A change-log row the stream wrote (not a snapshot's).
    internal static string StreamRow(TableContract contract, string? alias) => $"{(alias is null ? "" : alias + ".")}{EventIdColumn(contract)} NOT LIKE '{LakeSchema.SnapshotEventIdPrefix}%'";

    internal static string EventIdColumn(TableContract contract) =>
        LakeDatabase.Quote(contract.Columns.Columns.FirstOrDefault(c => c.Derived == DerivedField.EventId)?.Name
            ?? throw new InvalidOperationException($"{contract.SourceName} has no column derived from event_id: the repair could not tell a snapshot's rows from the stream's"));

    // The key as one value: the column itself, or a composite key's parts as text joined by U+001F.
    internal static string KeyText(TableContract contract, string? alias = null) =>
        contract.UniqueKey.Count == 1 && contract.UniqueKey[0].Type.Kind == ColumnKind.String
            ? $"{(alias is null ? "" : alias + ".")}{LakeDatabase.Quote(contract.UniqueKey[0].Name)}"
            : string.Join(" || chr(31) || ", contract.UniqueKey.Select(c => $"CAST({(alias is null ? "" : alias + ".")}{LakeDatabase.Quote(c.Name)} AS varchar)"));

    // A staging value as the Iceberg column takes it: instants from epoch µs, binaries from base64.
    internal static string Value(Column column, string alias)
    {
        var name = $"{alias}.{LakeDatabase.Quote(column.Name)}";
        return column.Type.Kind switch
        {
            ColumnKind.TimestampTz => $"CAST(from_unixtime_nanos({name} * 1000) AS timestamp(6) with time zone)",
            ColumnKind.Timestamp => $"CAST(from_unixtime_nanos({name} * 1000) AS timestamp(6))",
            ColumnKind.Binary => $"from_base64({name})",
            _ => name,
        };
    }

    private static bool NeedsConversion(ColumnType type) => type.Kind switch
    {
        ColumnKind.Timestamp or ColumnKind.TimestampTz or ColumnKind.Binary => true,
        ColumnKind.Struct => type.Fields!.Columns.Any(f => NeedsConversion(f.Type)),
        ColumnKind.List => NeedsConversion(type.Element!),
        _ => false,
    };

    private static string Escape(string text) => text.Replace("'", "''", StringComparison.Ordinal);
}
