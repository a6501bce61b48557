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
        var contract = options.Environment.Contract();
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
        using (loader)
        {
            await loader.DeliverAsync(source.Changes(cancellationToken), delivery, progress, cancellationToken);
            timings = [("capture, delivery and functions", watch.Elapsed)];
            phase?.Invoke("Parquet files");
            files = await loader.WriteAsync(cancellationToken);
            timings.Add(("Parquet files", watch.Elapsed));
        }

        // What delivery and the files needed goes back to the system before DuckDB takes its share.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        phase?.Invoke("parity (table and view)");

        // The Iceberg table and the current-state view over the change log, each against the source (read
        // once, as a stream), in one DuckDB held to the memory bound, a slice of keys at a time.
        var work = Path.Combine(paths.Work, "parity-" + Guid.NewGuid().ToString("N"));
        List<string>[] differences;
        long sourceRows;
        try
        {
            using var lake = LakeDatabase.Open(paths, contract, template.ChangeLogProjection);
            lake.Bound(work, ParityMemoryMegabytes);
            (sourceRows, differences) = await Parity.CompareAsync(
                contract,
                source.FinalState(cancellationToken),
                lake,
                [Parity.Relation.Table(contract.Table), Parity.CurrentView(contract)],
                Math.Max(loader.Iceberg.Count, loader.PartitionKeys.Ok),
                cancellationToken);
        }
        finally
        {
            LakePaths.RemoveWork(paths, work);
        }

        timings.Add(("parity", watch.Elapsed));
        cancellationToken.ThrowIfCancellationRequested();
        var left = stage.Commit(replace: true);
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
            SourceRows = sourceRows,
            Differences = differences[0],
            ViewDifferences = differences[1],
            Elapsed = watch.Elapsed,
            Timings = timings,
            LeftBehind = left,
        };
    }
}
