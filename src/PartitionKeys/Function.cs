using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Firehose;

namespace PartitionKeys;

/// <summary>
/// Firehose data-transformation Lambda for the S3 path with dynamic partitioning: every DynamoDB change
/// becomes one JSON line (row + "\n") of the change log, with <c>metadata.partitionKeys</c> for the
/// prefix. Handler: <c>PartitionKeys::PartitionKeys.Function::FunctionHandler</c>.
/// </summary>
public sealed class Function
{
    private readonly ChangeTransformation _transformation;

    /// <summary>Used by the Lambda runtime: the contract file CONTRACT names, keys from the environment, logs to stdout.</summary>
    public Function()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>The runtime's path with the environment given (the local workbench overlays CONTRACT on its own).</summary>
    internal Function(Func<string, string?> environment)
        : this(TableContract.FromEnvironment(environment), environment)
    {
        DynamoLake.Core.Observability.LambdaEnvironment.WarnAboutLogFormat(environment, Console.Out);
    }

    private Function(TableContract contract, Func<string, string?> environment)
        : this(contract, PartitionKeysSettings.From(contract, environment), TimeProvider.System, Console.Out)
    {
    }

    internal Function(TableContract contract, PartitionKeysSettings? settings, TimeProvider clock, TextWriter log)
    {
        settings ??= PartitionKeysSettings.FromEnvironment(contract);
        _transformation = new ChangeTransformation(ChangeRoutes.One(contract, settings.SourceTableName), new PartitionKeysPolicy(settings), settings.MaxResponseBytes, clock, log);
    }

    /// <summary>Reads a Firehose transformation request and returns the response JSON.</summary>
    /// <exception cref="InvalidFirehoseRequestException">The request is not a Firehose transformation request.</exception>
    public Task<Stream> FunctionHandler(Stream request) => _transformation.RunAsync(request, CancellationToken.None);
}
