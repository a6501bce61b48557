using System.Diagnostics;
using DynamoLake.Core.Contract;

namespace Cli.Pipeline;

/// <summary>
/// The record path on one machine: source → Firehose-like delivery → the real handlers → the lake
/// (<see cref="LakeLoader"/>) → parity of the lake with the source, both the Iceberg table and the
/// current-state view over the S3 change log.
/// </summary>
internal sealed class PipelineRun
{
    private readonly TableContract _contract = TableContract.LoadEmbedded();
    private readonly TemplateFacts _template = TemplateFacts.LoadEmbedded();

    public async Task<PipelineResult> RunAsync(PipelineOptions options, IChangeSource source, Action<long>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var paths = LakePaths.For(options.Out, _template, _contract);
        Reset(paths);
        LakeHistory.Append(paths, "pipeline", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--count {options.Workload.Count} --seed {options.Workload.Seed} --from {options.Workload.From:O} --days {options.Workload.Window.TotalDays}"));

        var delivery = new FirehoseDelivery(
            _template.ProcessorBufferBytes,
            options.Shards,
            options.Duplicates,
            options.Shuffle ? (int)options.Workload.Seed : null,
            (int)options.Workload.Seed,
            (options.Workload.From + options.Workload.Window).ToUnixTimeMilliseconds());

        using var loader = new LakeLoader(_contract, _template, paths);
        await loader.DeliverAsync(source.Changes(cancellationToken), delivery, progress, cancellationToken);
        var timings = new List<(string Phase, TimeSpan Elapsed)> { ("capture, delivery and functions", watch.Elapsed) };
        // The source's final state is read while the files are written: neither needs the other.
        var sourceRead = Task.Run(
            async () =>
            {
                var state = await source.FinalStateAsync(cancellationToken);
                return (state.Count, Canonical: Parity.Canonical(_contract, state));
            },
            cancellationToken);
        var files = await loader.WriteAsync(cancellationToken);
        var (sourceRows, canonical) = await sourceRead;
        timings.Add(("Parquet files and source read", watch.Elapsed));

        // The Iceberg table against the source (in .NET), and at once the view over the change log against
        // the table (in DuckDB), each on its own connection.
        var tableCheck = Task.Run(() => CompareWith(paths, canonical, _contract.Table), cancellationToken);
        var viewCheck = Task.Run(
            () =>
            {
                using var lake = LakeDatabase.Open(paths, _contract, _template.ChangeLogProjection);
                return Parity.CompareViewWithTable(lake, _contract);
            },
            cancellationToken);
        var differences = await tableCheck;
        var viewDifferences = await viewCheck;

        timings.Add(("parity", watch.Elapsed));
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
            Differences = differences,
            ViewDifferences = viewDifferences,
            Elapsed = watch.Elapsed,
            Timings = timings,
        };
    }

    private List<string> CompareWith(LakePaths paths, Dictionary<string, string[]> source, string relation)
    {
        using var lake = LakeDatabase.Open(paths, _contract, _template.ChangeLogProjection);
        return Parity.Compare(_contract, source, lake, relation);
    }

    // A run rebuilds the lake it writes: the parts it owns are cleared first, nothing else under --out.
    private static void Reset(LakePaths paths)
    {
        foreach (var folder in new[] { paths.Iceberg, paths.ChangeLog, paths.Errors, Path.GetDirectoryName(paths.FunctionLog)! })
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
