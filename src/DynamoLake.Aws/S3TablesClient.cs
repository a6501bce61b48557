using System.Net;
using System.Text;
using System.Text.Json;
using DynamoLake.Core.Iam;

namespace DynamoLake.Aws;

/// <summary>
/// The S3 Tables REST calls the provisioner needs, SigV4-signed (service <c>s3tables</c>). Each call's IAM
/// action and resource is declared here, next to it; the template grants exactly these.
/// </summary>
internal sealed class S3TablesClient
{
    public const string SigningName = "s3tables";

    public static readonly AwsOperation CreateNamespace = new("s3tables:CreateNamespace", IamResource.TableBucket);

    public static readonly AwsOperation CreateTable = new("s3tables:CreateTable", IamResource.TableBucket);

    /// <summary>
    /// CreateTable with <c>metadata</c> also needs s3tables:PutTableData (CreateTable API reference). The
    /// Service Authorization Reference lists PutTableData on the table resource only, and the table does not
    /// exist before the call; the docs do not say which ARN is checked, so both are granted (ADR 0006).
    /// </summary>
    public static readonly AwsOperation CreateTableWithMetadata = new("s3tables:PutTableData", IamResource.TablesOfTheBucket, Api: "CreateTable");

    /// <inheritdoc cref="CreateTableWithMetadata"/>
    public static readonly AwsOperation CreateTableWithMetadataOnTheBucket = new("s3tables:PutTableData", IamResource.TableBucket, Api: "CreateTable");

    public static readonly AwsOperation GetTable = new("s3tables:GetTable", IamResource.TablesOfTheBucket);

    /// <summary>The Iceberg REST LoadTable reads the metadata location, then the metadata file.</summary>
    public static readonly AwsOperation LoadTable = new("s3tables:GetTableMetadataLocation", IamResource.TablesOfTheBucket, Api: "LoadTable");

    public static readonly AwsOperation LoadTableReadsMetadata = new("s3tables:GetTableData", IamResource.TablesOfTheBucket, Api: "LoadTable");

    public static readonly AwsOperation DeleteTable = new("s3tables:DeleteTable", IamResource.TablesOfTheBucket);

    /// <summary>How many times CreateTable is tried while S3 Tables still answers 404 for a namespace created a moment ago.</summary>
    public const int NamespaceNotFoundAttempts = 8;

    private readonly AwsRestClient _rest;

    public S3TablesClient(AwsRestClient rest)
    {
        _rest = rest;
    }

    /// <summary>CreateNamespace; false when it already exists (409).</summary>
    public async Task<bool> CreateNamespaceAsync(string bucketArn, string ns, CancellationToken cancellationToken)
    {
        var body = AwsRestClient.Json(w =>
        {
            w.WriteStartArray("namespace");
            w.WriteStringValue(ns);
            w.WriteEndArray();
        });
        using var response = await _rest.SendAsync(CreateNamespace, HttpMethod.Put, $"/namespaces/{Escape(bucketArn)}", body, cancellationToken, HttpStatusCode.Conflict);
        return response.StatusCode != HttpStatusCode.Conflict;
    }

    /// <summary>
    /// CreateTable with a body from the contract; false when a table of that name exists (409). A 404 (the
    /// namespace not found) is tried again: S3 Tables has been seen to answer it for a short while right
    /// after CreateNamespace. It gives up after <see cref="NamespaceNotFoundAttempts"/> tries or at the deadline.
    /// </summary>
    public async Task<bool> CreateTableAsync(string bucketArn, string ns, string createTableBody, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(createTableBody);
        for (var attempt = 0; ; attempt++)
        {
            var response = await _rest.SendAsync(CreateTable, HttpMethod.Put, $"/tables/{Escape(bucketArn)}/{Escape(ns)}", body, cancellationToken, HttpStatusCode.Conflict, HttpStatusCode.NotFound);
            if (response.StatusCode != HttpStatusCode.NotFound)
            {
                using (response)
                {
                    return response.StatusCode != HttpStatusCode.Conflict;
                }
            }

            var notFound = await AwsRestClient.ErrorAsync(CreateTable, response, cancellationToken);
            if (attempt + 1 >= NamespaceNotFoundAttempts)
            {
                throw notFound;
            }

            await _rest.DelayAsync(attempt, cancellationToken);
        }
    }

    /// <summary>GetTable; null when there is no such table (404).</summary>
    public async Task<TableInfo?> GetTableAsync(string bucketArn, string ns, string name, CancellationToken cancellationToken)
    {
        var path = $"/get-table?tableBucketARN={Escape(bucketArn)}&namespace={Escape(ns)}&name={Escape(name)}";
        using var response = await _rest.SendAsync(GetTable, HttpMethod.Get, path, null, cancellationToken, HttpStatusCode.NotFound);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        using var document = await AwsRestClient.ReadJsonAsync(GetTable, response, cancellationToken);
        var root = document.RootElement;
        return new TableInfo(
            root.TryGetProperty("tableARN", out var arn) ? arn.GetString() ?? "" : throw new AwsApiException(GetTable.Name, response.StatusCode, null, "the response has no tableARN"),
            root.TryGetProperty("warehouseLocation", out var location) ? location.GetString() : null,
            root.TryGetProperty("versionToken", out var token) ? token.GetString() : null);
    }

    /// <summary>The table's Iceberg metadata (format version and current schema), from the S3 Tables Iceberg REST endpoint (LoadTable).</summary>
    public async Task<IcebergMetadata> LoadTableAsync(string bucketArn, string ns, string name, CancellationToken cancellationToken)
    {
        using var response = await _rest.SendAsync(LoadTable, HttpMethod.Get, $"/iceberg/v1/{Escape(bucketArn)}/namespaces/{Escape(ns)}/tables/{Escape(name)}", null, cancellationToken);
        using var document = await AwsRestClient.ReadJsonAsync(LoadTable, response, cancellationToken);
        var metadata = document.RootElement.TryGetProperty("metadata", out var m) ? m : throw new AwsApiException(LoadTable.Name, response.StatusCode, null, "the response has no metadata");
        var formatVersion = metadata.TryGetProperty("format-version", out var v) && v.TryGetInt32(out var version) ? version : (int?)null;
        var currentId = metadata.TryGetProperty("current-schema-id", out var id) && id.TryGetInt32(out var n) ? n : 0;
        if (metadata.TryGetProperty("schemas", out var schemas) && schemas.ValueKind == JsonValueKind.Array)
        {
            foreach (var schema in schemas.EnumerateArray())
            {
                if (schema.TryGetProperty("schema-id", out var sid) && sid.TryGetInt32(out var s) && s == currentId)
                {
                    return new IcebergMetadata(formatVersion, JsonDocument.Parse(schema.GetRawText()));
                }
            }
        }

        throw new AwsApiException(LoadTable.Name, response.StatusCode, null, $"the table metadata has no schema with current-schema-id {currentId}");
    }

    /// <summary>DeleteTable; false when there was no such table (404).</summary>
    public async Task<bool> DeleteTableAsync(string bucketArn, string ns, string name, CancellationToken cancellationToken)
    {
        using var response = await _rest.SendAsync(DeleteTable, HttpMethod.Delete, $"/tables/{Escape(bucketArn)}/{Escape(ns)}/{Escape(name)}", null, cancellationToken, HttpStatusCode.NotFound);
        return response.StatusCode != HttpStatusCode.NotFound;
    }

    private static string Escape(string value) => Uri.EscapeDataString(value);
}
