using DynamoLake.Core.Contract;

namespace TableProvisioner;

/// <summary>
/// Decides and does what a custom-resource request asks, from the contract:
/// Create — namespace (existing is fine), then the table; an existing table must match the contract.
/// Update — a different bucket, namespace or name is a new table (new PhysicalResourceId: CloudFormation
/// then deletes the old one); the same table must still match the contract.
/// Delete — deletes the table only when DeleteTableOnStackDelete is true; a resource that never got
/// created succeeds. Failures are outcomes with a reason, never silence.
/// </summary>
internal sealed class Provisioner
{
    private readonly TableContract _contract;
    private readonly Func<TableProperties, S3TablesClient> _clientFor;

    public Provisioner(TableContract contract, Func<TableProperties, S3TablesClient> clientFor)
    {
        _contract = contract;
        _clientFor = clientFor;
    }

    /// <summary>The step in progress, for a deadline's reason ("timed out while CreateTable").</summary>
    public string Step { get; private set; } = "starting";

    public async Task<ProvisionOutcome> RunAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var properties = TableProperties.Parse(request.ResourceProperties, out var problems);
        var fallbackId = request.PhysicalResourceId ?? $"failed-{request.RequestId}";

        switch (request.RequestType)
        {
            case "Delete":
                if (problems.Count > 0 || request.PhysicalResourceId != properties.PhysicalResourceId)
                {
                    // Nothing of ours exists under this id (a Create that failed before creating anything).
                    return ProvisionOutcome.Success("nothing to delete: the resource was never created", fallbackId);
                }

                return await DeleteAsync(properties, cancellationToken);

            case "Create" or "Update":
                if (problems.Count > 0)
                {
                    return ProvisionOutcome.Failed("invalid properties: " + string.Join("; ", problems), fallbackId);
                }

                // A failed Create must not name a table it did not make: the rollback's Delete would then
                // delete somebody's existing table. A failed Update keeps the id it had.
                return await EnsureAsync(properties, failureId: fallbackId, cancellationToken);

            default:
                return ProvisionOutcome.Failed($"unknown RequestType '{request.RequestType}'; expected Create, Update or Delete", fallbackId);
        }
    }

    private async Task<ProvisionOutcome> EnsureAsync(TableProperties properties, string failureId, CancellationToken cancellationToken)
    {
        var client = _clientFor(properties);
        var id = properties.PhysicalResourceId;

        Step = "CreateNamespace";
        var namespaceCreated = await client.CreateNamespaceAsync(properties.TableBucketArn, properties.Namespace, cancellationToken);

        Step = "CreateTable";
        var body = IcebergSchema.CreateTableRequest(_contract, properties.TableName);
        var tableCreated = await client.CreateTableAsync(properties.TableBucketArn, properties.Namespace, body, cancellationToken);

        if (!tableCreated)
        {
            Step = "LoadTable";
            using var schema = await client.LoadCurrentSchemaAsync(properties.TableBucketArn, properties.Namespace, properties.TableName, cancellationToken);
            var differences = IcebergSchema.Differences(_contract, schema.RootElement);
            if (differences.Count > 0)
            {
                return ProvisionOutcome.Failed(
                    $"table {properties.Namespace}.{properties.TableName} exists with a schema that differs from the contract: {string.Join("; ", differences)}",
                    failureId);
            }
        }

        Step = "GetTable";
        var table = await client.GetTableAsync(properties.TableBucketArn, properties.Namespace, properties.TableName, cancellationToken)
            ?? throw new S3TablesException("GetTable", System.Net.HttpStatusCode.NotFound, "NotFoundException", "the table was not found right after CreateTable");

        var data = new Dictionary<string, string>(StringComparer.Ordinal) { ["TableARN"] = table.TableArn };
        if (table.WarehouseLocation is { } location)
        {
            data["WarehouseLocation"] = location;
        }

        if (table.VersionToken is { } token)
        {
            data["VersionToken"] = token;
        }

        var what = tableCreated
            ? $"created table {properties.Namespace}.{properties.TableName}{(namespaceCreated ? " and its namespace" : "")}"
            : $"table {properties.Namespace}.{properties.TableName} already exists and matches the contract";
        return ProvisionOutcome.Success(what, id, data);
    }

    private async Task<ProvisionOutcome> DeleteAsync(TableProperties properties, CancellationToken cancellationToken)
    {
        var id = properties.PhysicalResourceId;
        if (!properties.DeleteTableOnStackDelete)
        {
            return ProvisionOutcome.Success($"table {properties.Namespace}.{properties.TableName} retained (DeleteTableOnStackDelete is false)", id);
        }

        Step = "DeleteTable";
        var deleted = await _clientFor(properties).DeleteTableAsync(properties.TableBucketArn, properties.Namespace, properties.TableName, cancellationToken);
        return ProvisionOutcome.Success(deleted ? $"deleted table {properties.Namespace}.{properties.TableName}" : "the table was already gone", id);
    }
}
