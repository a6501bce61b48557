using System.Diagnostics;
using DynamoLake.Core.Contract;

namespace Cli.Pipeline;

/// <summary>
/// The record path on one machine: source → Firehose-like delivery → the real Transform and PartitionKeys
/// handlers through their Lambda entry points → checked responses → the Iceberg-equivalent table, the S3
/// change log and the error output → parity of the lake with the source.
/// </summary>
internal sealed class PipelineRun
{
    private readonly TableContract _contract = TableContract.LoadEmbedded();
    private readonly TemplateFacts _template = TemplateFacts.LoadEmbedded();

    public async Task<PipelineResult> RunAsync(PipelineOptions options, IChangeSource source, Action<long>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var paths = new LakePaths(Path.GetFullPath(options.Out), _template.Namespace, _contract.Table);
        Reset(paths);

        var iceberg = new IcebergTableSink(_contract);
        var changeLog = new ChangeLogSink(_contract, _template.S3Prefix);
        var errors = new ErrorOutputSink();
        var transformCounts = new FunctionCounts();
        var partitionCounts = new FunctionCounts();
        var delivery = new FirehoseDelivery(
            _template.ProcessorBufferSizeMBs * 1024 * 1024,
            options.Shards,
            options.Duplicates,
            options.Shuffle ? (int)options.Workload.Seed : null,
            (int)options.Workload.Seed,
            (options.Workload.From + options.Workload.Window).ToUnixTimeMilliseconds());

        long changes = 0, requests = 0;
        var log = new FunctionLog(paths.FunctionLog);
        var originalOut = Console.Out;
        Console.SetOut(log);
        try
        {
            // The functions as Lambda builds them: public constructors, settings from the environment.
            Func<Stream, Task<Stream>> transform = new Transform.Function().FunctionHandler;
            Func<Stream, Task<Stream>> partitionKeys = new PartitionKeys.Function().FunctionHandler;
            var counted = source.Changes(cancellationToken).Select(change =>
            {
                changes++;
                return change;
            });

            foreach (var batch in delivery.Batches(counted))
            {
                cancellationToken.ThrowIfCancellationRequested();
                requests++;
                // Two delivery streams read the same Kinesis stream: both functions get each request, at once.
                var transformCall = Task.Run(() => InvokeAsync(transform, batch.Request), cancellationToken);
                var partitionCall = Task.Run(() => InvokeAsync(partitionKeys, batch.Request), cancellationToken);
                var transformed = ResponseCheck.Check("Transform", batch, await transformCall, icebergMetadata: true);
                foreach (var record in transformed)
                {
                    Count(transformCounts, record.Result);
                    switch (record.Result)
                    {
                        case "Ok":
                            iceberg.Apply(record.Operation!, record.Data);
                            break;
                        case "ProcessingFailed":
                            errors.Add(batch.Data[record.Index], batch.ArrivalMs, log.ReasonByRecordId.GetValueOrDefault(batch.RecordIds[record.Index], "unknown"));
                            break;
                    }
                }

                var partitioned = ResponseCheck.Check("PartitionKeys", batch, await partitionCall, icebergMetadata: false);
                foreach (var record in partitioned)
                {
                    Count(partitionCounts, record.Result);
                    if (record.Result == "Ok")
                    {
                        changeLog.Add(record.Data, record.PartitionKeys!);
                    }
                }

                progress?.Invoke(changes);
            }
        }
        finally
        {
            Console.SetOut(originalOut);
            log.Dispose();
        }

        var timings = new List<(string Phase, TimeSpan Elapsed)> { ("capture, delivery and functions", watch.Elapsed) };
        var icebergWrite = Task.Run(() => iceberg.WriteAsync(paths, cancellationToken), cancellationToken);
        var changeLogWrite = Task.Run(() => changeLog.WriteAsync(paths, cancellationToken), cancellationToken);
        var errorFiles = await errors.WriteAsync(paths, cancellationToken);
        var icebergFiles = await icebergWrite;
        var changeLogFiles = await changeLogWrite;
        timings.Add(("Parquet and error files", watch.Elapsed));

        var sourceState = await source.FinalStateAsync(cancellationToken);
        List<string> differences, viewDifferences;
        using (var lake = LakeDatabase.Open(paths, _contract))
        {
            using (var rows = lake.Query($"SELECT * FROM {_contract.Table}"))
            {
                differences = Parity.Compare(_contract, sourceState, rows);
            }

            using var view = lake.Query($"SELECT * FROM {LakeSchema.CurrentView(_contract)}");
            viewDifferences = Parity.Compare(_contract, sourceState, view);
        }

        timings.Add(("parity", watch.Elapsed));

        return new PipelineResult
        {
            ChangeRecords = changes,
            Requests = requests,
            Redelivered = delivery.Redelivered,
            Transform = transformCounts,
            PartitionKeys = partitionCounts,
            FailedByReason = log.FailedByReason,
            IcebergFiles = icebergFiles,
            ChangeLogFiles = changeLogFiles,
            ErrorFiles = errorFiles,
            LakeRows = iceberg.Count,
            SourceRows = sourceState.Count,
            Differences = differences,
            ViewDifferences = viewDifferences,
            Elapsed = watch.Elapsed,
            Timings = timings,
        };
    }

    private static async Task<byte[]> InvokeAsync(Func<Stream, Task<Stream>> handler, byte[] request)
    {
        await using var response = await handler(new MemoryStream(request, writable: false));
        if (response is MemoryStream memory && memory.TryGetBuffer(out var segment))
        {
            return segment.AsSpan((int)memory.Position).ToArray();
        }

        using var copy = new MemoryStream();
        await response.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static void Count(FunctionCounts counts, string result)
    {
        counts.In++;
        switch (result)
        {
            case "Ok":
                counts.Ok++;
                break;
            case "Dropped":
                counts.Dropped++;
                break;
            default:
                counts.Failed++;
                break;
        }
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
