using System.Threading.Channels;
using DynamoLake.Core.Contract;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// The record path into the lake, shared by pipeline, redrive and backfill: Firehose-like requests go to
/// the real Transform and PartitionKeys handlers through their Lambda entry points, each response is
/// checked against the Firehose contract, and the results land in the Iceberg-equivalent table, the S3
/// change log and the error output.
/// </summary>
internal sealed class LakeLoader : IDisposable
{
    private readonly FunctionLog _log;
    private readonly string _work;
    private readonly TemplateFacts _template;
    private readonly FunctionEnvironment _environment;

    /// <param name="environment">What the functions see, and so the contract they and the sinks read.</param>
    /// <param name="template">The template emulated (console formats, the S3 prefix).</param>
    /// <param name="paths">Where the lake is written.</param>
    public LakeLoader(FunctionEnvironment environment, TemplateFacts template, LakePaths paths)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(template);
        var contracts = environment.Contracts().Contracts;
        Paths = paths;
        _template = template;
        _environment = environment;
        _work = Path.Combine(paths.Work, Guid.NewGuid().ToString("N"));

        // An Iceberg table per contract (one, or a set's), each filled by the rows the Transform names it for.
        Tables = contracts.ToDictionary(c => c.Table, c => new IcebergTableSink(c, Path.Combine(_work, "iceberg", c.Table)), StringComparer.Ordinal);
        Iceberg = Tables[contracts[0].Table];
        ChangeLog = template.S3Prefix is { } prefix ? new ChangeLogSink(contracts[0], prefix, Path.Combine(_work, "changes")) : null;
        Errors = new ErrorOutputSink(Path.Combine(_work, "errors"));
        _log = new FunctionLog(paths.FunctionLog);
    }

    /// <summary>A loader that writes into <paramref name="stage"/>, its Iceberg table starting from the rows of the lake in place (redrive, backfill).</summary>
    public static LakeLoader OnExistingLake(FunctionEnvironment environment, TemplateFacts template, LakeStage stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        var loader = new LakeLoader(environment, template, stage.Paths);
        try
        {
            loader.Iceberg.Load(LakeDatabase.IcebergRows(stage.Live, environment.Contract()));
            return loader;
        }
        catch
        {
            loader.Dispose();
            throw;
        }
    }

    public LakePaths Paths { get; }

    /// <summary>The (first) contract's Iceberg table.</summary>
    public IcebergTableSink Iceberg { get; }

    /// <summary>Every contract's Iceberg table, by its name.</summary>
    public IReadOnlyDictionary<string, IcebergTableSink> Tables { get; }

    /// <summary>The S3 change log, when the template has the S3 path.</summary>
    public ChangeLogSink? ChangeLog { get; }

    public ErrorOutputSink Errors { get; }

    public FunctionCounts Transform { get; } = new();

    public FunctionCounts PartitionKeys { get; } = new();

    public long Changes { get; private set; }

    public long Requests { get; private set; }

    public IReadOnlyDictionary<(string Function, string Reason), long> FailedByReason => _log.FailedByReason;

    /// <summary>
    /// Snapshot items a function failed to convert: counted, with their reason codes in the function log, and
    /// not written as error objects — a redrive applies those as changes, and a snapshot image applied as a
    /// change could regress or resurrect its key (ADR 0018). Fix the contract and hand the snapshot over again.
    /// </summary>
    public long SnapshotFailed { get; private set; }

    private long _conversionRequests;

    private HandOffPlan? _handOff;
    private string? _snapshotRows;
    private long _applied;
    private bool _read;
    private bool _committed;

    /// <summary>Sends every change through both functions into the sinks; with <paramref name="handOff"/>, hands a snapshot over on the way (ADR 0018).</summary>
    public async Task DeliverAsync(IEnumerable<CapturedChange> changes, FirehoseDelivery delivery, Action<long>? progress, CancellationToken cancellationToken, HandOffPlan? handOff = null)
    {
        _handOff = handOff;
        var originalOut = Console.Out;
        try
        {
            // The functions as Lambda builds them: public constructors, settings from the environment, and
            // Console.Out as their log — the managed runtime's console for the template's environment, whose
            // lines reach the function log as CloudWatch would receive them.
            var transformConsole = _template.ConsoleFor("TransformFunction", _log);
            Console.SetOut(transformConsole);
            var transformFunction = new Transform.Function(_environment.For(_template, "TransformFunction").Get);
            var s3Path = _template.HasS3Path;
            var partitionKeysConsole = s3Path ? _template.ConsoleFor("PartitionKeysFunction", _log) : null;
            Console.SetOut(partitionKeysConsole ?? (TextWriter)_log);
            var partitionKeysFunction = s3Path ? new PartitionKeys.Function(_environment.For(_template, "PartitionKeysFunction").Get) : null;
            Console.SetOut(_log);
            Func<Stream, Task<Stream>> transform = request =>
            {
                transformConsole.RequestId = Guid.NewGuid().ToString();
                return transformFunction.FunctionHandler(request);
            };
            Func<Stream, Task<Stream>> partitionKeys = request =>
            {
                partitionKeysConsole!.RequestId = Guid.NewGuid().ToString();
                return partitionKeysFunction!.FunctionHandler(request);
            };
            var counted = changes.Select(change =>
            {
                Changes++;
                return change;
            });

            if (handOff is not null)
            {
                await ConvertSnapshotAsync(handOff, transform, partitionKeys, cancellationToken);
            }

            // Making change records and requests overlaps with the functions: a producer keeps a few requests ready.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var queue = Channel.CreateBounded<DeliveryBatch>(new BoundedChannelOptions(3) { SingleReader = true, SingleWriter = true });
            var producer = Task.Run(
                async () =>
                {
                    try
                    {
                        foreach (var ready in delivery.Batches(counted))
                        {
                            await queue.Writer.WriteAsync(ready, stop.Token);
                        }

                        queue.Writer.Complete();
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        queue.Writer.Complete(e);
                    }
                },
                stop.Token);

            // The sinks take each request's results in order, while the functions already work on the next request.
            var applying = Task.CompletedTask;
            Task? transformCall = null;
            Task? partitionCall = null;
            try
            {
                await foreach (var batch in queue.Reader.ReadAllAsync(cancellationToken))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Requests++;

                    // Two delivery streams read the same Kinesis stream: both functions get each request, at once.
                    // Each response is checked on the same worker that got it.
                    var transforming = Task.Run(
                        async () =>
                        {
                            var records = ResponseCheck.Check("Transform", batch, await InvokeAsync(transform, batch.Request), icebergMetadata: true);

                            // The reasons this invocation logged, taken before the next Transform invocation can log the same ids.
                            return (Records: records, Reasons: records.Where(r => r.Result == "ProcessingFailed").ToDictionary(r => r.Index, r => _log.ReasonFor(batch.RecordIds[r.Index]) ?? "unknown"));
                        },
                        cancellationToken);
                    var partitioning = s3Path
                        ? Task.Run(async () => ResponseCheck.Check("PartitionKeys", batch, await InvokeAsync(partitionKeys, batch.Request), icebergMetadata: false), cancellationToken)
                        : Task.FromResult(new List<ResponseRecord>());
                    (transformCall, partitionCall) = (transforming, partitioning);
                    var transformed = await transforming;
                    var partitioned = await partitioning;
                    await applying;
                    applying = Task.Run(() => Apply(batch, transformed.Records, transformed.Reasons, partitioned), cancellationToken);
                    progress?.Invoke(Changes);
                }

                await applying;
                await producer;
                if (handOff is not null)
                {
                    // Whatever was not done during delivery is done now; the repair runs last, once all has landed.
                    HandOffStep(read: true, commit: true);
                    foreach (var row in SnapshotRows())
                    {
                        Iceberg.RepairLoad(row);
                    }
                }

                MetricsReachedTheLog();
            }
            finally
            {
                // Whatever ended the loop, nothing may still write to the sinks or the log once this returns (the
                // caller disposes them): the producer is stopped, and what is in flight is waited for. Their own
                // failures are not rethrown here: the first one is already on its way.
                await stop.CancelAsync();
                foreach (var task in new[] { transformCall, partitionCall, applying, producer })
                {
                    if (task is not null)
                    {
                        await Task.WhenAny(task);
                    }
                }
            }
        }
        finally
        {
            Console.SetOut(originalOut);
        }
    }

    // Every invocation writes one report (the log line beside the EMF line): if the function log did not read
    // them as JSON, CloudWatch would extract no metric from them either, and every alarm on them would be blind.
    private void MetricsReachedTheLog()
    {
        var reports = _log.Reports.Values.Sum();
        var invocations = (_template.HasS3Path ? 2 : 1) * (Requests + _conversionRequests);
        if (Requests > 0 && reports < invocations)
        {
            throw new PipelineException($"{invocations:N0} function invocations wrote {reports:N0} report lines that CloudWatch would read as JSON: the functions' console lines do not leave the managed .NET runtime as the JSON documents they are (set {LambdaConsole.HandlerLogFormatVariable}=Unformatted on the functions; see docs/adr/0013-log-lines-through-the-managed-runtime.md), so their EMF metrics and every alarm on them would see nothing");
        }
    }

    /// <summary>Writes the sinks: the Iceberg table anew, change-log and error files added. Returns the file counts.</summary>
    public async Task<(int Iceberg, int ChangeLog, int Errors)> WriteAsync(CancellationToken cancellationToken)
    {
        // One sink after the other: each already keeps the cores busy, and together they would hold twice the memory.
        var iceberg = 0;
        foreach (var (table, sink) in Tables)
        {
            iceberg += await sink.WriteAsync(Paths with { Table = table }, cancellationToken);
        }

        var changeLog = ChangeLog is null ? 0 : await ChangeLog.WriteAsync(Paths, cancellationToken);
        return (iceberg, changeLog, await Errors.WriteAsync(Paths, cancellationToken));
    }

    // The export, converted by the real functions as the stream's changes are: the Transform's rows wait in a file
    // for the load's read, commit and repair; the change log takes PartitionKeys' rows at once (its view orders
    // every row by event time, so the snapshot's rows, at its time, fall in place without a hand-off).
    private async Task ConvertSnapshotAsync(HandOffPlan handOff, Func<Stream, Task<Stream>> transform, Func<Stream, Task<Stream>> partitionKeys, CancellationToken cancellationToken)
    {
        foreach (var table in Tables.Values)
        {
            table.BeginHandOff();
        }

        _snapshotRows = Path.Combine(_work, "snapshot-rows.jsonl");
        Directory.CreateDirectory(_work);
        var conversion = new FirehoseDelivery(_template.ProcessorBufferBytes, shards: 1, duplicates: 0, shuffleSeed: null, seed: 0, handOff.SnapshotMicros / 1000);
        await using var rows = new FileStream(_snapshotRows, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        foreach (var batch in conversion.Batches(handOff.Snapshot))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var transformed = ResponseCheck.Check("Transform", batch, await InvokeAsync(transform, batch.Request), icebergMetadata: true);
            foreach (var record in transformed)
            {
                if (record.Result == "Ok")
                {
                    rows.Write(record.Data);
                    rows.WriteByte((byte)'\n');
                }
                else if (record.Result == "ProcessingFailed")
                {
                    SnapshotFailed++;
                }
            }

            _conversionRequests++;
            if (ChangeLog is not null)
            {
                foreach (var record in ResponseCheck.Check("PartitionKeys", batch, await InvokeAsync(partitionKeys, batch.Request), icebergMetadata: false))
                {
                    if (record.Result == "Ok")
                    {
                        ChangeLog.Add(record.Data, record.PartitionKeys!);
                    }
                    else if (record.Result == "ProcessingFailed")
                    {
                        SnapshotFailed++;
                    }
                }
            }
        }
    }

    private IEnumerable<byte[]> SnapshotRows()
    {
        foreach (var line in File.ReadLines(_snapshotRows!))
        {
            yield return System.Text.Encoding.UTF8.GetBytes(line);
        }
    }

    // The load's read, then its commit, each once delivery has passed its point (changes in between race it).
    private void HandOffStep(bool read, bool commit)
    {
        if (read && !_read)
        {
            _read = true;
            foreach (var row in SnapshotRows())
            {
                Iceberg.ReadForLoad(row);
            }
        }

        if (commit && !_committed)
        {
            _committed = true;
            foreach (var row in SnapshotRows())
            {
                Iceberg.CommitLoad(row);
            }
        }
    }

    // One request's results into the sinks: Ok rows to the Iceberg table and the change log, failures to the error output.
    private void Apply(DeliveryBatch batch, List<ResponseRecord> transformed, Dictionary<int, string> reasons, List<ResponseRecord> partitioned)
    {
        if (_handOff is { } handOff)
        {
            _applied += batch.RecordIds.Length;
            HandOffStep(read: _applied >= handOff.ReadAfter, commit: _applied >= handOff.CommitAfter);
        }

        foreach (var record in transformed)
        {
            Count(Transform, record.Result);
            switch (record.Result)
            {
                case "Ok":
                    // As Firehose, the row goes to the table its otfMetadata names; a table the stream does not write fails the run.
                    var table = Tables.GetValueOrDefault(record.Destination!)
                        ?? throw new PipelineException($"the Transform sent a row to the Iceberg table '{record.Destination}', which the delivery stream does not write (its tables: {string.Join(", ", Tables.Keys)})");
                    table.Apply(record.Operation!, record.Data);
                    break;
                case "ProcessingFailed":
                    Errors.Add(batch.Data[record.Index], batch.ArrivalMs, reasons[record.Index]);
                    break;
            }
        }

        foreach (var record in partitioned)
        {
            Count(PartitionKeys, record.Result);
            if (record.Result == "Ok")
            {
                ChangeLog!.Add(record.Data, record.PartitionKeys!);
            }
        }
    }

    public void Dispose()
    {
        // The spill goes first: closing the log can fail (a full disk), and must not leave the spill behind.
        try
        {
            foreach (var sink in Tables.Values)
            {
                sink.Dispose();
            }

            ChangeLog?.Dispose();
            Errors.Dispose();
            LakePaths.RemoveWork(Paths, _work);
        }
        finally
        {
            _log.Dispose();
        }
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
}

/// <summary>
/// A snapshot of the table handed over to the lake during delivery (ADR 0018): the export's items, the
/// snapshot's time, and how many change records have been applied when the load reads and when it commits.
/// </summary>
internal sealed record HandOffPlan(IEnumerable<CapturedChange> Snapshot, long SnapshotMicros, long ReadAfter, long CommitAfter);
