using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoLake.Core.Iam;

namespace DynamoLake.Aws;

/// <summary>
/// Lake Formation's GrantPermissions and RevokePermissions (REST-JSON, <c>POST /GrantPermissions</c>,
/// SigV4 service <c>lakeformation</c>). CloudFormation's AWS::LakeFormation::PrincipalPermissions refuses
/// an S3 Tables catalog id (it validates CatalogId as 12 characters); the API accepts it.
/// </summary>
internal sealed class LakeFormationClient
{
    public const string SigningName = "lakeformation";

    /// <summary>Lake Formation's grant APIs have no IAM resource-level permissions; Lake Formation itself checks that the caller may grant on the catalog resource.</summary>
    public static readonly AwsOperation GrantPermissions = new("lakeformation:GrantPermissions", IamResource.AnyResource);

    public static readonly AwsOperation RevokePermissions = new("lakeformation:RevokePermissions", IamResource.AnyResource);

    /// <summary>Granting on a named database needs glue:GetDatabase on it (Lake Formation: "IAM permissions required to grant or revoke").</summary>
    public static readonly AwsOperation GrantOnDatabase = new("glue:GetDatabase", IamResource.CatalogTable, Api: "GrantPermissions");

    /// <summary>Granting on a named table needs glue:GetTable on it.</summary>
    public static readonly AwsOperation GrantOnTable = new("glue:GetTable", IamResource.CatalogTable, Api: "GrantPermissions");

    /// <summary>Reading and writing the data lake settings (the administrators' list); no resource-level permissions either.</summary>
    public static readonly AwsOperation GetDataLakeSettings = new("lakeformation:GetDataLakeSettings", IamResource.AnyResource);

    public static readonly AwsOperation PutDataLakeSettings = new("lakeformation:PutDataLakeSettings", IamResource.AnyResource);

    private readonly AwsRestClient _rest;

    public LakeFormationClient(AwsRestClient rest)
    {
        _rest = rest;
    }

    /// <summary>Grants DESCRIBE on the namespace and ALL on the table. Granting what is already granted succeeds.</summary>
    /// <param name="grant">Who, on what.</param>
    /// <param name="undoHalfGrant">
    /// A Create: when the table grant fails after the namespace grant, take the namespace grant back (a failed
    /// Create answers a new id, so no Delete will clean up). Not on Update, where the grant may predate the call.
    /// </param>
    /// <param name="cancellationToken">The work deadline.</param>
    /// <exception cref="AwsApiException">Lake Formation refused, with its message (e.g. the caller is no data lake administrator).</exception>
    public async Task GrantAsync(LakeFormationGrant grant, bool undoHalfGrant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        using (await _rest.SendAsync(GrantPermissions, HttpMethod.Post, "/GrantPermissions", DatabaseBody(grant), cancellationToken))
        {
        }

        try
        {
            using (await _rest.SendAsync(GrantPermissions, HttpMethod.Post, "/GrantPermissions", TableBody(grant), cancellationToken))
            {
            }
        }
        catch (AwsApiException) when (undoHalfGrant)
        {
            await RevokeAsync(grant, cancellationToken);
            throw;
        }
    }

    /// <summary>
    /// Revokes both grants. What is no longer there — the grant, the table, the namespace — is not an
    /// error (a stack delete must finish): Lake Formation answers it with InvalidInputException or EntityNotFoundException.
    /// </summary>
    /// <returns>How many of the two grants were revoked.</returns>
    public async Task<int> RevokeAsync(LakeFormationGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var revoked = 0;
        foreach (var body in new[] { TableBody(grant), DatabaseBody(grant) })
        {
            var response = await _rest.SendAsync(RevokePermissions, HttpMethod.Post, "/RevokePermissions", body, cancellationToken, HttpStatusCode.BadRequest, HttpStatusCode.NotFound);
            if (response.IsSuccessStatusCode)
            {
                response.Dispose();
                revoked++;
                continue;
            }

            var error = await AwsRestClient.ErrorAsync(RevokePermissions, response, cancellationToken);
            if (error.ErrorType is not ("InvalidInputException" or "EntityNotFoundException"))
            {
                throw error;
            }
        }

        return revoked;
    }

    /// <summary>
    /// Takes <paramref name="admin"/> out of the data lake administrators: the settings are read, the entry
    /// removed, and the settings written back otherwise as read (PutDataLakeSettings replaces them whole).
    /// </summary>
    /// <returns>Whether it was there.</returns>
    public async Task<bool> RemoveAdminAsync(string admin, CancellationToken cancellationToken)
    {
        JsonObject settings;
        using (var response = await _rest.SendAsync(GetDataLakeSettings, HttpMethod.Post, "/GetDataLakeSettings", AwsRestClient.Json(_ => { }), cancellationToken))
        {
            settings = JsonNode.Parse(await response.Content.ReadAsStreamAsync(cancellationToken))?["DataLakeSettings"] as JsonObject
                ?? throw new AwsApiException("GetDataLakeSettings", HttpStatusCode.OK, "InvalidResponse", "the answer has no DataLakeSettings");
        }

        if (settings["DataLakeAdmins"] is not JsonArray admins)
        {
            return false;
        }

        var kept = admins.Where(a => a?["DataLakePrincipalIdentifier"]?.GetValue<string>() != admin).Select(a => a?.DeepClone()).ToArray();
        if (kept.Length == admins.Count)
        {
            return false;
        }

        settings["DataLakeAdmins"] = new JsonArray(kept);
        var body = new JsonObject { ["DataLakeSettings"] = settings.DeepClone() };
        using (await _rest.SendAsync(PutDataLakeSettings, HttpMethod.Post, "/PutDataLakeSettings", System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()), cancellationToken))
        {
        }

        return true;
    }

    private static byte[] TableBody(LakeFormationGrant grant) => AwsRestClient.Json(w =>
    {
        Principal(w, grant);
        w.WriteStartObject("Resource");
        w.WriteStartObject("Table");
        w.WriteString("CatalogId", grant.CatalogId);
        w.WriteString("DatabaseName", grant.Database);
        w.WriteString("Name", grant.Table);
        w.WriteEndObject();
        w.WriteEndObject();
        Permissions(w, LakeFormationGrant.TablePermissions);
    });

    private static byte[] DatabaseBody(LakeFormationGrant grant) => AwsRestClient.Json(w =>
    {
        Principal(w, grant);
        w.WriteStartObject("Resource");
        w.WriteStartObject("Database");
        w.WriteString("CatalogId", grant.CatalogId);
        w.WriteString("Name", grant.Database);
        w.WriteEndObject();
        w.WriteEndObject();
        Permissions(w, LakeFormationGrant.DatabasePermissions);
    });

    private static void Principal(Utf8JsonWriter w, LakeFormationGrant grant)
    {
        w.WriteStartObject("Principal");
        w.WriteString("DataLakePrincipalIdentifier", grant.Principal);
        w.WriteEndObject();
    }

    private static void Permissions(Utf8JsonWriter w, IReadOnlyList<string> permissions)
    {
        w.WriteStartArray("Permissions");
        foreach (var permission in permissions)
        {
            w.WriteStringValue(permission);
        }

        w.WriteEndArray();
        w.WriteStartArray("PermissionsWithGrantOption");
        w.WriteEndArray();
    }
}
