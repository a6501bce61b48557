using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoLake.Aws;

namespace DynamoLake.Testing;

/// <summary>
/// An in-process S3 Tables endpoint on 127.0.0.1 with the REST shapes the provisioner uses
/// (CreateNamespace, CreateTable, GetTable, DeleteTable, Iceberg REST LoadTable). It checks every
/// request's SigV4 signature for <see cref="Credentials"/> against the raw URL it received, and can
/// be told to misbehave per operation.
/// </summary>
public sealed class FakeS3Tables : IDisposable
{
    public static readonly AwsCredentials Credentials = new("AKIDFAKES3TABLES", "fake/secret+key", "session-token");

    private readonly FakeHttpServer _server;
    private readonly ConcurrentDictionary<string, Fault> _faults = new();
    private readonly Lock _gate = new();
    private readonly HashSet<string> _namespaces = [];
    private readonly Dictionary<string, JsonObject> _tables = [];
    private int _signatureFailures;
    private int _requests;

    public FakeS3Tables()
    {
        _server = new FakeHttpServer(HandleAsync);
    }

    public Uri Endpoint => _server.Endpoint;

    public int SignatureFailures => _signatureFailures;

    public int Requests => _requests;

    public ConcurrentQueue<string> Operations { get; } = new();

    public enum FaultKind
    {
        ServerError,
        Throttle,
        Hang,
        MalformedJson,

        /// <summary>404 NotFoundException, as S3 Tables answers CreateTable for a namespace created a moment ago.</summary>
        NotFound,

        /// <summary>200 with JSON of an unexpected shape (a number where a string belongs): a bug path in the caller.</summary>
        WrongShape,
    }

    /// <summary>The format-version LoadTable reports for every table (2 unless a test makes an old table).</summary>
    public int FormatVersion { get; set; } = 2;

    /// <summary>The last CreateTable request body.</summary>
    public JsonObject? LastCreateTable { get; private set; }

    /// <summary>Make the next <paramref name="times"/> calls of <paramref name="operation"/> fail this way (int.MaxValue: always).</summary>
    public void Fail(string operation, FaultKind kind, int times = int.MaxValue) => _faults[operation] = new Fault(kind, times);

    /// <summary>The schemaV2 a CreateTable stored, or a table put there by <see cref="PutTable"/>.</summary>
    public JsonObject? Table(string bucketArn, string ns, string name)
    {
        lock (_gate)
        {
            return _tables.TryGetValue(Key(bucketArn, ns, name), out var table) ? table : null;
        }
    }

    /// <summary>Pre-creates a namespace and a table with the given Iceberg schema (e.g. one that drifted).</summary>
    public void PutTable(string bucketArn, string ns, string name, JsonObject schema)
    {
        lock (_gate)
        {
            _namespaces.Add(bucketArn + "|" + ns);
            _tables[Key(bucketArn, ns, name)] = schema;
        }
    }

    public void Dispose() => _server.Dispose();

    private static string Key(string bucketArn, string ns, string name) => $"{bucketArn}|{ns}|{name}";

    private async Task HandleAsync(HttpListenerContext context)
    {
        Interlocked.Increment(ref _requests);
        var request = context.Request;
        byte[] body;
        using (var copy = new MemoryStream())
        {
            await request.InputStream.CopyToAsync(copy);
            body = copy.ToArray();
        }

        var raw = request.RawUrl ?? "/";
        var queryAt = raw.IndexOf('?', StringComparison.Ordinal);
        var path = queryAt < 0 ? raw : raw[..queryAt];
        var query = queryAt < 0 ? "" : raw[(queryAt + 1)..];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var operation = (request.HttpMethod, segments.FirstOrDefault()) switch
        {
            ("PUT", "namespaces") => "CreateNamespace",
            ("PUT", "tables") => "CreateTable",
            ("GET", "get-table") => "GetTable",
            ("DELETE", "tables") => "DeleteTable",
            ("GET", "iceberg") => "LoadTable",
            _ => "Unknown",
        };
        Operations.Enqueue(operation);

        if (!SignatureValid(request, path, query, body, "s3tables", Credentials))
        {
            Interlocked.Increment(ref _signatureFailures);
            await Error(context, 403, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided.");
            return;
        }

        if (_faults.TryGetValue(operation, out var fault) && fault.Take())
        {
            switch (fault.Kind)
            {
                case FaultKind.ServerError:
                    await Error(context, 500, "InternalServerErrorException", "We encountered an internal error.");
                    return;
                case FaultKind.Throttle:
                    await Error(context, 429, "TooManyRequestsException", "Rate exceeded.");
                    return;
                case FaultKind.Hang:
                    await Task.Delay(TimeSpan.FromSeconds(30));
                    return;
                case FaultKind.MalformedJson:
                    await Write(context, 200, "{\"tableARN\": \"arn:aws:s3tables:");
                    return;
                case FaultKind.NotFound:
                    await Error(context, 404, "NotFoundException", "The specified namespace does not exist.");
                    return;
                case FaultKind.WrongShape:
                    await Write(context, 200, "{\"tableARN\": 5, \"versionToken\": []}");
                    return;
            }
        }

        var q = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "");
        switch (operation)
        {
            case "CreateNamespace":
            {
                var ns = JsonNode.Parse(body)!["namespace"]![0]!.GetValue<string>();
                bool added;
                lock (_gate)
                {
                    added = _namespaces.Add(segments[1] + "|" + ns);
                }

                await (added
                    ? Write(context, 200, new JsonObject { ["tableBucketARN"] = segments[1], ["namespace"] = new JsonArray(ns) }.ToJsonString())
                    : Error(context, 409, "ConflictException", "A namespace with an identical name already exists in the bucket."));
                return;
            }

            case "CreateTable":
            {
                var create = JsonNode.Parse(body)!.AsObject();
                LastCreateTable = create;
                var name = create["name"]!.GetValue<string>();
                var schema = create["metadata"]?["iceberg"]?["schemaV2"]?.DeepClone().AsObject();
                if (create["format"]?.GetValue<string>() != "ICEBERG" || schema is null)
                {
                    await Error(context, 400, "BadRequestException", "format ICEBERG and metadata.iceberg.schemaV2 are required");
                    return;
                }

                string? error = null;
                lock (_gate)
                {
                    if (!_namespaces.Contains(segments[1] + "|" + segments[2]))
                    {
                        error = "NotFoundException";
                    }
                    else if (!_tables.TryAdd(Key(segments[1], segments[2], name), schema))
                    {
                        error = "ConflictException";
                    }
                }

                await (error switch
                {
                    "NotFoundException" => Error(context, 404, error, "The namespace does not exist."),
                    "ConflictException" => Error(context, 409, error, "A table with an identical name already exists in the namespace."),
                    _ => Write(context, 200, new JsonObject { ["tableARN"] = TableArn(segments[1], name), ["versionToken"] = "v1" }.ToJsonString()),
                });
                return;
            }

            case "GetTable":
                if (Table(q["tableBucketARN"], q["namespace"], q["name"]) is null)
                {
                    await Error(context, 404, "NotFoundException", "The specified table does not exist.");
                    return;
                }

                await Write(context, 200, new JsonObject
                {
                    ["name"] = q["name"],
                    ["type"] = "customer",
                    ["tableARN"] = TableArn(q["tableBucketARN"], q["name"]),
                    ["namespace"] = new JsonArray(q["namespace"]),
                    ["versionToken"] = "v1",
                    ["warehouseLocation"] = $"s3://{q["name"]}--table-s3",
                    ["format"] = "ICEBERG",
                }.ToJsonString());
                return;

            case "LoadTable":
            {
                // /iceberg/v1/{bucketArn}/namespaces/{ns}/tables/{name}
                var stored = Table(segments[2], segments[4], segments[6]);
                if (stored is null)
                {
                    await Error(context, 404, "NoSuchTableException", "Table does not exist");
                    return;
                }

                // A catalog assigns its own ids on create: renumber, so only names and types can be compared.
                var schema = (JsonObject)stored.DeepClone();
                schema["schema-id"] = 0;
                await Write(context, 200, new JsonObject
                {
                    ["metadata-location"] = "s3://warehouse/metadata/00000.metadata.json",
                    ["metadata"] = new JsonObject { ["format-version"] = FormatVersion, ["current-schema-id"] = 0, ["schemas"] = new JsonArray(Renumber(schema)) },
                }.ToJsonString());
                return;
            }

            case "DeleteTable":
            {
                bool removed;
                lock (_gate)
                {
                    removed = _tables.Remove(Key(segments[1], segments[2], segments[3]));
                }

                if (removed)
                {
                    context.Response.StatusCode = 204;
                }
                else
                {
                    await Error(context, 404, "NotFoundException", "The specified table does not exist.");
                }

                return;
            }

            default:
                await Error(context, 404, "UnknownOperationException", $"no such route: {request.HttpMethod} {path}");
                return;
        }
    }

    private static JsonObject Renumber(JsonObject schema)
    {
        var next = 100;
        var map = new Dictionary<int, int>();
        void Walk(JsonArray? fields)
        {
            foreach (var field in fields ?? [])
            {
                var old = field!["id"]!.GetValue<int>();
                map[old] = next;
                field["id"] = next++;
                if (field["type"] is JsonObject nested)
                {
                    Walk(nested["fields"] as JsonArray);
                }
            }
        }

        Walk(schema["fields"] as JsonArray);
        if (schema["identifier-field-ids"] is JsonArray ids)
        {
            schema["identifier-field-ids"] = new JsonArray([.. ids.Select(id => (JsonNode)map.GetValueOrDefault(id!.GetValue<int>(), -1))]);
        }

        return schema;
    }

    private static string TableArn(string bucketArn, string name) => $"{bucketArn}/table/{name}-{name.Length:D4}";

    /// <summary>Whether the request carries a valid SigV4 signature for <paramref name="service"/>, recomputed from the raw URL received.</summary>
    public static bool SignatureValid(HttpListenerRequest request, string path, string query, byte[] body, string service, AwsCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var authorization = request.Headers["Authorization"];
        var amzDate = request.Headers["x-amz-date"];
        if (authorization is null || amzDate is null || request.Headers["x-amz-security-token"] != credentials.SessionToken)
        {
            return false;
        }

        var signedHeaders = authorization.Split("SignedHeaders=")[1].Split(',')[0].Split(';');
        var scope = authorization.Split("Credential=")[1].Split(',')[0].Split('/');
        if (scope.Length != 5 || scope[3] != service || scope[0] != credentials.AccessKeyId)
        {
            return false;
        }

        var headers = signedHeaders.Select(name => new KeyValuePair<string, string>(name, request.Headers[name] ?? ""));
        var expected = SigV4Signer.Authorization(request.HttpMethod, path, query, headers, SigV4Signer.HexSha256(body), credentials, scope[2], service, amzDate);
        return expected == authorization;
    }

    private static Task Error(HttpListenerContext context, int status, string type, string message)
    {
        context.Response.Headers["x-amzn-ErrorType"] = type;
        return Write(context, status, new JsonObject { ["message"] = message }.ToJsonString());
    }

    private static async Task Write(HttpListenerContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(json);
        await context.Response.OutputStream.WriteAsync(bytes);
    }

    private sealed class Fault(FaultKind kind, int times)
    {
        private int _left = times;

        public FaultKind Kind { get; } = kind;

        public bool Take() => Interlocked.Decrement(ref _left) >= 0;
    }
}
