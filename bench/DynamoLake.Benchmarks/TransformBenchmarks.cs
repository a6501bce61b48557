using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Firehose;

namespace DynamoLake.Benchmarks;

/// <summary>The Transform handler on a ~3 MB request, as Lambda calls it. MB/s = request bytes / mean time.</summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class TransformBenchmarks
{
    private byte[] _request = [];
    private Transform.Function _function = null!;
    private PartitionKeys.Function _partitionKeys = null!;
    private ChangeRoutes _routes = null!;

    public static int RequestBytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _request = BenchmarkEvent.Load();
        RequestBytes = _request.Length;
        _routes = ChangeRoutes.One(TableContract.LoadEmbedded());
        _function = new Transform.Function();
        _partitionKeys = new PartitionKeys.Function();
        Console.SetOut(TextWriter.Null); // the handler's log lines are not what is measured
    }

    [Benchmark(Baseline = true)]
    public async Task<long> Handler()
    {
        using var response = await _function.FunctionHandler(new MemoryStream(_request, writable: false));
        return response.Length;
    }

    [Benchmark]
    public async Task<long> PartitionKeysHandler()
    {
        using var response = await _partitionKeys.FunctionHandler(new MemoryStream(_request, writable: false));
        return response.Length;
    }

    [Benchmark]
    public int ParseRequest()
    {
        using var request = FirehoseRequest.Parse(_request);
        return request.Count;
    }

    [Benchmark]
    public int ParseAndConvert()
    {
        using var request = FirehoseRequest.Parse(_request);
        using var batch = ChangeBatch.Convert(request, _routes);
        return batch.UndeclaredAttributes;
    }

    /// <summary>Floor: base64-decode every record and scan it once with Utf8JsonReader (no conversion); the CLI's own.</summary>
    [Benchmark]
    public long DecodeAndScanFloor() => DynamoLake.Local.RequestFloor.Scan(_request);

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig()
        {
            // Three processes each: one process's code and data placement moves a rate by several per cent
            // (the floor 1,044–1,237 MB/s in one day), so a single launch can put a ratio on either side of a bar.
            AddJob(Job.Default.WithLaunchCount(3));
            AddColumn(new ThroughputColumn());
        }
    }

    private sealed class ThroughputColumn : IColumn
    {
        public string Id => "MBps";

        public string ColumnName => "MB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Request megabytes (10^6 bytes) transformed per second";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            var bytes = BenchmarkEvent.Load().Length;
            return report?.ResultStatistics is { } stats
                ? (bytes / (stats.Mean / 1e9) / 1e6).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)
                : "-";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
