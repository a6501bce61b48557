namespace DynamoLake.Local;

/// <summary>The deployable functions, by the name the CLI uses, each called through its Lambda entry point.</summary>
internal static class LambdaFunctions
{
    public static IReadOnlyDictionary<string, Func<Func<Stream, Task<Stream>>>> All { get; } =
        new Dictionary<string, Func<Func<Stream, Task<Stream>>>>(StringComparer.Ordinal)
        {
            ["transform"] = () => new Transform.Function().FunctionHandler,
            ["partition-keys"] = () => new PartitionKeys.Function().FunctionHandler,
            ["provisioner"] = () => new TableProvisioner.Function().FunctionHandler,
        };

    /// <summary>Each function's resource in serverless.template (its environment and LoggingConfig).</summary>
    public static IReadOnlyDictionary<string, string> LogicalIds { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["transform"] = "TransformFunction",
        ["partition-keys"] = "PartitionKeysFunction",
        ["provisioner"] = "TableProvisionerFunction",
    };
}
