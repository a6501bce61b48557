using System.Text;
using System.Text.Json;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Firehose;

namespace DynamoLake.Core.Observability;

/// <summary>
/// What one invocation did, written as one structured JSON log line and one CloudWatch EMF metrics line.
/// Carries ids, counts and reason codes only — never a record value.
/// </summary>
public sealed class InvocationReport
{
    /// <summary>How many failed recordIds the log line names (the counts are always complete).</summary>
    public const int MaxListedFailures = 50;

    private readonly string _function;
    private readonly string? _invocationId;
    private readonly int[] _reasons = new int[ReasonCodes.All.Count];
    private readonly int[] _shapes = new int[3];
    private readonly List<(string RecordId, ReasonCode Reason)> _failures = [];
    private long _maxEventTimeMicros = long.MinValue;
    private long _minEventTimeMicros = long.MaxValue;

    public InvocationReport(string function, string? invocationId)
    {
        _function = function;
        _invocationId = invocationId;
    }

    public int Records { get; private set; }

    public int Ok { get; private set; }

    public int Dropped { get; private set; }

    public int Failed { get; private set; }

    public int UndeclaredAttributes { get; set; }

    /// <summary>Dropped because a newer change of the key replaces them.</summary>
    public int DroppedSuperseded { get; private set; }

    /// <summary>Dropped because they are changes of another table (SOURCE_TABLE_NAME).</summary>
    public int DroppedOtherTable { get; private set; }

    public int CountOf(ReasonCode reason) => _reasons[(int)reason];

    /// <summary>
    /// Failed because the Iceberg table could not apply them in the right partition (<c>partition_moved</c>,
    /// <c>unknown_partition</c>): the lake keeps a row the table no longer has, until someone acts.
    /// </summary>
    public int PartitionConflicts => CountOf(ReasonCode.PartitionMoved) + CountOf(ReasonCode.UnknownPartition);

    /// <summary>Counts one answered record; <paramref name="recordId"/> is read only for failures.</summary>
    public void Count(FirehoseResult result, ReasonCode reason, FirehoseRequest request, int index, DropReason drop = DropReason.Superseded)
    {
        ArgumentNullException.ThrowIfNull(request);
        Records++;
        switch (result)
        {
            case FirehoseResult.Ok:
                Ok++;
                break;
            case FirehoseResult.Dropped:
                Dropped++;
                if (drop == DropReason.OtherTable)
                {
                    DroppedOtherTable++;
                }
                else
                {
                    DroppedSuperseded++;
                }

                break;
            case FirehoseResult.ProcessingFailed:
                Failed++;
                _reasons[(int)reason]++;
                if (_failures.Count < MaxListedFailures)
                {
                    _failures.Add((request.RecordId(index), reason));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(result), result, "A record left the invocation without a result.");
        }
    }

    /// <summary>Notes a converted change (its shape and event time, for the lag metric).</summary>
    public void Observe(ChangeShape shape, long eventTimeMicros)
    {
        _shapes[(int)shape]++;
        _maxEventTimeMicros = Math.Max(_maxEventTimeMicros, eventTimeMicros);
        _minEventTimeMicros = Math.Min(_minEventTimeMicros, eventTimeMicros);
    }

    /// <summary>Writes the log line and the EMF line.</summary>
    public void Write(TextWriter log, TimeSpan duration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(log);
        log.WriteLine(LogLine(duration, now));
        log.WriteLine(MetricsLine(now));
        log.Flush();
    }

    /// <summary>now − oldest event time: how far behind the table the lake is, at worst, for this batch.</summary>
    public long? MaxLagMilliseconds(DateTimeOffset now) =>
        _minEventTimeMicros == long.MaxValue ? null : Math.Max(0, (now.ToUnixTimeMilliseconds() * 1000 - _minEventTimeMicros) / 1000);

    public string LogLine(TimeSpan duration, DateTimeOffset now)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("level", Failed > 0 ? "WARN" : "INFO");
            json.WriteString("function", _function);
            json.WriteString("message", "invocation complete");
            json.WriteString("invocationId", _invocationId);
            json.WriteNumber("records", Records);
            json.WriteNumber("ok", Ok);
            json.WriteNumber("dropped", Dropped);
            json.WriteStartObject("droppedByReason");
            json.WriteNumber("superseded", DroppedSuperseded);
            json.WriteNumber("other_table", DroppedOtherTable);
            json.WriteEndObject();
            json.WriteNumber("failed", Failed);
            json.WriteStartObject("failedByReason");
            foreach (var reason in ReasonCodes.All)
            {
                if (_reasons[(int)reason] > 0)
                {
                    json.WriteNumber(reason.ToWire(), _reasons[(int)reason]);
                }
            }

            json.WriteEndObject();
            json.WriteStartObject("shapes");
            json.WriteNumber("kinesis", _shapes[(int)ChangeShape.KinesisForDynamoDb]);
            json.WriteNumber("streams", _shapes[(int)ChangeShape.DynamoDbStreams]);
            json.WriteEndObject();
            json.WriteNumber("undeclaredAttributes", UndeclaredAttributes);
            if (MaxLagMilliseconds(now) is { } lag)
            {
                json.WriteNumber("maxLagMs", lag);
            }

            json.WriteNumber("durationMs", Math.Round(duration.TotalMilliseconds, 3));
            json.WriteStartArray("failures");
            foreach (var (recordId, reason) in _failures)
            {
                json.WriteStartObject();
                json.WriteString("recordId", recordId);
                json.WriteString("reason", reason.ToWire());
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    public string MetricsLine(DateTimeOffset now)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            var lag = MaxLagMilliseconds(now);
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", now.ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", "DynamoLake");
            json.WriteStartArray("Dimensions");
            json.WriteStartArray();
            json.WriteStringValue("Function");
            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            Metric(json, "RecordsOk", "Count");
            Metric(json, "RecordsDropped", "Count");
            Metric(json, "RecordsFailed", "Count");
            Metric(json, "RecordsFromOtherTables", "Count");
            Metric(json, "RecordsPartitionConflicts", "Count");
            if (lag is not null)
            {
                Metric(json, "MaxLag", "Milliseconds");
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString("Function", _function);
            json.WriteNumber("RecordsOk", Ok);
            json.WriteNumber("RecordsDropped", Dropped);
            json.WriteNumber("RecordsFailed", Failed);
            json.WriteNumber("RecordsFromOtherTables", DroppedOtherTable);
            json.WriteNumber("RecordsPartitionConflicts", PartitionConflicts);
            if (lag is not null)
            {
                json.WriteNumber("MaxLag", lag.Value);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    private static void Metric(Utf8JsonWriter json, string name, string unit)
    {
        json.WriteStartObject();
        json.WriteString("Name", name);
        json.WriteString("Unit", unit);
        json.WriteEndObject();
    }
}
