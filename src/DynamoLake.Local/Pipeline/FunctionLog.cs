using System.Text;
using System.Text.Json;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// Takes the functions' log events (each line as CloudWatch Logs would receive it from the managed runtime's
/// console, <see cref="LambdaConsole"/>) into a file, and reads from each "invocation complete" event the
/// reason code of every failed recordId and the counts by reason — only from an event that is the JSON
/// document itself, as CloudWatch reads metrics and Logs Insights reads fields: a prefixed or wrapped line is
/// text to them, and so it is here.
/// </summary>
internal sealed class FunctionLog : TextWriter
{
    private readonly StreamWriter _file;
    private readonly StringBuilder _line = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _reasonByRecordId = new(StringComparer.Ordinal);

    public FunctionLog(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _file = new StreamWriter(path, append: true);
    }

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>
    /// The reason code the Transform logged for a failed record (the log names up to 50 per invocation),
    /// read safely while the functions write, and forgotten once read, so that the log does not grow with
    /// the failures (a redelivered request logs its failures again). Read it before the function's next invocation.
    /// </summary>
    public string? ReasonFor(string recordId)
    {
        lock (_gate)
        {
            return _reasonByRecordId.Remove(recordId, out var reason) ? reason : null;
        }
    }

    /// <summary>"invocation complete" events read as JSON documents, by function.</summary>
    public Dictionary<string, long> Reports { get; } = new(StringComparer.Ordinal);

    /// <summary>Failed records by reason and function.</summary>
    public Dictionary<(string Function, string Reason), long> FailedByReason { get; } = [];

    public override void Write(char value)
    {
        lock (_gate)
        {
            Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            foreach (var c in value ?? "")
            {
                Append(c);
            }
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            foreach (var c in value ?? "")
            {
                Append(c);
            }

            Append('\n');
        }
    }

    private void Append(char value)
    {
        if (value == '\n')
        {
            Flush(_line.ToString());
            _line.Clear();
        }
        else
        {
            _line.Append(value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Flush(string line)
    {
        _file.WriteLine(line);
        if (!line.StartsWith('{') || !line.Contains("\"invocation complete\"", StringComparison.Ordinal))
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return;
        }

        using var _ = document;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String || message.GetString() != "invocation complete")
        {
            return;
        }

        var function = root.TryGetProperty("function", out var f) ? f.GetString() ?? "?" : "?";
        Reports[function] = Reports.GetValueOrDefault(function) + 1;
        if (root.TryGetProperty("failedByReason", out var reasons))
        {
            foreach (var reason in reasons.EnumerateObject())
            {
                var key = (function, reason.Name);
                FailedByReason[key] = FailedByReason.GetValueOrDefault(key) + reason.Value.GetInt64();
            }
        }

        if (root.TryGetProperty("failures", out var failures))
        {
            foreach (var failure in failures.EnumerateArray())
            {
                _reasonByRecordId[failure.GetProperty("recordId").GetString()!] = failure.GetProperty("reason").GetString()!;
            }
        }
    }
}
