using DynamoLake.Core.Firehose;
using DynamoLake.Core.Observability;

namespace Transform;

/// <summary>The Transform's configuration, read once per container from environment variables.</summary>
public sealed record TransformSettings
{
    public const string DatabaseVariable = "DESTINATION_DATABASE";
    public const string TableVariable = "DESTINATION_TABLE";
    public const string OperationModeVariable = "OPERATION_MODE";
    public const string SourceTableVariable = "SOURCE_TABLE_NAME";

    /// <summary>S3 Tables namespace (the Glue database of the s3tablescatalog).</summary>
    public string DatabaseName { get; init; } = "analytics";

    /// <summary>DESTINATION_TABLE: the Iceberg table of the only contract; null: the contract's own <c>table</c> (for several contracts, each one's).</summary>
    public string? TableName { get; init; }

    public OperationMode OperationMode { get; init; } = OperationMode.Upsert;

    /// <summary>The DynamoDB table this stream captures; changes of other tables on a shared stream are Dropped. Null: every table.</summary>
    public string? SourceTableName { get; init; }

    /// <summary>The <c>Function</c> of log lines and EMF metrics: the deployed function's name (AWS_LAMBDA_FUNCTION_NAME), which the template's alarms match.</summary>
    public string FunctionName { get; init; } = nameof(Transform);

    /// <summary>The response budget; Lambda's 6 MB unless a test makes it smaller.</summary>
    public int MaxResponseBytes { get; init; } = FirehoseRequest.DefaultMaxResponseBytes;

    /// <summary>The environment variables this function reads (the template test checks each is set).</summary>
    public static IReadOnlyList<string> Variables { get; } = [DatabaseVariable, TableVariable, OperationModeVariable, SourceTableVariable];

    public static TransformSettings FromEnvironment() => From(Environment.GetEnvironmentVariable);

    /// <summary>Reads settings through <paramref name="lookup"/>; an invalid value throws naming the variable.</summary>
    public static TransformSettings From(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var defaults = new TransformSettings();
        var mode = lookup(OperationModeVariable) switch
        {
            null or "" or "upsert" => OperationMode.Upsert,
            "exact" => OperationMode.Exact,
            var other => throw new InvalidOperationException($"{OperationModeVariable} is \"{other}\"; expected \"upsert\" (default) or \"exact\"."),
        };
        return new TransformSettings
        {
            DatabaseName = NonEmpty(lookup(DatabaseVariable)) ?? defaults.DatabaseName,
            TableName = NonEmpty(lookup(TableVariable)),
            OperationMode = mode,
            SourceTableName = NonEmpty(lookup(SourceTableVariable)),
            FunctionName = LambdaEnvironment.FunctionName(lookup, defaults.FunctionName),
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
