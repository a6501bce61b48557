using System.Diagnostics;
using DynamoLake.Core.Contract;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// The record path on one machine: source → Firehose-like delivery → the real handlers → the lake
/// (<see cref="LakeLoader"/>) → parity of the lake with the source, both the Iceberg table and the
/// current-state view over the S3 change log.
/// </summary>
internal sealed class PipelineRun
{
    // What the parity checks' DuckDB may hold; what does not fit goes to disk.
    private const int ParityMemoryMegabytes = 256;

    /// <summary>Whether the run's lake was put in place (after which a failure no longer leaves the old lake).</summary>
    public bool Committed { get; private set; }

    /// <param name="options">The run.</param>
    /// <param name="source">Where the changes come from.</param>
    /// <param name="progress">Called with the change records delivered so far.</param>
    /// <param name="cancellationToken">Cancels the run; the lake in place stays as it was.</param>
    /// <param name="phase">Called as each phase after delivery begins (writing the files, parity), for a progress display.</param>
    public async Task<PipelineResult> RunAsync(PipelineOptions options, IChangeSource source, Action<long>? progress, CancellationToken cancellationToken, Action<string>? phase = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var watch = Stopwatch.StartNew();
        var contracts = options.Environment.Contracts().Contracts;
        var contract = contracts[0];
        var template = options.Environment.Template();

        // The new lake is built beside the one in place, which keeps answering queries until the new one is
        // complete and checked; a failure or Ctrl+C before that removes the stage and leaves the lake as it was.
        using var stage = LakeStage.Begin(LakePaths.For(options.Out, template, contract));
        var paths = stage.Paths;

        // Asked while holding the lake's lock, so that nothing is added between the question and the rebuild.
        if (!options.Force && LakeHistory.WhatRebuildingWouldLose(stage.Live) is { IsEmpty: false } loss)
        {
            throw new PipelineException(loss.Describe(stage.Live.Root));
        }

        var delivery = new FirehoseDelivery(
            options.RequestBytes ?? template.ProcessorBufferBytes,
            options.Shards,
            options.Duplicates,
            options.Shuffle ? (int)options.Workload.Seed : null,
            (int)options.Workload.Seed,
            (options.Workload.From + options.Workload.Window).ToUnixTimeMilliseconds());

        // The loader is closed (its spill removed, the function log flushed) before the checks and the swap.
        var loader = new LakeLoader(options.Environment, template, paths);
        List<(string Phase, TimeSpan Elapsed)> timings;
        (int Iceberg, int ChangeLog, int Errors) files;
        (HandOffCounts Counts, long Failed)? handOffCounts;
        // Items in the table before capture began reach the lake by a snapshot handed over while the stream goes on:
        // the load reads a third of the way through the later changes, commits two thirds of the way, and repairs at the end.
        HandOffPlan? handOff = null;
        if (options.Existing > 0)
        {

            // The change log is what tells the keys the stream has mentioned (deletes included), and the repair
            // finds snapshot rows by their event id: without either, the hand-off cannot be done as on AWS.
            if (!template.HasS3Path)
            {
                throw new PipelineException("the snapshot hand-off needs the S3 change log (EnableS3Path), which tells the keys the stream has mentioned; this template has no S3 path");
            }

            if (contract.Columns.Columns.All(c => c.Derived != DynamoLake.Core.Contract.DerivedField.EventId))
            {
                throw new PipelineException($"{contract.SourceName} has no column derived from event_id: the repair could not tell a snapshot's rows from the stream's");
            }

            if (source is ChangeCapture capture)
            {
                var inserts = options.Workload.Count - options.Existing;
                var later = capture.CountRecords() - inserts;
                handOff = new HandOffPlan(capture.Snapshot(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{options.Workload.Seed:x8}")), capture.SnapshotMicros, inserts + (later / 3), inserts + (2 * later / 3));
            }
            else if (source is StreamsSource { Snapshot: { } export } streams)
            {
                // Against a DynamoDB API the export is taken after the writes (moto keeps no history): the load
                // still reads and commits while delivery goes on, at a third and two thirds of the records.
                handOff = new HandOffPlan(export.Changes, export.Micros, streams.Count / 3, 2 * streams.Count / 3);
            }
            else
            {
                throw new PipelineException("this change source has no snapshot to hand over");
            }
        }

        using (loader)
        {
            await loader.DeliverAsync(source.Changes(cancellationToken), delivery, progress, cancellationToken, handOff);
            timings = [("capture, delivery and functions", watch.Elapsed)];
            phase?.Invoke("Parquet files");
            files = await loader.WriteAsync(cancellationToken);
            timings.Add(("Parquet files", watch.Elapsed));
            handOffCounts = handOff is null ? null : (loader.Iceberg.HandOff, loader.SnapshotFailed);
        }

        // What delivery and the files needed goes back to the system before DuckDB takes its share.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        phase?.Invoke("parity (table and view)");

        // Each contract's Iceberg table (and the current-state view over the change log, when the template has
        // the S3 path) against its items (read once, as a stream), in one DuckDB held to the memory bound, a
        // slice of keys at a time.
        var tables = new List<TableParity>();
        List<string> viewDifferences = [];
        for (var k = 0; k < contracts.Count; k++)
        {
            var table = contracts[k];
            var tablePaths = paths with { Table = table.Table };
            var rows = loader.Tables[table.Table].Count;
            var work = Path.Combine(paths.Work, "parity-" + Guid.NewGuid().ToString("N"));
            try
            {
                var withView = k == 0 && template.HasS3Path;
                using var lake = LakeDatabase.Open(tablePaths, table, withView ? template.ChangeLogProjection : null);
                lake.Bound(work, ParityMemoryMegabytes);
                var (sourceRows, differences) = await Parity.CompareAsync(
                    table,
                    source.FinalState(k, cancellationToken),
                    lake,
                    withView ? [Parity.Relation.Table(table.Table), Parity.CurrentView(table)] : [Parity.Relation.Table(table.Table)],
                    Math.Max(rows, withView ? loader.PartitionKeys.Ok : 0),
                    cancellationToken);
                tables.Add(new TableParity(table.Table, sourceRows, rows, differences[0]));
                viewDifferences = withView ? differences[1] : viewDifferences;
            }
            finally
            {
                LakePaths.RemoveWork(paths, work);
            }
        }

        timings.Add(("parity", watch.Elapsed));
        cancellationToken.ThrowIfCancellationRequested();
        var left = stage.Commit(replace: true, tables: [.. contracts.Select(c => c.Table)]);
        Committed = true;
        LakeHistory.Append(stage.Live, "pipeline", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--count {options.Workload.Count} --seed {options.Workload.Seed} --from {options.Workload.From:O} --days {options.Workload.Window.TotalDays}"));
        return new PipelineResult
        {
            ChangeRecords = loader.Changes,
            Requests = loader.Requests,
            Redelivered = delivery.Redelivered,
            Transform = loader.Transform,
            PartitionKeys = loader.PartitionKeys,
            FailedByReason = loader.FailedByReason,
            IcebergFiles = files.Iceberg,
            ChangeLogFiles = files.ChangeLog,
            ErrorFiles = files.Errors,
            LakeRows = loader.Iceberg.Count,
            SourceRows = tables[0].SourceRows,
            Differences = tables[0].Differences,
            ViewDifferences = viewDifferences,
            Tables = tables,
            HasS3Path = template.HasS3Path,
            HandOff = handOffCounts,
            Elapsed = watch.Elapsed,
            Timings = timings,
            LeftBehind = left,
        };
    }
}
