using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Firehose;

namespace Transform;

/// <summary>
/// Firehose data-transformation Lambda for the Apache Iceberg / S3 Tables destination. Each DynamoDB
/// change record becomes one row of the table contract with <c>metadata.otfMetadata</c> naming the
/// operation; a bad record becomes ProcessingFailed with a reason code, and the rest still succeed.
/// Handler: <c>Transform::Transform.Function::FunctionHandler</c>.
/// </summary>
public sealed class Function
{
    private readonly ChangeTransformation _transformation;

    /// <summary>Used by the Lambda runtime: the contract file CONTRACT names, settings from the environment, logs to stdout.</summary>
    public Function()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>The runtime's path with the environment given (the local workbench overlays CONTRACT on its own).</summary>
    internal Function(Func<string, string?> environment)
        : this(environment, TransformSettings.From(environment))
    {
        DynamoLake.Core.Observability.LambdaEnvironment.WarnAboutLogFormat(environment, Console.Out);
    }

    private Function(Func<string, string?> environment, TransformSettings settings)
        : this(ContractSet.FromEnvironment(environment, settings.SourceTableName), settings, TimeProvider.System, Console.Out)
    {
    }

    internal Function(TableContract contract, TransformSettings settings, TimeProvider clock, TextWriter log)
        : this(ContractSet.Of([contract], settings?.SourceTableName), settings!, clock, log)
    {
    }

    /// <summary>Several contracts (CONTRACT names more than one file): each change goes to its table's or its entity's contract.</summary>
    internal Function(ContractSet contracts, TransformSettings settings, TimeProvider clock, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _transformation = new ChangeTransformation(new ChangeRoutes(contracts), new TransformPolicy(settings, contracts), settings.MaxResponseBytes, clock, log);
    }

    /// <summary>Reads a Firehose transformation request and returns the response JSON.</summary>
    /// <exception cref="InvalidFirehoseRequestException">The request is not a Firehose transformation request.</exception>
    public Task<Stream> FunctionHandler(Stream request) => _transformation.RunAsync(request, CancellationToken.None);
}
