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

    /// <summary>
    /// The managed .NET runtime's switch for its console (aws-lambda-dotnet pull request #977). Unformatted: a
    /// line leaves as written, so that an EMF document is the log event CloudWatch extracts metrics from and a
    /// JSON log line is JSON to Logs Insights. It wins over AWS_LAMBDA_LOG_FORMAT (LoggingConfig.LogFormat).
    /// </summary>
    public const string HandlerLogFormatVariable = "AWS_LAMBDA_HANDLER_LOG_FORMAT";

    /// <summary>Writes <see cref="LogFormatWarning"/> to <paramref name="log"/> when there is one (the functions' public constructors).</summary>
    public static void WarnAboutLogFormat(Func<string, string?> lookup, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (LogFormatWarning(lookup) is { } warning)
        {
            log.WriteLine(warning);
        }
    }

    /// <summary>
    /// In Lambda, when the runtime would prefix (Text) or wrap (JSON) every console line: one line that says so,
    /// written once at start-up (it names the variable to set; our template sets it). Null when all is well.
    /// </summary>
    public static string? LogFormatWarning(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        return lookup(FunctionNameVariable) is { Length: > 0 }
            && !string.Equals(lookup(HandlerLogFormatVariable), "Unformatted", StringComparison.OrdinalIgnoreCase)
            ? $"{{\"level\":\"WARN\",\"message\":\"{HandlerLogFormatVariable} is not Unformatted: the runtime rewrites every console line, so CloudWatch extracts no EMF metric from this function and its alarms see nothing. Set {HandlerLogFormatVariable}=Unformatted.\"}}"
            : null;
    }
}
