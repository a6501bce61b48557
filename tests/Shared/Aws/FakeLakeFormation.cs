using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace DynamoLake.Testing;

/// <summary>
/// An in-process Lake Formation endpoint on 127.0.0.1 for GrantPermissions and RevokePermissions (REST-JSON,
/// <c>POST /GrantPermissions</c>), and GetDataLakeSettings / PutDataLakeSettings (the whole settings object,
/// which Put replaces). It checks each request's SigV4 signature (service <c>lakeformation</c>) and body
/// shape, keeps the grants and the settings, and can refuse like Lake Formation does for a caller that may not grant.
/// </summary>
public sealed class FakeLakeFormation : IDisposable
{
    private readonly FakeHttpServer _server;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _grants = [];
    private int _signatureFailures;

    public FakeLakeFormation()
    {
        _server = new FakeHttpServer(HandleAsync);
    }

    public Uri Endpoint => _server.Endpoint;

    public int SignatureFailures => _signatureFailures;

    /// <summary>Every request body received, in order, with its operation.</summary>
    public ConcurrentQueue<(string Operation, JsonObject Body)> Requests { get; } = new();

    /// <summary>The data lake settings, as GetDataLakeSettings answers them and PutDataLakeSettings replaces them.</summary>
    public JsonObject Settings { get; set; } = new() { ["DataLakeAdmins"] = new JsonArray() };

    /// <summary>When set, PutDataLakeSettings answers 400 AccessDeniedException with this message.</summary>
    public string? RefuseSettingsWith { get; set; }

    /// <summary>When set, GrantPermissions answers 400 AccessDeniedException with this message.</summary>
    public string? RefuseGrantsWith { get; set; }

    /// <summary>When set, GrantPermissions on a Table resource (only) answers 400 AccessDeniedException with this message.</summary>
    public string? RefuseTableGrantsWith { get; set; }

    /// <summary>The grants in force, as "principal|resource json|permission".</summary>
    public IReadOnlyCollection<string> Grants
    {
        get
        {
            lock (_gate)
            {
                return [.. _grants];
            }
        }
    }

    public void Dispose() => _server.Dispose();

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        byte[] body;
        using (var copy = new MemoryStream())
        {
            await request.InputStream.CopyToAsync(copy);
            body = copy.ToArray();
        }

        var path = request.RawUrl ?? "/";
        if (!FakeS3Tables.SignatureValid(request, path, "", body, "lakeformation", FakeS3Tables.Credentials))
        {
            Interlocked.Increment(ref _signatureFailures);
            await Error(context, 403, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided.");
            return;
        }

        var operation = path.TrimStart('/');
        if (request.HttpMethod != "POST" || operation is not ("GrantPermissions" or "RevokePermissions" or "GetDataLakeSettings" or "PutDataLakeSettings"))
        {
            await Error(context, 404, "UnknownOperationException", $"no such route: {request.HttpMethod} {path}");
            return;
        }

        var json = JsonNode.Parse(body)!.AsObject();
        Requests.Enqueue((operation, json));
        if (operation is "GetDataLakeSettings" or "PutDataLakeSettings")
        {
            await SettingsAsync(context, operation, json);
            return;
        }

        var principal = json["Principal"]?["DataLakePrincipalIdentifier"]?.GetValue<string>();
        var resource = json["Resource"] as JsonObject;
        var permissions = json["Permissions"] as JsonArray;
        if (principal is null || resource is null || resource.Count != 1 || permissions is null || permissions.Count == 0)
        {
            await Error(context, 400, "InvalidInputException", "Principal, one Resource and Permissions are required.");
            return;
        }

        var catalogId = resource.First().Value!["CatalogId"]?.GetValue<string>();
        if (catalogId is null || !System.Text.RegularExpressions.Regex.IsMatch(catalogId, @"^\d{12}:s3tablescatalog/[a-z0-9-]+$"))
        {
            await Error(context, 400, "InvalidInputException", $"CatalogId '{catalogId}' is not an S3 Tables catalog.");
            return;
        }

        if (operation == "GrantPermissions" && (RefuseGrantsWith ?? (resource.ContainsKey("Table") ? RefuseTableGrantsWith : null)) is { } refusal)
        {
            await Error(context, 400, "AccessDeniedException", refusal);
            return;
        }

        var keys = permissions.Select(p => $"{principal}|{resource.ToJsonString()}|{p!.GetValue<string>()}").ToList();
        bool changed;
        lock (_gate)
        {
            changed = operation == "GrantPermissions" ? keys.Aggregate(false, (any, k) => _grants.Add(k) | any) : keys.Aggregate(false, (any, k) => _grants.Remove(k) | any);
        }

        if (operation == "RevokePermissions" && !changed)
        {
            await Error(context, 400, "InvalidInputException", "No permissions revoked. Grantee has no permissions and no grantable permissions on resource.");
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync("{}"u8.ToArray());
    }

    private async Task SettingsAsync(HttpListenerContext context, string operation, JsonObject json)
    {
        JsonObject answer;
        lock (_gate)
        {
            if (operation == "GetDataLakeSettings")
            {
                answer = new JsonObject { ["DataLakeSettings"] = Settings.DeepClone() };
            }
            else if (RefuseSettingsWith is null && json["DataLakeSettings"] is JsonObject settings)
            {
                Settings = (JsonObject)settings.DeepClone();
                answer = [];
            }
            else
            {
                answer = new JsonObject { ["error"] = RefuseSettingsWith ?? "DataLakeSettings is required." };
            }
        }

        if (answer["error"] is { } error)
        {
            await Error(context, 400, RefuseSettingsWith is null ? "InvalidInputException" : "AccessDeniedException", error.GetValue<string>());
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(answer.ToJsonString()));
    }

    private static async Task Error(HttpListenerContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-ErrorType"] = type;
        await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(new JsonObject { ["Message"] = message }.ToJsonString()));
    }
}
