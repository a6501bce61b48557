using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoLake.Local;

/// <summary>
/// Console.Out as the managed .NET runtime (Amazon.Lambda.RuntimeSupport) gives it to a function, for the
/// environment the template sets: each <c>WriteLine</c> becomes one CloudWatch log event, formatted as the
/// runtime formats it; <c>Write</c> without a newline passes through unformatted. The format is
/// <c>AWS_LAMBDA_HANDLER_LOG_FORMAT</c> when set (Default, Unformatted, Json), else <c>AWS_LAMBDA_LOG_FORMAT</c>
/// (what Lambda sets from LoggingConfig.LogFormat):
/// <list type="bullet">
/// <item>Default: <c>yyyy-MM-ddTHH:mm:ss.fffZ \t requestId \t info \t message</c>;</item>
/// <item>Unformatted: the message as written;</item>
/// <item>Json: <c>{"timestamp","level":"Information","requestId","message"}</c>, the message as a JSON string.</item>
/// </list>
/// What leaves here is what CloudWatch Logs receives (docs/adr/0013-log-lines-through-the-managed-runtime.md).
/// </summary>
internal sealed class LambdaConsole : TextWriter
{
    /// <summary>The runtime's own switch (aws-lambda-dotnet pull request #977); it wins over AWS_LAMBDA_LOG_FORMAT.</summary>
    public const string HandlerLogFormatVariable = DynamoLake.Core.Observability.LambdaEnvironment.HandlerLogFormatVariable;

    /// <summary>What Lambda sets from the function's LoggingConfig.LogFormat (JSON or Text).</summary>
    public const string LogFormatVariable = "AWS_LAMBDA_LOG_FORMAT";

    private readonly TextWriter _events;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();

    public LambdaConsole(IReadOnlyDictionary<string, string> environment, TextWriter events, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _events = events;
        _clock = clock ?? TimeProvider.System;
        Format = FormatFor(environment);
    }

    public enum LogFormat
    {
        Default,
        Unformatted,
        Json,
    }

    public LogFormat Format { get; }

    /// <summary>The invocation's request id (the runtime sets it per invocation).</summary>
    public string RequestId { get; set; } = "";

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>The format the runtime picks: the handler variable first, parsed without case; a value it does not know is Default.</summary>
    public static LogFormat FormatFor(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var text = environment.GetValueOrDefault(HandlerLogFormatVariable);
        if (string.IsNullOrEmpty(text))
        {
            text = environment.GetValueOrDefault(LogFormatVariable);
        }

        return Enum.TryParse<LogFormat>(text, ignoreCase: true, out var format) && Enum.IsDefined(format) ? format : LogFormat.Default;
    }

    /// <summary>
    /// A function's environment as Lambda would give it, from the template: its Environment.Variables (a
    /// <c>Ref</c> to a parameter takes the parameter's default) and AWS_LAMBDA_LOG_FORMAT from LoggingConfig.LogFormat.
    /// </summary>
    public static Dictionary<string, string> EnvironmentOf(JsonNode template, string logicalId)
    {
        ArgumentNullException.ThrowIfNull(template);
        var properties = template["Resources"]?[logicalId]?["Properties"]
            ?? throw new InvalidOperationException($"the template has no resource {logicalId}");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (properties["Environment"]?["Variables"] is JsonObject variables)
        {
            foreach (var (name, value) in variables)
            {
                var text = value switch
                {
                    JsonValue v when v.TryGetValue<string>(out var s) => s,
                    JsonObject o when o["Ref"]?.GetValue<string>() is { } parameter => template["Parameters"]?[parameter]?["Default"]?.ToString(),
                    _ => null,
                };
                if (text is not null)
                {
                    environment[name] = text;
                }
            }
        }

        environment[LogFormatVariable] = properties["LoggingConfig"]?["LogFormat"]?.GetValue<string>() ?? "Text";
        return environment;
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            _events.Write(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            _events.Write(value);
        }
    }

    public override void WriteLine() => WriteLine(string.Empty);

    // Every WriteLine is one formatted event, whatever overload the code calls.
    public override void WriteLine(char[]? buffer) => WriteLine(buffer is null ? null : new string(buffer));

    public override void WriteLine(ReadOnlySpan<char> buffer) => WriteLine(new string(buffer));

    public override void WriteLine(object? value) => WriteLine(value?.ToString());

    public override void WriteLine(System.Text.StringBuilder? value) => WriteLine(value?.ToString());

    public override void WriteLine(string? value)
    {
        var line = Format switch
        {
            LogFormat.Unformatted => value ?? "",
            LogFormat.Json => JsonLine(value ?? ""),
            _ => string.Create(CultureInfo.InvariantCulture, $"{_clock.GetUtcNow().UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}\t{RequestId}\tinfo\t{value}"),
        };
        lock (_gate)
        {
            _events.WriteLine(line);
        }
    }

    public override void Flush()
    {
        lock (_gate)
        {
            _events.Flush();
        }
    }

    private string JsonLine(string message)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WriteString("level", "Information");
            if (RequestId.Length > 0)
            {
                json.WriteString("requestId", RequestId);
            }

            json.WriteString("message", message);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
