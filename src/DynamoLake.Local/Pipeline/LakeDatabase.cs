using System.Data.Common;
using DuckDB.NET.Data;
using DynamoLake.Core.Contract;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// DuckDB over the local lake, with the views Athena users have: <c>transactions</c> (the Iceberg table),
/// <c>transactions_changes</c> (the S3 change log, hive partitions) and <c>transactions_current</c> (the
/// generated current-state view over the change log, run unchanged).
/// </summary>
internal sealed class LakeDatabase : IDisposable
{
    private readonly DuckDBConnection _connection;
    private string? _work;

    private LakeDatabase(DuckDBConnection connection)
    {
        _connection = connection;
    }

    /// <summary>Change-log files that lie outside every partition Athena projects: Athena would never read them.</summary>
    public IReadOnlyList<string> InvisibleChangeLogFiles { get; private set; } = [];

    /// <summary>A DuckDB with no lake attached, for relations a caller names itself.</summary>
    public static LakeDatabase InMemory()
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        var database = new LakeDatabase(connection);
        try
        {
            // Athena's CURRENT_DATE and timestamps are UTC; so are the local lake's, whatever the machine's zone.
            database.Execute("SET TimeZone = 'UTC'");
        }
        catch
        {
            database.Dispose();
            throw;
        }

        return database;
    }

    /// <summary>
    /// Opens the lake. The change log is read the way Athena reads it: only the files in partitions the
    /// template's projection names, with the partition columns taken from the folder names (strings, as the
    /// Glue table declares them), not from DuckDB's own discovery of hive folders.
    /// </summary>
    /// <param name="paths">The lake.</param>
    /// <param name="contract">The table contract.</param>
    /// <param name="projection">The change log's projected partitions; null opens the Iceberg table only.</param>
    public static LakeDatabase Open(LakePaths paths, TableContract contract, ChangeLogProjection? projection)
    {
        if (File.Exists(paths.Root))
        {
            throw new PipelineException($"--lake '{paths.Root}' is a file; give the folder the pipeline wrote (default: lake).");
        }

        var hasIceberg = Directory.Exists(paths.Iceberg) && Directory.EnumerateFiles(paths.Iceberg, "*.parquet", SearchOption.AllDirectories).Any();
        var changeLogFiles = projection is not null && Directory.Exists(paths.ChangeLog)
            ? Directory.EnumerateFiles(paths.ChangeLog, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [];
        if (!hasIceberg && changeLogFiles.Count == 0)
        {
            throw new PipelineException($"no lake at '{paths.Root}': run the pipeline first ({Tool.Name} pipeline --lake {paths.Root})");
        }

        var database = InMemory();
        try
        {
            if (hasIceberg)
            {
                database.Execute($"CREATE VIEW {contract.Table} AS SELECT * FROM read_parquet('{Escape(paths.IcebergGlob)}', hive_partitioning = false)");
            }

            if (changeLogFiles.Count > 0)
            {
                database.CreateChangeLogView(paths, contract, projection!, changeLogFiles);
            }
        }
        catch
        {
            database.Dispose();
            throw;
        }

        return database;
    }

    private void CreateChangeLogView(LakePaths paths, TableContract contract, ChangeLogProjection projection, List<string> files)
    {
        var visible = new List<(string File, string[] Partition)>();
        var invisible = new List<string>();
        foreach (var file in files)
        {
            var folder = Path.GetRelativePath(paths.ChangeLog, Path.GetDirectoryName(file)!).Replace('\\', '/') + "/";
            if (projection.Partition(folder) is { } partition)
            {
                visible.Add((file, partition));
            }
            else
            {
                invisible.Add(file);
            }
        }

        InvisibleChangeLogFiles = invisible;
        var table = LakeSchema.ChangeLogTable(contract);
        if (visible.Count == 0)
        {
            throw new PipelineException($"none of the {files.Count:N0} change-log files lies in a partition that the template's projection names ({projection.LocationTemplate}): Athena would return no rows from {table}");
        }

        var columns = string.Join(", ", projection.Columns.Select(c => $"\"{c.Name}\""));
        var rows = string.Join(",\n", visible.Select(v => $"('{Escape(v.File)}', {string.Join(", ", v.Partition.Select(p => $"'{Escape(p)}'"))})"));
        var list = string.Join(", ", visible.Select(v => $"'{Escape(v.File)}'"));
        Execute($"""
            CREATE VIEW {table} AS
            SELECT * EXCLUDE (filename)
            FROM read_parquet([{list}], hive_partitioning = false, union_by_name = true, filename = true)
            JOIN (VALUES {rows}) AS partitions(filename, {columns}) USING (filename)
            """);

        // Locally the change log itself takes a snapshot's rows (PartitionKeys converts them with the stream's):
        // the snapshot table the view also reads is empty here, with the change log's columns.
        Execute($"CREATE VIEW {LakeSchema.SnapshotTable(contract)} AS SELECT {string.Join(", ", contract.Columns.Columns.Select(c => Quote(c.Name)))} FROM {table} WHERE false");
        Execute(LakeSchema.CurrentStateViewSql(contract));
    }

    /// <summary>
    /// The Iceberg table's rows as the Transform writes them (JSON, timestamps in epoch µs), so that redrive
    /// and backfill can apply changes on top of the lake as it is.
    /// </summary>
    public static IEnumerable<byte[]> IcebergRows(LakePaths paths, TableContract contract)
    {
        if (!Directory.Exists(paths.Iceberg) || !Directory.EnumerateFiles(paths.Iceberg, "*.parquet", SearchOption.AllDirectories).Any())
        {
            yield break;
        }

        using var database = Open(paths, contract, projection: null);
        var timestamps = contract.Columns.Columns.Where(c => c.Type.Kind is ColumnKind.Timestamp or ColumnKind.TimestampTz).ToList();
        var replace = timestamps.Count == 0 ? "" : " REPLACE (" + string.Join(", ", timestamps.Select(c => $"epoch_us(\"{c.Name}\") AS \"{c.Name}\"")) + ")";
        using var reader = database.Query($"SELECT to_json(t) FROM (SELECT *{replace} FROM {contract.Table}) AS t");
        while (reader.Read())
        {
            yield return System.Text.Encoding.UTF8.GetBytes(reader.GetString(0));
        }
    }

    /// <summary>
    /// The SQL types of a query's columns as DuckDB declares them (<c>DECIMAL(38,2)</c>, <c>TIMESTAMP WITH TIME
    /// ZONE</c>): the data reader reports only "Decimal", and a sum of cents then loses its scale. Null when the
    /// statement cannot be described (not a query).
    /// </summary>
    /// <summary>A query's result columns, names and declared types; null when DuckDB cannot describe it (not a query).</summary>
    public IReadOnlyList<(string Name, string Type)>? Columns(string sql)
    {
        try
        {
            using var reader = Query("DESCRIBE " + sql.TrimEnd().TrimEnd(';'));
            var columns = new List<(string, string)>();
            while (reader.Read())
            {
                columns.Add((reader.GetString(0), reader.GetString(1)));
            }

            return columns;
        }
        catch (DuckDBException)
        {
            return null;
        }
    }

    /// <summary>
    /// The query with its decimals wider than System.Decimal's 28 digits read as their exact text (the
    /// ADO.NET reader would round them); the query itself when it has none or cannot be described.
    /// </summary>
    public static string WithExactDecimals(string sql, IReadOnlyList<(string Name, string Type)>? columns)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var wide = columns?.Where(c => c.Type.StartsWith("DECIMAL(", StringComparison.OrdinalIgnoreCase) && int.TryParse(c.Type.AsSpan(8, c.Type.IndexOf(',', StringComparison.Ordinal) - 8), System.Globalization.CultureInfo.InvariantCulture, out var width) && width > 28).ToList();
        return wide is not { Count: > 0 }
            ? sql
            : $"SELECT * REPLACE ({string.Join(", ", wide.Select(c => $"CAST({Quote(c.Name)} AS VARCHAR) AS {Quote(c.Name)}"))}) FROM ({sql.TrimEnd().TrimEnd(';')})";
    }

    /// <summary>
    /// Holds DuckDB to a memory limit for a run whatever the lake's size: what does not fit (join and
    /// aggregate state, temporary tables) goes to files under <paramref name="workFolder"/>, which the caller removes.
    /// </summary>
    public void Bound(string workFolder, int memoryLimitMegabytes)
    {
        Directory.CreateDirectory(workFolder);
        _work = workFolder;
        Execute($"SET memory_limit = '{memoryLimitMegabytes}MB'");
        Execute($"SET temp_directory = '{Escape(Path.Combine(workFolder, "duckdb-temp"))}'");
        Execute("SET preserve_insertion_order = false");
    }

    /// <summary>A path for a scratch file: in the work folder once bounded, else in the system's temporary folder. The caller deletes it.</summary>
    public string ScratchFile(string name) => Path.Combine(_work ?? Path.GetTempPath(), $"dynamolake-{Guid.NewGuid():N}-{name}");

    public void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public DbDataReader Query(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteReader();
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>A name as a SQL identifier: in double quotes, its own doubled.</summary>
    internal static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Text made safe inside a SQL string literal (quotes doubled).</summary>
    internal static string Escape(string text) => text.Replace("'", "''", StringComparison.Ordinal);
}
