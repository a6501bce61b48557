using DynamoLake.Core.Contract;
using DynamoLake.Local.Backfill;
using DynamoLake.Local.Pipeline;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>
/// The hand-off's statements (ADR 0018) run on DuckDB as the Athena stand-in translates them, one hazard at a
/// time: the Iceberg table, the change log (Glue types: instants as epoch µs) and the staging rows of export E1
/// at T. Each hazard is also run with the naive load it defeats, which must fail it: every snapshot row upserted
/// (as a load through Firehose would be), no repair.
/// </summary>
public sealed class BackfillPlanTests : IDisposable
{
    private const long T = 1_796_000_000_000_000;
    private const string Lake = "\"s3tablescatalog/lake\".\"ns\".\"t\"";
    private const string Changes = "\"awsdatacatalog\".\"log\".\"t_changes\"";
    private const string Staging = "\"awsdatacatalog\".\"log\".\"t_snapshot_e1\"";
    private readonly TempFolder _temp = new("dynamolake-backfill-plan-");
    private readonly TableContract _contract;

    public BackfillPlanTests()
    {
        var file = Path.Combine(_temp.Path, "t.json");
        File.WriteAllText(file, """
            {"table": "t", "uniqueKey": ["id"], "columns": [
              {"name": "id", "type": "string", "required": true},
              {"name": "amount", "type": "decimal(12,2)"},
              {"name": "at", "type": "timestamptz", "sourceUnit": "milliseconds"},
              {"name": "_op", "type": "string", "derived": "operation"},
              {"name": "_event_time", "type": "timestamptz", "derived": "event_time"},
              {"name": "_event_id", "type": "string", "derived": "event_id"}]}
            """);
        _contract = TableContract.Load(file);
    }

    public void Dispose() => _temp.Dispose();

    public static TheoryData<bool> Naive => new() { false, true };

    // A change after T reached the lake before the load: the export's older image must not overwrite it.
    [Theory]
    [MemberData(nameof(Naive))]
    public void Regression_TheExportsOlderImageNeverReplacesANewerStreamRow(bool naive)
    {
        using var db = Database();
        Stream(db, "k1", "insert", "1.00", T - 50, "s1");
        Stream(db, "k1", "update", "2.00", T + 50, "s2");
        Snapshot(db, "k1", "1.00");
        Load(db, naive);
        Repair(db, naive);
        Assert.Equal(naive ? ["1.00 export:E1"] : ["2.00 s2"], Rows(db, "k1"));
    }

    // Deleted after T: the export still holds it, the lake does not; the change log's delete keeps it out.
    [Theory]
    [MemberData(nameof(Naive))]
    public void Resurrection_AKeyDeletedAfterTheExportIsNotLoaded(bool naive)
    {
        using var db = Database();
        Stream(db, "k2", "delete", null, T + 10, "s3", lake: false);
        Snapshot(db, "k2", "5.00");
        Load(db, naive);
        Repair(db, naive);
        Assert.Equal(naive ? ["5.00 export:E1"] : [], Rows(db, "k2"));
    }

    // Changed while the load runs: Firehose commits the change beside the loaded row (snapshot isolation); the repair removes the snapshot's.
    [Theory]
    [MemberData(nameof(Naive))]
    public void ChangedDuringTheLoad_TheRepairLeavesTheStreamsRow(bool naive)
    {
        using var db = Database();
        Snapshot(db, "k3", "3.00");
        Load(db, naive);
        Stream(db, "k3", "update", "4.00", T + 20, "s4");
        Repair(db, naive);
        Assert.Equal(naive ? ["3.00 export:E1", "4.00 s4"] : ["4.00 s4"], Rows(db, "k3"));
    }

    // A conversion retried (its file's rows twice) and the whole load run twice: one row.
    [Theory]
    [MemberData(nameof(Naive))]
    public void ARepeatedLoad_LoadsAKeyOnce(bool naive)
    {
        using var db = Database();
        Snapshot(db, "k4", "7.25");
        Snapshot(db, "k4", "7.25");
        Load(db, naive);
        Load(db, naive);
        Repair(db, naive);
        Assert.Equal(naive ? 2 : 1, Rows(db, "k4").Count);
    }

    // An item the stream never mentioned arrives as the export holds it: the amount exact, the instant to the µs, the snapshot's time T - 1 µs.
    [Fact]
    public void AnItemTheStreamNeverMentioned_IsLoadedExactly()
    {
        using var db = Database();
        Snapshot(db, "k5", "1234567890.01", at: 1_795_000_000_123_456);
        Load(db, naive: false);
        Repair(db, naive: false);
        Assert.Equal(["1234567890.01 export:E1"], Rows(db, "k5"));
        using var reader = db.Query("SELECT epoch_us(\"at\"), epoch_us(\"_event_time\"), \"_op\" FROM t WHERE id = 'k5'");
        Assert.True(reader.Read());
        Assert.Equal(1_795_000_000_123_456L, reader.GetInt64(0));
        Assert.Equal(T - 1, reader.GetInt64(1));
        Assert.Equal("insert", reader.GetString(2));
    }

    // verify in Athena: a key changed since the export is counted, not compared; an unchanged key's difference is reported.
    [Fact]
    public void TheComparison_LeavesOutKeysChangedSinceTheExport_AndReportsTheRest()
    {
        using var db = Database();
        Snapshot(db, "k6", "6.00");
        Snapshot(db, "k7", "7.00");
        Snapshot(db, "k8", "8.00");
        Load(db, naive: false);
        Stream(db, "k6", "update", "6.50", T + 2_000_000, "s6");
        Repair(db, naive: false);
        db.Execute("UPDATE t SET amount = 7.01 WHERE id = 'k7'");
        var rows = new List<string>();
        using (var reader = db.Query(AthenaStandIn.Translate(DynamoLake.Local.Verify.ExportComparison.Differences(_contract, Lake, Staging, Changes, T)) + " ORDER BY 1, 2"))
        {
            while (reader.Read())
            {
                rows.Add($"{reader.GetString(0)} {reader.GetString(1)} {(reader.IsDBNull(2) ? "" : reader.GetString(2))}".TrimEnd());
            }
        }

        Assert.Equal(["changed 1", "differs k7 amount,", "rows 3"], rows);
    }

    private static LakeDatabase Database()
    {
        var db = LakeDatabase.InMemory();
        AthenaStandIn.AddTrinoFunctions(db);
        db.Execute("CREATE TABLE t (id VARCHAR, amount DECIMAL(12,2), \"at\" TIMESTAMPTZ, _op VARCHAR, _event_time TIMESTAMPTZ, _event_id VARCHAR)");
        db.Execute("CREATE TABLE t_changes (id VARCHAR, amount DECIMAL(12,2), \"at\" BIGINT, _op VARCHAR, _event_time BIGINT, _event_id VARCHAR)");
        db.Execute("CREATE TABLE t_snapshot_e1 (id VARCHAR, amount DECIMAL(12,2), \"at\" BIGINT, _op VARCHAR, _event_time BIGINT, _event_id VARCHAR)");
        return db;
    }

    // A stream change as Firehose delivers it: to the change log, and to the Iceberg table (the newest row per key; a delete removes it).
    private static void Stream(LakeDatabase db, string key, string op, string? amount, long micros, string eventId, bool lake = true)
    {
        var value = amount ?? "NULL";
        db.Execute($"INSERT INTO t_changes VALUES ('{key}', {value}, {T - 1000}, '{op}', {micros}, '{eventId}')");
        if (lake)
        {
            // Firehose's upsert is an equality delete of the key's stream rows and the new row; a snapshot row committed
            // concurrently is not seen by it (snapshot isolation), so it stays beside.
            db.Execute($"DELETE FROM t WHERE id = '{key}' AND _event_id NOT LIKE 'export:%'");
            if (op != "delete")
            {
                db.Execute($"INSERT INTO t VALUES ('{key}', {value}, make_timestamp({T - 1000})::TIMESTAMPTZ, '{op}', make_timestamp({micros})::TIMESTAMPTZ, '{eventId}')");
            }
        }
    }

    // A staging row, as the conversion writes it for an item of export E1.
    private static void Snapshot(LakeDatabase db, string key, string amount, long at = T - 1000) =>
        db.Execute($"INSERT INTO t_snapshot_e1 VALUES ('{key}', {amount}, {at}, 'insert', {T - 1}, 'export:E1')");

    private void Load(LakeDatabase db, bool naive) => db.Execute(AthenaStandIn.Translate(naive
        ? $"MERGE INTO {Lake} AS t USING (SELECT id, amount, from_unixtime_nanos(\"at\" * 1000) AS \"at\", _op, from_unixtime_nanos(_event_time * 1000) AS _event_time, _event_id FROM {Staging}) AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET amount = s.amount, \"at\" = s.\"at\", _op = s._op, _event_time = s._event_time, _event_id = s._event_id WHEN NOT MATCHED THEN INSERT (id, amount, \"at\", _op, _event_time, _event_id) VALUES (s.id, s.amount, s.\"at\", s._op, s._event_time, s._event_id)"
        : BackfillPlan.Load(_contract, Lake, Staging, Changes)));

    private void Repair(LakeDatabase db, bool naive)
    {
        if (!naive)
        {
            db.Execute(AthenaStandIn.Translate(BackfillPlan.Repair(_contract, Lake, Changes, "E1")));
        }
    }

    private static List<string> Rows(LakeDatabase db, string key)
    {
        var rows = new List<string>();
        using var reader = db.Query($"SELECT CAST(amount AS VARCHAR) || ' ' || _event_id FROM t WHERE id = '{key}' ORDER BY 1");
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
