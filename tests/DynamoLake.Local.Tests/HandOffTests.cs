using System.Text;
using DynamoLake.Core.Contract;
using DynamoLake.Local.Pipeline;
using DynamoLake.Testing;

namespace DynamoLake.Local.Tests;

/// <summary>
/// The snapshot hand-off of ADR 0018 against each hazard it names, on the local Iceberg table as Athena and
/// Firehose write to it: the hand-off (read, commit, repair) ends with the item as the table holds it; a
/// naive load (INSERT of the export) does not.
/// </summary>
public sealed class HandOffTests : IDisposable
{
    private const long Snapshot = 1_000_000;

    private static readonly TableContract s_contract = TableContract.Parse(
        """
        {"table": "items", "uniqueKey": ["id"], "columns": [
          {"name": "id", "type": "string", "required": true}, {"name": "v", "type": "string"},
          {"name": "_op", "type": "string", "required": true, "derived": "operation"},
          {"name": "_event_time", "type": "timestamptz", "required": true, "derived": "event_time"},
          {"name": "_event_id", "type": "string", "required": true, "derived": "event_id"},
          {"name": "_ttl_delete", "type": "boolean", "required": true, "derived": "ttl_delete"}]}
        """u8,
        "items.json");

    private readonly TempFolder _temp = new("dynamolake-handoff-");

    public void Dispose() => _temp.Dispose();

    private static byte[] Row(string id, string v, long micros, string op = "insert", string eventId = "e") =>
        Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","v":"{{v}}","_op":"{{op}}","_event_time":{{micros}},"_event_id":"{{eventId}}","_ttl_delete":false}""");

    // The export's image of the item at the snapshot, as the conversion marks it.
    private static byte[] Exported(string id, string v) => Row(id, v, Snapshot, eventId: "export:1");

    public enum Load
    {
        HandOff,
        Naive,
    }

    [Theory]
    [InlineData(Load.HandOff, new string[0])]
    [InlineData(Load.Naive, new[] { "a=old" })]
    public async Task ADeleteAfterTheSnapshot_IsNotUndoneByTheLoad(Load load, string[] naive)
    {
        // Deleted after T; the export still holds it.
        var rows = await RunAsync(load, stream => stream.Apply("delete", Row("a", "old", Snapshot + 5, "delete")), between: null, [Exported("a", "old")]);

        Assert.Equal(load == Load.HandOff ? [] : naive, rows);
    }

    [Theory]
    [InlineData(Load.HandOff, new[] { "a=new" })]
    [InlineData(Load.Naive, new[] { "a=new", "a=old" })]
    public async Task ANewerChangeAlreadyInTheTable_IsNotRegressedByTheLoad(Load load, string[] expected)
    {
        var rows = await RunAsync(load, stream => stream.Apply("update", Row("a", "new", Snapshot + 5)), between: null, [Exported("a", "old")]);

        Assert.Equal(expected, rows);
    }

    [Theory]
    [InlineData(Load.HandOff, new[] { "a=new", "b=gone-after-read" })]
    [InlineData(Load.Naive, new[] { "a=new", "a=old", "b=gone-after-read", "b=old" })]
    public async Task AChangeCommittedBetweenTheLoadsReadAndItsCommit_WinsAfterTheRepair(Load load, string[] expected)
    {
        // Between the load's read and its commit, Firehose commits a newer row of a, and a row of b written after
        // the snapshot (b's newer change). Snapshot isolation keeps both rows of each until the repair.
        var rows = await RunAsync(
            load,
            before: null,
            between: stream =>
            {
                stream.Apply("update", Row("a", "new", Snapshot + 5));
                stream.Apply("update", Row("b", "gone-after-read", Snapshot + 6));
            },
            [Exported("a", "old"), Exported("b", "old")]);

        Assert.Equal(expected, rows);
    }

    [Theory]
    [InlineData(Load.HandOff, new[] { "f=late" })]
    [InlineData(Load.Naive, new[] { "f=late", "f=late-snapshot" })]
    public async Task AChangeMadeBeforeTheSnapshotButDeliveredDuringTheLoad_IsNotDoubledByIt(Load load, string[] expected)
    {
        // f's insert was made before T (the export holds f), but Firehose delivers it between the load's read and commit.
        var rows = await RunAsync(load, before: null, between: stream => stream.Apply("insert", Row("f", "late", Snapshot - 50)), [Exported("f", "late-snapshot")]);

        Assert.Equal(expected, rows);
    }

    [Theory]
    [InlineData(Load.HandOff, new[] { "a=old", "c=old" })]
    [InlineData(Load.Naive, new[] { "a=old", "a=old", "c=old", "c=old" })]
    public async Task ALoadRunTwice_LoadsEachItemOnce(Load load, string[] expected)
    {
        var exported = new[] { Exported("a", "old"), Exported("c", "old") };
        var table = new IcebergTableSink(s_contract, Path.Combine(_temp.Path, "twice"));
        using (table)
        {
            table.BeginHandOff();
            for (var run = 0; run < 2; run++)
            {
                LoadAll(table, load, exported, between: null);
            }

            Assert.Equal(expected, await RowsAsync(table, "twice"));
        }
    }

    [Fact]
    public async Task AChangeBeforeTheSnapshot_DoesNotStopTheLoad_AndItemsTheStreamNeverMentions_AreLoaded()
    {
        // d changed before T (the export holds its newer image, and the lake has the row): the load leaves d as the
        // lake holds it. e was never on the stream: only the load brings it.
        var rows = await RunAsync(Load.HandOff, stream => stream.Apply("update", Row("d", "before", Snapshot - 5)), between: null, [Exported("d", "before"), Exported("e", "quiet")]);

        Assert.Equal(["d=before", "e=quiet"], rows);
    }

    [Fact]
    public void TheChangeLogsView_PrefersAKeysStreamRowsToItsSnapshotRow_WhateverTheirTimes()
    {
        // a: a stream change stamped (approximately) before the snapshot row; b: only the snapshot; c: the snapshot, then a delete.
        using var lake = LakeDatabase.InMemory();
        lake.Execute("""
            CREATE TABLE items_changes AS SELECT * FROM (VALUES
              ('a', 'stream', 'update', TIMESTAMPTZ '2026-12-01 00:00:00.5+00', 'e1', false),
              ('a', 'snapshot', 'insert', TIMESTAMPTZ '2026-12-01 00:00:00.9+00', 'export:1', false),
              ('b', 'snapshot', 'insert', TIMESTAMPTZ '2026-12-01 00:00:00.9+00', 'export:1', false),
              ('c', 'snapshot', 'insert', TIMESTAMPTZ '2026-12-01 00:00:00.9+00', 'export:1', false),
              ('c', 'gone', 'delete', TIMESTAMPTZ '2026-12-01 00:00:01+00', 'e2', false))
              AS t(id, v, _op, _event_time, _event_id, _ttl_delete)
            """);

        using var reader = lake.Query($"SELECT id || '=' || v FROM ({LakeSchema.CurrentStateQuery(s_contract, "items_changes")}) ORDER BY 1");
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        Assert.Equal(["a=stream", "b=snapshot"], rows);
    }

    private async Task<List<string>> RunAsync(Load load, Action<IcebergTableSink>? before, Action<IcebergTableSink>? between, byte[][] exported)
    {
        var name = Guid.NewGuid().ToString("N");
        using var table = new IcebergTableSink(s_contract, Path.Combine(_temp.Path, name));
        table.BeginHandOff();
        before?.Invoke(table);
        LoadAll(table, load, exported, between);
        return await RowsAsync(table, name);
    }

    private static void LoadAll(IcebergTableSink table, Load load, byte[][] exported, Action<IcebergTableSink>? between)
    {
        if (load == Load.Naive)
        {
            between?.Invoke(table);
            foreach (var row in exported)
            {
                table.AppendNaively(row);
            }

            return;
        }

        foreach (var row in exported)
        {
            table.ReadForLoad(row);
        }

        between?.Invoke(table);
        foreach (var row in exported)
        {
            table.CommitLoad(row);
        }

        foreach (var row in exported)
        {
            table.RepairLoad(row);
        }
    }

    // The table's rows as "id=v", in order.
    private async Task<List<string>> RowsAsync(IcebergTableSink table, string name)
    {
        var paths = new LakePaths(Path.Combine(_temp.Path, name + "-lake"), "ns", "items");
        await table.WriteAsync(paths, CancellationToken.None);
        if (!Directory.Exists(paths.Iceberg) || !Directory.EnumerateFiles(paths.Iceberg, "*.parquet", SearchOption.AllDirectories).Any())
        {
            return [];
        }

        using var lake = LakeDatabase.InMemory();
        using var reader = lake.Query($"SELECT id || '=' || v FROM read_parquet('{LakeDatabase.Escape(paths.IcebergGlob)}') ORDER BY 1");
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
