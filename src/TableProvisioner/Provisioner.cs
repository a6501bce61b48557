using DynamoLake.Aws;
using DynamoLake.Core.Contract;

namespace TableProvisioner;

/// <summary>
/// Decides and does what a custom-resource request asks, from the contract:
/// Create — namespace (existing is fine), then the table; an existing table must match the contract.
/// Update — a different bucket, namespace or name is a new table (new PhysicalResourceId: CloudFormation
/// then deletes the old one); the same table must still match the contract.
/// Delete — deletes the table only when DeleteTableOnStackDelete is true; a resource that never got
/// created succeeds. Failures are outcomes with a reason, never silence.
/// In Lake Formation mode (CatalogAccessMode) Create and Update also grant the principal (Firehose's role)
/// DESCRIBE on the namespace and ALL on the table, and Delete revokes that grant.
/// </summary>
internal sealed class Provisioner
{
    private readonly ContractSet _contracts;
    private readonly Func<TableProperties, S3TablesClient> _clientFor;
    private readonly Func<TableProperties, LakeFormationClient> _lakeFormationFor;

    /// <param name="contracts">
    /// The contracts CONTRACT names: the only one makes whatever table the resource names; of several, each
    /// resource's table is the contract whose <c>table</c> it names.
    /// </param>
    /// <param name="clientFor">The S3 Tables client for a resource's region.</param>
    /// <param name="lakeFormationFor">The Lake Formation client for a resource's region.</param>
    public Provisioner(ContractSet contracts, Func<TableProperties, S3TablesClient> clientFor, Func<TableProperties, LakeFormationClient> lakeFormationFor)
    {
        _contracts = contracts;
        _clientFor = clientFor;
        _lakeFormationFor = lakeFormationFor;
    }

    /// <summary>The step in progress, for a deadline's reason ("timed out while CreateTable").</summary>
    public string Step { get; private set; } = "starting";

    public async Task<ProvisionOutcome> RunAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ResourceType == TableProperties.AdminResourceType)
        {
            return await AdminAsync(request, cancellationToken);
        }

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
                var outcome = await EnsureAsync(properties, failureId: fallbackId, creating: request.RequestType == "Create", cancellationToken);
                if (outcome.Status == CustomResourceResponse.Success && request.RequestType == "Update")
                {
                    outcome = await RevokeReplacedGrantAsync(request, properties, outcome, cancellationToken);
                }

                return outcome;

            default:
                return ProvisionOutcome.Failed($"unknown RequestType '{request.RequestType}'; expected Create, Update or Delete", fallbackId);
        }
    }

    // The contract of the resource's table: the only one, or the one of several whose table it names.
    private TableContract? ContractOf(TableProperties properties) =>
        _contracts.Count == 1 ? _contracts.Contracts[0] : _contracts.Contracts.FirstOrDefault(c => c.Table == properties.TableName);

    private async Task<ProvisionOutcome> EnsureAsync(TableProperties properties, string failureId, bool creating, CancellationToken cancellationToken)
    {
        if (ContractOf(properties) is not { } contract)
        {
            return ProvisionOutcome.Failed($"no contract writes the table {properties.TableName}: CONTRACT names {string.Join(", ", _contracts.Contracts.Select(c => $"{c.SourceName} (table {c.Table})"))}", failureId);
        }

        var client = _clientFor(properties);
        var id = properties.PhysicalResourceId;

        Step = "CreateNamespace";
        var namespaceCreated = await client.CreateNamespaceAsync(properties.TableBucketArn, properties.Namespace, cancellationToken);

        Step = "CreateTable";
        var body = IcebergSchema.CreateTableRequest(contract, properties.TableName);
        var tableCreated = await client.CreateTableAsync(properties.TableBucketArn, properties.Namespace, body, cancellationToken);

        if (!tableCreated)
        {
            Step = "LoadTable";
            using var metadata = await client.LoadTableAsync(properties.TableBucketArn, properties.Namespace, properties.TableName, cancellationToken);
            var differences = IcebergSchema.Differences(contract, metadata.Schema.RootElement).ToList();
            if (metadata.FormatVersion != IcebergSchema.FormatVersion)
            {
                differences.Insert(0, $"format-version: table has {metadata.FormatVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, Firehose writes only {IcebergSchema.FormatVersion}");
            }

            if (differences.Count > 0)
            {
                return ProvisionOutcome.Failed(
                    $"table {properties.Namespace}.{properties.TableName} exists with a schema that differs from the contract: {string.Join("; ", differences)}",
                    failureId);
            }
        }

        Step = "GetTable";
        var table = await client.GetTableAsync(properties.TableBucketArn, properties.Namespace, properties.TableName, cancellationToken)
            ?? throw new AwsApiException("GetTable", System.Net.HttpStatusCode.NotFound, "NotFoundException", "the table was not found right after CreateTable");

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
        if (properties.Grant is { } grant)
        {
            Step = "GrantPermissions";
            await _lakeFormationFor(properties).GrantAsync(grant, undoHalfGrant: creating, cancellationToken);
            what += $"; Lake Formation: granted {grant.Principal} DESCRIBE on {grant.Database} and ALL on {grant.Database}.{grant.Table}";
        }

        return ProvisionOutcome.Success(what, id, data);
    }

    /// <summary>
    /// An Update that keeps the table but changes the access mode or the principal leaves the old grant
    /// behind: revoke it. (A new table is a replacement; CloudFormation's Delete of the old one revokes.)
    /// </summary>
    private async Task<ProvisionOutcome> RevokeReplacedGrantAsync(CustomResourceRequest request, TableProperties properties, ProvisionOutcome outcome, CancellationToken cancellationToken)
    {
        var old = TableProperties.Parse(request.OldResourceProperties, out var problems);
        if (problems.Count > 0 || old.PhysicalResourceId != properties.PhysicalResourceId || old.Grant is not { } oldGrant || oldGrant == properties.Grant)
        {
            return outcome;
        }

        Step = "RevokePermissions";
        await _lakeFormationFor(old).RevokeAsync(oldGrant, cancellationToken);
        return outcome with { Reason = outcome.Reason + $"; revoked the earlier grant to {oldGrant.Principal}" };
    }

    // Custom::LakeFormationAdmin: nothing to do while the stack lives; its Delete (stack delete, or leaving Lake
    // Formation mode) and an Update that names another role take the role out of the data lake administrators.
    private async Task<ProvisionOutcome> AdminAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var fallbackId = request.PhysicalResourceId ?? $"failed-{request.RequestId}";
        var parsed = TableProperties.ParseAdmin(request.ResourceProperties, out var problems);
        var id = parsed is { } p ? $"lakeformation-admin:{p.Admin}" : fallbackId;
        switch (request.RequestType)
        {
            case "Create":
                return parsed is null
                    ? ProvisionOutcome.Failed("invalid properties: " + string.Join("; ", problems), fallbackId)
                    : ProvisionOutcome.Success($"{parsed.Value.Admin} stays a data lake administrator while the stack lives; deleting this resource removes it", id);
            case "Update":
                if (parsed is null)
                {
                    return ProvisionOutcome.Failed("invalid properties: " + string.Join("; ", problems), fallbackId);
                }

                var old = TableProperties.ParseAdmin(request.OldResourceProperties, out _);
                var removed = old is { } o && o.Admin != parsed.Value.Admin ? await RemoveAdminAsync(o.Where, o.Admin, cancellationToken) : "";
                return ProvisionOutcome.Success($"{parsed.Value.Admin} stays a data lake administrator while the stack lives{removed}", id);
            case "Delete":
                return parsed is null || request.PhysicalResourceId != id
                    ? ProvisionOutcome.Success("nothing to delete: the resource was never created", fallbackId)
                    : ProvisionOutcome.Success("done" + await RemoveAdminAsync(parsed.Value.Where, parsed.Value.Admin, cancellationToken), id);
            default:
                return ProvisionOutcome.Failed($"unknown RequestType '{request.RequestType}'; expected Create, Update or Delete", fallbackId);
        }
    }

    // A stack delete must finish: a refusal is told in the reason, not thrown.
    private async Task<string> RemoveAdminAsync(TableProperties where, string admin, CancellationToken cancellationToken)
    {
        Step = "PutDataLakeSettings";
        try
        {
            return await _lakeFormationFor(where).RemoveAdminAsync(admin, cancellationToken)
                ? $"; {admin} removed from the data lake administrators"
                : $"; {admin} was not among the data lake administrators";
        }
        catch (AwsApiException e)
        {
            return $"; {admin} could not be removed from the data lake administrators ({e.Message}): remove it with aws lakeformation put-data-lake-settings";
        }
    }

    private async Task<ProvisionOutcome> DeleteAsync(TableProperties properties, CancellationToken cancellationToken)
    {
        var id = properties.PhysicalResourceId;
        var revoked = "";
        if (properties.Grant is { } grant)
        {
            Step = "RevokePermissions";
            var count = await _lakeFormationFor(properties).RevokeAsync(grant, cancellationToken);
            revoked = count > 0 ? $"; Lake Formation grant to {grant.Principal} revoked" : "; no Lake Formation grant was left to revoke";
        }

        if (!properties.DeleteTableOnStackDelete)
        {
            return ProvisionOutcome.Success($"table {properties.Namespace}.{properties.TableName} retained (DeleteTableOnStackDelete is false){revoked}", id);
        }

        Step = "DeleteTable";
        var deleted = await _clientFor(properties).DeleteTableAsync(properties.TableBucketArn, properties.Namespace, properties.TableName, cancellationToken);
        return ProvisionOutcome.Success((deleted ? $"deleted table {properties.Namespace}.{properties.TableName}" : "the table was already gone") + revoked, id);
    }
}
