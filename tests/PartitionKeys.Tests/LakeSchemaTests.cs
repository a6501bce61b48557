using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace PartitionKeys.Tests;

/// <summary>The S3-path artefacts generated from the contract: committed copies match, and the view runs on DuckDB.</summary>
public sealed class LakeSchemaTests
{
    [Fact]
    public async Task CommittedGlueColumns_AreTheGeneratedOnes()
    {
        var committed = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "schema", "generated", "transactions_changes.glue-columns.json"));

        Assert.Equal(LakeSchema.GlueColumnsJson(Harness.Contract), committed);
    }

    [Fact]
    public async Task CommittedView_IsTheGeneratedOne()
    {
        var committed = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "schema", "generated", "transactions_current.sql"));

        Assert.Equal(LakeSchema.CurrentStateViewSql(Harness.Contract), committed);
    }

    [Fact]
    public void GlueColumns_FollowTheContract()
    {
        var columns = LakeSchema.GlueColumns(Harness.Contract).ToDictionary(c => c.Name, c => c.Type);

        Assert.Equal(Harness.Contract.Columns.Columns.Select(c => c.Name), columns.Keys);
        Assert.Equal("decimal(12,2)", columns["amount"]);
        Assert.Equal("int", columns["hour"]);
        Assert.Equal("bigint", columns["timestamp"]); // epoch µs: Firehose's JSON deserializers read at most epoch ms
        Assert.Equal("boolean", columns["_ttl_delete"]);
        Assert.Equal("struct<device_type:string,authentication_method:string,merchant_id:string>", columns["transaction_metadata"]);
    }

    [Fact]
    public async Task CurrentStateView_RunsUnchangedOnDuckDb_OverTheChangeLog()
    {
        // The change log as Firehose would write it: PartitionKeys' JSON lines, back to back.
        var (response, _) = await Harness.Invoke(await File.ReadAllBytesAsync(Harness.EventPath("kinesis-mixed-batch")));
        var lines = new StringBuilder();
        foreach (var record in response.GetProperty("records").EnumerateArray())
        {
            lines.Append(Harness.Data(record));
        }

        var path = Path.Combine(Path.GetTempPath(), $"changes-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, lines.ToString());
        try
        {
            using var connection = new DuckDBConnection("DataSource=:memory:");
            connection.Open();
            var columns = string.Join(", ", LakeSchema.GlueColumns(Harness.Contract).Select(c => $"'{c.Name}': '{DuckDbType(c.Type)}'"));
            Execute(connection, $"CREATE TABLE transactions_changes AS SELECT * FROM read_json('{path}', format = 'newline_delimited', columns = {{{columns}}})");

            // The snapshot table beside it (ADR 0018): a snapshot's row stands only for a key the stream never mentioned.
            Execute(connection, "CREATE TABLE transactions_snapshot AS SELECT * FROM transactions_changes WHERE false");
            Execute(connection, "INSERT INTO transactions_snapshot SELECT * REPLACE ('txn-00000099' AS transaction_id, 'export:E1' AS _event_id, 'insert' AS _op) FROM transactions_changes WHERE transaction_id = 'txn-00000012' LIMIT 1");
            Execute(connection, "INSERT INTO transactions_snapshot SELECT * REPLACE (1.00 AS amount, 'export:E1' AS _event_id, 'insert' AS _op, _event_time + 1000000 AS _event_time) FROM transactions_changes WHERE transaction_id = 'txn-00000011' LIMIT 1");
            Execute(connection, "INSERT INTO transactions_snapshot SELECT * REPLACE ('export:E1' AS _event_id, 'insert' AS _op) FROM transactions_changes WHERE transaction_id = 'txn-00000013' LIMIT 1");
            Execute(connection, LakeSchema.CurrentStateViewSql(Harness.Contract));

            using var query = connection.CreateCommand();
            query.CommandText = "SELECT transaction_id, CAST(amount AS VARCHAR), status FROM transactions_current ORDER BY transaction_id";
            using var reader = query.ExecuteReader();
            var rows = new List<string>();
            while (reader.Read())
            {
                rows.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)}");
            }

            // txn-10 (inserted, modified, removed) and txn-13 (removed, its snapshot row too) are gone; txn-11 keeps
            // its stream row over a later-stamped snapshot row; txn-99, only in the snapshot, is there; amounts stay exact.
            Assert.Equal(["txn-00000011 -25.00 PENDING", "txn-00000012 150.00 PENDING", "txn-00000099 150.00 PENDING"], rows);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Hive type → DuckDB type, for loading the JSON lines the way the Glue table reads them.</summary>
    private static string DuckDbType(string hive) => hive switch
    {
        "string" => "VARCHAR",
        "bigint" => "BIGINT",
        "int" => "INTEGER",
        "boolean" => "BOOLEAN",
        "date" => "DATE",
        "double" => "DOUBLE",
        _ when hive.StartsWith("decimal", StringComparison.Ordinal) => hive.ToUpperInvariant(),
        _ when hive.StartsWith("struct<", StringComparison.Ordinal) =>
            "STRUCT(" + string.Join(", ", hive[7..^1].Split(',').Select(f => f.Split(':')).Select(f => $"{f[0]} {DuckDbType(f[1])}")) + ")",
        _ => throw new ArgumentOutOfRangeException(nameof(hive), hive, null),
    };
}
