using System.Text;

namespace DynamoLake.Core.Contract;

/// <summary>
/// What the S3 / Parquet path needs, generated from the contract: the Glue (Hive) column list Firehose
/// converts the JSON lines against, and the current-state SQL view over the change log (Athena and
/// DuckDB alike). Never written by hand: the files under schema/generated/ are this output.
/// </summary>
public static class LakeSchema
{
    /// <summary>Name of the change-log table (the Glue table of the S3 path).</summary>
    public static string ChangeLogTable(TableContract contract) => contract.Table + "_changes";

    /// <summary>Name of the current-state view over the change log.</summary>
    public static string CurrentView(TableContract contract) => contract.Table + "_current";

    /// <summary>
    /// The Glue table of the snapshots handed over to the lake (ADR 0018): the Transform's rows of each export,
    /// JSON lines with the change log's columns, beside the change log; the current-state view reads both.
    /// </summary>
    public static string SnapshotTable(TableContract contract) => contract.Table + "_snapshot";

    /// <summary>
    /// Glue column types. Timestamps are <c>bigint</c> epoch microseconds: Firehose's JSON deserializers
    /// parse epoch milliseconds at most, so a µs value declared as timestamp would be misread.
    /// </summary>
    public static IReadOnlyList<GlueColumn> GlueColumns(TableContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return contract.Columns.Columns.Select(c => new GlueColumn(c.Name, HiveType(c.Type), Comment(c))).ToList();
    }

    public static string HiveType(ColumnType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.Kind switch
        {
            ColumnKind.String => "string",
            ColumnKind.Int => "int",
            ColumnKind.Long => "bigint",
            ColumnKind.Boolean => "boolean",
            ColumnKind.Float => "float",
            ColumnKind.Double => "double",
            ColumnKind.Decimal => $"decimal({type.Precision},{type.Scale})",
            ColumnKind.Date => "date",
            ColumnKind.Timestamp or ColumnKind.TimestampTz => "bigint",
            ColumnKind.Binary => "string",
            ColumnKind.Struct => $"struct<{string.Join(",", type.Fields!.Columns.Select(f => $"{f.Name}:{HiveType(f.Type)}"))}>",
            ColumnKind.List => $"array<{HiveType(type.Element!)}>",
            _ => throw new ArgumentOutOfRangeException(nameof(type), type.Kind, null),
        };
    }

    private static string Comment(Column column) => WithValues(column, column.Type.Kind switch
    {
        ColumnKind.Timestamp or ColumnKind.TimestampTz => "epoch microseconds" + (column.Doc is null ? string.Empty : "; " + column.Doc),
        ColumnKind.Binary => "base64" + (column.Doc is null ? string.Empty : "; " + column.Doc),
        _ => column.Doc ?? string.Empty,
    });

    /// <summary>A categorical column's comment names its values (nested struct fields' values too), so Athena users see them.</summary>
    private static string WithValues(Column column, string comment)
    {
        var values = column.Values is { } own ? [$"One of {string.Join(", ", own)}"] : new List<string>();
        if (column.Type.Fields is { } fields)
        {
            values.AddRange(fields.Columns.Where(f => f.Values is not null).Select(f => $"{f.Name}: {string.Join(", ", f.Values!)}"));
        }

        if (values.Count == 0)
        {
            return comment;
        }

        var listed = string.Join("; ", values) + ".";
        return comment.Length == 0 ? listed : $"{comment} {listed}";
    }

    /// <summary>The Glue column list as JSON (Name, Type, Comment), the shape of AWS::Glue::Table Columns.</summary>
    public static string GlueColumnsJson(TableContract contract)
    {
        var builder = new StringBuilder("[\n");
        var columns = GlueColumns(contract);
        for (var i = 0; i < columns.Count; i++)
        {
            var c = columns[i];
            builder.Append("  { \"Name\": ").Append(Quote(c.Name)).Append(", \"Type\": ").Append(Quote(c.Type))
                .Append(", \"Comment\": ").Append(Quote(c.Comment)).Append(" }").Append(i + 1 < columns.Count ? ",\n" : "\n");
        }

        return builder.Append("]\n").ToString();
    }

    /// <summary>
    /// <c>CREATE OR REPLACE VIEW &lt;table&gt;_current</c>: the newest change per unique key (by
    /// <c>_event_time</c>, then <c>_event_id</c>), keys whose newest change is a delete left out.
    /// Plain SQL that Athena (Trino) and DuckDB both run unchanged.
    /// </summary>
    public static string CurrentStateViewSql(TableContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var builder = new StringBuilder();
        builder.Append("-- Generated from schema/").Append(contract.Table).Append(".json by `dotnet run --project src/Cli -- contract view`. Do not edit.\n");
        builder.Append("-- Current state from the change log: the newest change per unique key (by ")
            .Append(Derived(contract, DerivedField.EventTime)).Append(", then ").Append(Derived(contract, DerivedField.EventId)).Append("; a snapshot's row, ").Append(SnapshotEventIdPrefix).Append("… in ").Append(SnapshotTable(contract)).Append(", only where the stream has none), keys deleted last left out.\n");
        builder.Append("-- Runs unchanged on Athena and DuckDB.\n");
        builder.Append("CREATE OR REPLACE VIEW ").Append(CurrentView(contract)).Append(" AS\n");

        // The change log and the snapshots handed over (their rows only where the stream has none), as one relation.
        var columns = string.Join(", ", contract.Columns.Columns.Select(c => Identifier(c.Name)));
        return builder.Append(CurrentStateQuery(contract, $"(\n    SELECT {columns} FROM {ChangeLogTable(contract)}\n    UNION ALL\n    SELECT {columns} FROM {SnapshotTable(contract)}\n  )")).ToString();
    }

    /// <summary>
    /// How the event id of a row loaded from a snapshot of the table begins (<c>export:&lt;ExportId&gt;</c>):
    /// such a row stands for the key only where the stream has no change of it (ADR 0018).
    /// </summary>
    public const string SnapshotEventIdPrefix = "export:";

    /// <summary>
    /// The view's query over any relation with the change log's columns (the change log itself, or a part
    /// of it): the newest change per unique key, a snapshot's row only where the stream has none, keys whose
    /// newest change is a delete left out.
    /// </summary>
    public static string CurrentStateQuery(TableContract contract, string changes)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var eventTime = Derived(contract, DerivedField.EventTime);
        var eventId = Derived(contract, DerivedField.EventId);
        var operation = Derived(contract, DerivedField.Operation);
        var business = contract.Columns.Columns.Where(c => c.Derived == DerivedField.None || c.Derived == DerivedField.EventTime || c.Derived == DerivedField.EventId);
        var builder = new StringBuilder("SELECT\n");
        builder.Append(string.Join(",\n", business.Select(c => "  " + Identifier(c.Name)))).Append('\n');
        builder.Append("FROM (\n  SELECT\n    c.*,\n    row_number() OVER (\n      PARTITION BY ")
            .Append(string.Join(", ", contract.UniqueKey.Select(c => Identifier(c.Name))))
            .Append("\n      ORDER BY CASE WHEN ").Append(Identifier(eventId)).Append(" LIKE '").Append(SnapshotEventIdPrefix).Append("%' THEN 1 ELSE 0 END, ")
            .Append(Identifier(eventTime)).Append(" DESC, ").Append(Identifier(eventId)).Append(" DESC\n    ) AS change_rank\n");
        builder.Append("  FROM ").Append(changes).Append(" AS c\n) AS ranked\n");
        builder.Append("WHERE change_rank = 1 AND ").Append(Identifier(operation)).Append(" <> 'delete'\n");
        return builder.ToString();
    }

    private static string Derived(TableContract contract, DerivedField field) =>
        contract.Columns.Columns.FirstOrDefault(c => c.Derived == field)?.Name
        ?? throw new TableContractException($"{contract.SourceName}: the change-log view needs a column derived from {field}.");

    private static string Identifier(string name) => "\"" + name + "\"";

    private static string Quote(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' or '\\' => builder.Append('\\').Append(c),
                < ' ' => builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.Append('"').ToString();
    }
}
