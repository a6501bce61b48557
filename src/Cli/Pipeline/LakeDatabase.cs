using System.Data.Common;
using DuckDB.NET.Data;
using DynamoLake.Core.Contract;

namespace Cli.Pipeline;

/// <summary>
/// DuckDB over the local lake, with the views Athena users have: <c>transactions</c> (the Iceberg table),
/// <c>transactions_changes</c> (the S3 change log, hive partitions) and <c>transactions_current</c> (the
/// generated current-state view over the change log, run unchanged).
/// </summary>
internal sealed class LakeDatabase : IDisposable
{
    private readonly DuckDBConnection _connection;

    private LakeDatabase(DuckDBConnection connection)
    {
        _connection = connection;
    }

    public static LakeDatabase Open(LakePaths paths, TableContract contract)
    {
        var hasIceberg = Directory.Exists(paths.Iceberg) && Directory.EnumerateFiles(paths.Iceberg, "*.parquet", SearchOption.AllDirectories).Any();
        var hasChanges = Directory.Exists(paths.ChangeLog) && Directory.EnumerateFiles(paths.ChangeLog, "*.parquet", SearchOption.AllDirectories).Any();
        if (!hasIceberg && !hasChanges)
        {
            throw new PipelineException($"no lake at '{paths.Root}': run the pipeline first (dotnet run --project src/Cli -- pipeline --out {paths.Root})");
        }

        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        var database = new LakeDatabase(connection);
        if (hasIceberg)
        {
            database.Execute($"CREATE VIEW {contract.Table} AS SELECT * FROM read_parquet('{Escape(paths.IcebergGlob)}', hive_partitioning = false)");
        }

        if (hasChanges)
        {
            database.Execute($"CREATE VIEW {LakeSchema.ChangeLogTable(contract)} AS SELECT * FROM read_parquet('{Escape(paths.ChangeLogGlob)}', hive_partitioning = true, union_by_name = true)");
            database.Execute(LakeSchema.CurrentStateViewSql(contract));
        }

        return database;
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

        using var database = Open(paths, contract);
        var timestamps = contract.Columns.Columns.Where(c => c.Type.Kind is ColumnKind.Timestamp or ColumnKind.TimestampTz).ToList();
        var replace = timestamps.Count == 0 ? "" : " REPLACE (" + string.Join(", ", timestamps.Select(c => $"epoch_us(\"{c.Name}\") AS \"{c.Name}\"")) + ")";
        using var reader = database.Query($"SELECT to_json(t) FROM (SELECT *{replace} FROM {contract.Table}) AS t");
        while (reader.Read())
        {
            yield return System.Text.Encoding.UTF8.GetBytes(reader.GetString(0));
        }
    }

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

    private static string Escape(string path) => path.Replace("'", "''", StringComparison.Ordinal);
}
