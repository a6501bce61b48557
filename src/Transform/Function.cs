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
        : this(TableContract.FromEnvironment(environment), TransformSettings.From(environment), TimeProvider.System, Console.Out)
    {
        DynamoLake.Core.Observability.LambdaEnvironment.WarnAboutLogFormat(environment, Console.Out);
    }

    internal Function(TableContract contract, TransformSettings settings, TimeProvider clock, TextWriter log)
    {
        _transformation = new ChangeTransformation(contract, new TransformPolicy(settings), settings.MaxResponseBytes, clock, log, settings.SourceTableName);
    }

    /// <summary>Reads a Firehose transformation request and returns the response JSON.</summary>
    /// <exception cref="InvalidFirehoseRequestException">The request is not a Firehose transformation request.</exception>
    public Task<Stream> FunctionHandler(Stream request) => _transformation.RunAsync(request, CancellationToken.None);
}
