using System.Globalization;
using System.Text.Json.Nodes;
using DynamoLake.Core.Contract;

namespace DynamoLake.Local.Pipeline;

/// <summary>What the local pipeline takes from serverless.template (embedded): buffer size and the S3 prefix.</summary>
internal sealed class TemplateFacts
{
    private readonly Lazy<ChangeLogProjection> _projection;
    private readonly JsonNode _parameters;

    private readonly JsonNode _template;

    private TemplateFacts(JsonNode template, JsonNode parameters, int bufferSizeMBs, string? s3Prefix, string ns, Func<ChangeLogProjection> projection)
    {
        _template = template;
        _parameters = parameters;
        ProcessorBufferSizeMBs = bufferSizeMBs;
        S3Prefix = s3Prefix;
        Namespace = ns;
        _projection = new Lazy<ChangeLogProjection>(projection);
    }

    /// <summary>The change log's partitions as Athena projects them (the Glue table's projection); throws when it has none.</summary>
    public ChangeLogProjection ChangeLogProjection => _projection.Value;

    /// <summary>The Lambda processor's BufferSizeInMBs (the parameter's default).</summary>
    public int ProcessorBufferSizeMBs { get; }

    /// <summary>The processor buffer in bytes: the most change-record data one transformation request carries.</summary>
    public int ProcessorBufferBytes => ProcessorBufferSizeMBs * 1024 * 1024;

    /// <summary>The S3 delivery stream's Prefix with its <c>!{partitionKeyFromLambda:…}</c> placeholders; null when the template has no S3 path (a set of contracts).</summary>
    public string? S3Prefix { get; }

    /// <summary>Whether the template has the S3 path (PartitionKeys, the change log and its view).</summary>
    public bool HasS3Path => S3Prefix is not null;

    /// <summary>The S3 Tables namespace (the parameter's default).</summary>
    public string Namespace { get; }

    /// <summary>
    /// Console.Out for a function as the managed .NET runtime gives it under the template's environment and
    /// LoggingConfig: what is written to it reaches <paramref name="events"/> as CloudWatch would receive it.
    /// </summary>
    public LambdaConsole ConsoleFor(string functionLogicalId, TextWriter events) =>
        new(LambdaConsole.EnvironmentOf(_template, functionLogicalId), events);

    /// <summary>A parameter's default as text.</summary>
    public string ParameterDefault(string name) => _parameters[name]?["Default"]?.ToString() ?? throw new PipelineException($"the template has no default for the parameter {name}");

    public static TemplateFacts LoadEmbedded() => From(LoadEmbeddedTemplate());

    /// <summary>
    /// The template as generated for <paramref name="contract"/> (its S3 partitions as <c>template</c> chooses
    /// them by default): for the sample, the checked-in template itself.
    /// </summary>
    public static TemplateFacts For(TableContract contract, string contractFile)
    {
        var template = LoadEmbeddedTemplate();
        return From(Deploy.TemplateGenerator.For(template, contract, contractFile, Deploy.TemplateGenerator.PartitionsFor(template, contract)));
    }

    /// <summary>A function's environment variables in the template (literals, and parameters' defaults).</summary>
    public IReadOnlyDictionary<string, string> EnvironmentOf(string functionLogicalId) => LambdaConsole.EnvironmentOf(_template, functionLogicalId);

    /// <summary>The checked-in serverless.template, as embedded.</summary>
    public static JsonNode LoadEmbeddedTemplate()
    {
        using var stream = typeof(TemplateFacts).Assembly.GetManifestResourceStream("serverless.template")
            ?? throw new PipelineException("serverless.template is not embedded in the CLI");
        return JsonNode.Parse(stream)!;
    }

    /// <summary>The facts of a template (tests pass a modified one).</summary>
    public static TemplateFacts From(JsonNode template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var parameters = template["Parameters"]!;
        var prefix = template["Resources"]!["S3DeliveryStream"]?["Properties"]!["ExtendedS3DestinationConfiguration"]!["Prefix"]!.GetValue<string>();
        return new TemplateFacts(
            template,
            parameters,
            int.Parse(parameters[nameof(ProcessorBufferSizeMBs)]!["Default"]!.ToString(), CultureInfo.InvariantCulture),
            prefix,
            parameters["NamespaceName"]!["Default"]!.GetValue<string>(),
            () => ChangeLogProjection.FromTemplate(template, "ChangeLogTable"));
    }
}
