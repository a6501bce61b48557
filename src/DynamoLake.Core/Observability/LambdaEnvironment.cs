namespace DynamoLake.Core.Observability;

/// <summary>What the Lambda runtime itself sets in a function's environment (the template does not).</summary>
public static class LambdaEnvironment
{
    /// <summary>The function's name, as CloudWatch knows it; our log lines and EMF metrics carry it as <c>Function</c>.</summary>
    public const string FunctionNameVariable = "AWS_LAMBDA_FUNCTION_NAME";

    /// <summary>The deployed function's name, or <paramref name="local"/> outside Lambda (CLI, tests, local pipeline).</summary>
    public static string FunctionName(Func<string, string?> lookup, string local)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        return lookup(FunctionNameVariable) is { Length: > 0 } name ? name : local;
    }
}
