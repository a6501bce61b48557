namespace DynamoLake.Local;

/// <summary>The deployable functions, by the name the CLI uses, each built as Lambda builds it, in the environment given.</summary>
internal static class LambdaFunctions
{
    public static IReadOnlyDictionary<string, Func<FunctionEnvironment, Func<Stream, Task<Stream>>>> All { get; } =
        new Dictionary<string, Func<FunctionEnvironment, Func<Stream, Task<Stream>>>>(StringComparer.Ordinal)
        {
            ["transform"] = environment => new Transform.Function(environment.Get).FunctionHandler,
            ["partition-keys"] = environment => new PartitionKeys.Function(environment.Get).FunctionHandler,
            ["provisioner"] = environment => TableProvisioner.Function.FromEnvironment(environment.Get).FunctionHandler,
            ["export-converter"] = environment => new ExportConverter.Function(environment.Get).FunctionHandler,
        };

    /// <summary>Each function's resource in serverless.template (its environment and LoggingConfig).</summary>
    public static IReadOnlyDictionary<string, string> LogicalIds { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["transform"] = "TransformFunction",
        ["partition-keys"] = "PartitionKeysFunction",
        ["provisioner"] = "TableProvisionerFunction",
        ["export-converter"] = "ExportConverterFunction",
    };
}
