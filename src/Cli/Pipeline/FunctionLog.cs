using System.Text;
using System.Text.Json;

namespace Cli.Pipeline;

/// <summary>
/// Takes the functions' log lines (they write to stdout as in Lambda) into a file, and reads from each
/// "invocation complete" line the reason code of every failed recordId and the counts by reason.
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
        if (!line.Contains("\"invocation complete\"", StringComparison.Ordinal))
        {
            return;
        }

        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var function = root.TryGetProperty("function", out var f) ? f.GetString() ?? "?" : "?";
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
