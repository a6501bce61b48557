using System.Net;
using System.Text;
using System.Text.Json;
using DynamoLake.Core.Aws;
using DynamoLake.Core.Resilience;

namespace TableProvisioner;

/// <summary>
/// The S3 Tables REST calls the provisioner needs, SigV4-signed (service <c>s3tables</c>) with
/// HttpClient — AWSSDK.S3Tables is not available here. Throttling (429), 5xx, timeouts and network errors
/// are retried with backoff and full jitter until the attempts or the caller's deadline run out; every
/// other error is thrown at once with the service's error type and message.
/// </summary>
internal sealed class S3TablesClient
{
    public const string SigningName = "s3tables";

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _region;
    private readonly Func<CancellationToken, Task<AwsCredentials>> _credentials;
    private readonly TimeProvider _clock;
    private readonly int _maxAttempts;
    private readonly TimeSpan _baseDelay;

    public S3TablesClient(HttpClient http, Uri endpoint, string region, Func<CancellationToken, Task<AwsCredentials>> credentials, TimeProvider clock, int maxAttempts = 5, TimeSpan? baseDelay = null)
    {
        _http = http;
        _endpoint = endpoint;
        _region = region;
        _credentials = credentials;
        _clock = clock;
        _maxAttempts = maxAttempts;
        _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(200);
    }

    /// <summary>The endpoint for a region, unless overridden (AWS_ENDPOINT_URL_S3TABLES, then AWS_ENDPOINT_URL).</summary>
    public static Uri EndpointFor(string region, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var overridden = environment("AWS_ENDPOINT_URL_S3TABLES") ?? environment("AWS_ENDPOINT_URL");
        return string.IsNullOrWhiteSpace(overridden) ? new Uri($"https://s3tables.{region}.amazonaws.com") : new Uri(overridden);
    }

    /// <summary>CreateNamespace; false when it already exists (409).</summary>
    public async Task<bool> CreateNamespaceAsync(string bucketArn, string ns, CancellationToken cancellationToken)
    {
        var body = Json(w =>
        {
            w.WriteStartArray("namespace");
            w.WriteStringValue(ns);
            w.WriteEndArray();
        });
        using var response = await SendAsync("CreateNamespace", HttpMethod.Put, $"/namespaces/{Escape(bucketArn)}", body, cancellationToken, HttpStatusCode.Conflict);
        return response.StatusCode != HttpStatusCode.Conflict;
    }

    /// <summary>CreateTable with a body from the contract; false when a table of that name exists (409).</summary>
    public async Task<bool> CreateTableAsync(string bucketArn, string ns, string createTableBody, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("CreateTable", HttpMethod.Put, $"/tables/{Escape(bucketArn)}/{Escape(ns)}", Encoding.UTF8.GetBytes(createTableBody), cancellationToken, HttpStatusCode.Conflict);
        return response.StatusCode != HttpStatusCode.Conflict;
    }

    /// <summary>GetTable; null when there is no such table (404).</summary>
    public async Task<TableInfo?> GetTableAsync(string bucketArn, string ns, string name, CancellationToken cancellationToken)
    {
        var path = $"/get-table?tableBucketARN={Escape(bucketArn)}&namespace={Escape(ns)}&name={Escape(name)}";
        using var response = await SendAsync("GetTable", HttpMethod.Get, path, null, cancellationToken, HttpStatusCode.NotFound);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        using var document = await ReadJsonAsync("GetTable", response, cancellationToken);
        var root = document.RootElement;
        return new TableInfo(
            root.TryGetProperty("tableARN", out var arn) ? arn.GetString() ?? "" : throw new S3TablesException("GetTable", response.StatusCode, null, "the response has no tableARN"),
            root.TryGetProperty("warehouseLocation", out var location) ? location.GetString() : null,
            root.TryGetProperty("versionToken", out var token) ? token.GetString() : null);
    }

    /// <summary>The table's current Iceberg schema, from the S3 Tables Iceberg REST endpoint (LoadTable).</summary>
    public async Task<JsonDocument> LoadCurrentSchemaAsync(string bucketArn, string ns, string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("LoadTable", HttpMethod.Get, $"/iceberg/v1/{Escape(bucketArn)}/namespaces/{Escape(ns)}/tables/{Escape(name)}", null, cancellationToken);
        using var document = await ReadJsonAsync("LoadTable", response, cancellationToken);
        var metadata = document.RootElement.TryGetProperty("metadata", out var m) ? m : throw new S3TablesException("LoadTable", response.StatusCode, null, "the response has no metadata");
        var currentId = metadata.TryGetProperty("current-schema-id", out var id) && id.TryGetInt32(out var n) ? n : 0;
        if (metadata.TryGetProperty("schemas", out var schemas) && schemas.ValueKind == JsonValueKind.Array)
        {
            foreach (var schema in schemas.EnumerateArray())
            {
                if (schema.TryGetProperty("schema-id", out var sid) && sid.TryGetInt32(out var s) && s == currentId)
                {
                    return JsonDocument.Parse(schema.GetRawText());
                }
            }
        }

        throw new S3TablesException("LoadTable", response.StatusCode, null, $"the table metadata has no schema with current-schema-id {currentId}");
    }

    /// <summary>DeleteTable; false when there was no such table (404).</summary>
    public async Task<bool> DeleteTableAsync(string bucketArn, string ns, string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("DeleteTable", HttpMethod.Delete, $"/tables/{Escape(bucketArn)}/{Escape(ns)}/{Escape(name)}", null, cancellationToken, HttpStatusCode.NotFound);
        return response.StatusCode != HttpStatusCode.NotFound;
    }

    private async Task<HttpResponseMessage> SendAsync(string operation, HttpMethod method, string pathAndQuery, byte[]? body, CancellationToken cancellationToken, params HttpStatusCode[] accepted)
    {
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage? response = null;
            Exception? transient = null;
            try
            {
                using var request = new HttpRequestMessage(method, new Uri(_endpoint, pathAndQuery));
                if (body is not null)
                {
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = new("application/json");
                }

                var credentials = await _credentials(cancellationToken);
                SigV4Signer.Sign(request, body ?? [], credentials, _region, SigningName, _clock.GetUtcNow());
                response = await _http.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode || accepted.Contains(response.StatusCode))
                {
                    return response;
                }

                if (response.StatusCode is not (HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError))
                {
                    throw await ErrorAsync(operation, response, cancellationToken);
                }

                transient = await ErrorAsync(operation, response, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // A refused connection, a reset, or HttpClient's own timeout: worth another try.
                transient = new S3TablesException(operation, null, e is OperationCanceledException ? "Timeout" : "NetworkError", e.Message, e);
            }
            finally
            {
                if (transient is not null)
                {
                    response?.Dispose();
                }
            }

            if (attempt + 1 >= _maxAttempts)
            {
                throw transient;
            }

            await Task.Delay(Backoff.FullJitter(attempt, _baseDelay, TimeSpan.FromSeconds(5), Random.Shared.NextDouble()), _clock, cancellationToken);
        }
    }

    private static async Task<S3TablesException> ErrorAsync(string operation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var type = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.First().Split(':')[0] : null;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string message;
        try
        {
            using var document = JsonDocument.Parse(text);
            message = document.RootElement.TryGetProperty("message", out var m) || document.RootElement.TryGetProperty("Message", out m) ? m.GetString() ?? "" : text;
        }
        catch (JsonException)
        {
            message = text.Length > 200 ? text[..200] : text;
        }

        response.Dispose();
        return new S3TablesException(operation, response.StatusCode, type, message);
    }

    private static async Task<JsonDocument> ReadJsonAsync(string operation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            throw new S3TablesException(operation, response.StatusCode, "MalformedResponse", $"the response is not JSON: {e.Message}", e);
        }
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string Escape(string value) => Uri.EscapeDataString(value);
}
