using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoLake.Testing;

namespace DynamoLake.Local.Tests;

/// <summary>
/// The managed .NET runtime's console as <see cref="LambdaConsole"/> emulates it: its formats, and that without
/// AWS_LAMBDA_HANDLER_LOG_FORMAT=Unformatted no EMF metric survives it (read as CloudWatch Logs reads embedded
/// metrics: only from an event that is the EMF document itself). The alarms against the metrics run behind it
/// in Template.Tests (DeployWiringTests).
/// </summary>
[Collection(UsesConsole.Name)]
public sealed class LambdaConsoleTests
{
    private static readonly Dictionary<string, string> s_functions = new(StringComparer.Ordinal)
    {
        ["TransformFunction"] = "transform",
        ["PartitionKeysFunction"] = "partition-keys",
    };

    [Theory]
    [InlineData("Text")]
    [InlineData("JSON")]
    public async Task WithoutUnformatted_TheRuntimeRewritesEveryLine_AndNoMetricIsExtracted(string logFormat)
    {
        // What the template had before: the runtime prefixes (Text) or wraps (JSON) the EMF line.
        var template = Template();
        var properties = template["Resources"]!["TransformFunction"]!["Properties"]!;
        properties["LoggingConfig"]!["LogFormat"] = logFormat;
        properties["Environment"]!["Variables"]!.AsObject().Remove(LambdaConsole.HandlerLogFormatVariable);

        var events = await EventsOf(template, "TransformFunction");

        Assert.Empty(Emf(events));
        Assert.Contains(events, e => e.Contains("\"_aws\"", StringComparison.Ordinal) || e.Contains("\\u0022_aws\\u0022", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryFunctionInTheTemplate_SetsUnformatted()
    {
        var template = Template();
        var functions = template["Resources"]!.AsObject().Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::Serverless::Function").ToList();

        // The managed runtime's console rewrites lines unless told not to. An OS-only runtime (the processors'
        // Native AOT twins, ProcessorBuild=native-aot) has no such console: Lambda captures the bootstrap's
        // stdout lines as they are, and keeps a line that is already JSON as it is (Lambda developer guide,
        // "Configuring JSON and plain text log formats").
        var managed = functions.Where(f => f.Value!["Properties"]!["Runtime"] is null).ToList();
        Assert.NotEmpty(managed);
        Assert.All(managed, f => Assert.Equal(LambdaConsole.LogFormat.Unformatted, LambdaConsole.FormatFor(LambdaConsole.EnvironmentOf(template, f.Key))));
        Assert.All(functions.Except(managed), f => Assert.Equal("provided.al2023", f.Value!["Properties"]!["Runtime"]!.GetValue<string>()));
        Assert.Equal("dotnet10", template["Globals"]!["Function"]!["Runtime"]!.GetValue<string>());
    }

    [Fact]
    public void Formats_AreTheManagedRuntimes()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 5, 1, 2, 3, 456, TimeSpan.Zero));
        string Line(Dictionary<string, string> environment)
        {
            var events = new StringWriter { NewLine = "\n" };
            var console = new LambdaConsole(environment, events, clock) { RequestId = "req-1" };
            console.WriteLine("{\"a\":1}");
            return events.ToString().TrimEnd('\n');
        }

        Assert.Equal("2026-12-05T01:02:03.456Z\treq-1\tinfo\t{\"a\":1}", Line(new() { [LambdaConsole.LogFormatVariable] = "Text" }));
        Assert.Equal("{\"a\":1}", Line(new() { [LambdaConsole.LogFormatVariable] = "JSON", [LambdaConsole.HandlerLogFormatVariable] = "unformatted" }));
        var json = JsonDocument.Parse(Line(new() { [LambdaConsole.LogFormatVariable] = "JSON" })).RootElement;
        Assert.Equal("Information", json.GetProperty("level").GetString());
        Assert.Equal("req-1", json.GetProperty("requestId").GetString());
        Assert.Equal("{\"a\":1}", json.GetProperty("message").GetString()); // a string, not the object
        Assert.StartsWith("2026-12-05T01:02:03.456Z\t", Line(new() { [LambdaConsole.HandlerLogFormatVariable] = "Text", [LambdaConsole.LogFormatVariable] = "JSON" }), StringComparison.Ordinal); // a value the runtime does not know is Default
    }

    private static JsonNode Template() => JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "serverless.template")))!;

    // Runs the function on a sample event behind the runtime's console for the template; returns the log events.
    private static async Task<List<string>> EventsOf(JsonNode template, string function)
    {
        var events = new StringWriter { NewLine = "\n" };
        var original = Console.Out;
        Console.SetOut(new LambdaConsole(LambdaConsole.EnvironmentOf(template, function), events) { RequestId = Guid.NewGuid().ToString() });
        try
        {
            var handler = LambdaFunctions.All[s_functions[function]](FunctionEnvironment.Process);
            await using var response = await handler(File.OpenRead(Path.Combine(RepoPaths.Root, "events", "kinesis-mixed-batch.json")));
        }
        finally
        {
            Console.SetOut(original);
        }

        return events.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    // The metric names CloudWatch extracts: only from an event that is a JSON object with _aws.CloudWatchMetrics
    // (the EMF specification's root node), each directive's metrics present as members of the document.
    private static HashSet<string> Emf(List<string> events)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            JsonElement root;
            try
            {
                root = JsonDocument.Parse(e).RootElement;
            }
            catch (JsonException)
            {
                continue;
            }

            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("_aws", out var aws) || !aws.TryGetProperty("CloudWatchMetrics", out var directives))
            {
                continue;
            }

            foreach (var directive in directives.EnumerateArray())
            {
                var dimensions = directive.GetProperty("Dimensions").EnumerateArray().SelectMany(set => set.EnumerateArray()).Select(d => d.GetString()!).ToList();
                if (directive.GetProperty("Namespace").GetString() != "DynamoLake" || !dimensions.All(d => root.TryGetProperty(d, out _)))
                {
                    continue;
                }

                foreach (var metric in directive.GetProperty("Metrics").EnumerateArray())
                {
                    var name = metric.GetProperty("Name").GetString()!;
                    if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number)
                    {
                        names.Add(name);
                    }
                }
            }
        }

        return names;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
