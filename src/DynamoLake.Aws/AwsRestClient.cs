using System.Net;
using System.Text.Json;
using DynamoLake.Core.Iam;
using DynamoLake.Core.Resilience;

namespace DynamoLake.Aws;

/// <summary>
/// SigV4-signed JSON over HTTP for one AWS service (S3 Tables, Lake Formation): the AWSSDK packages for
/// them are not available here. Throttling (429), 5xx, timeouts and network errors are retried with backoff
/// and full jitter until the attempts or the caller's deadline run out; every other error is thrown at once
/// with the service's error type and message.
/// </summary>
internal sealed class AwsRestClient
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _region;
    private readonly string _signingName;
    private readonly Func<CancellationToken, Task<AwsCredentials>> _credentials;
    private readonly TimeProvider _clock;
    private readonly int _maxAttempts;

    public AwsRestClient(HttpClient http, Uri endpoint, string region, string signingName, Func<CancellationToken, Task<AwsCredentials>> credentials, TimeProvider clock, int maxAttempts, TimeSpan baseDelay)
    {
        _http = http;
        _endpoint = endpoint;
        _region = region;
        _signingName = signingName;
        _credentials = credentials;
        _clock = clock;
        _maxAttempts = maxAttempts;
        BaseDelay = baseDelay;
    }

    public TimeProvider Clock => _clock;

    public TimeSpan BaseDelay { get; }

    /// <summary>How long one attempt may take before it counts as a timeout and is tried again.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The endpoint for a region unless overridden (<c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>AWS_ENDPOINT_URL</c>).</summary>
    public static Uri EndpointFor(string service, string region, Uri? overridden) =>
        overridden ?? new Uri($"https://{service}.{region}.amazonaws.com");

    /// <summary>Sends one call; a status in <paramref name="accepted"/> is returned like a success.</summary>
    /// <exception cref="AwsApiException">The call failed for good.</exception>
    public Task<HttpResponseMessage> SendAsync(AwsOperation operation, HttpMethod method, string pathAndQuery, byte[]? body, CancellationToken cancellationToken, params HttpStatusCode[] accepted) =>
        AwsRetry.RunAsync(() => SendOnceAsync(operation, method, pathAndQuery, body, accepted, cancellationToken), e => e is AwsApiException { IsTransient: true }, _maxAttempts, BaseDelay, _clock, cancellationToken);

    private async Task<HttpResponseMessage> SendOnceAsync(AwsOperation operation, HttpMethod method, string pathAndQuery, byte[]? body, HttpStatusCode[] accepted, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(method, new Uri(_endpoint, pathAndQuery));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new("application/json");
            }

            var credentials = await _credentials(cancellationToken);
            SigV4Signer.Sign(request, body ?? [], credentials, _region, _signingName, _clock.GetUtcNow());

            // Each attempt has its own timeout, so that a call that hangs is retried within the deadline.
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(AttemptTimeout);
            response = await _http.SendAsync(request, attemptTimeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A refused connection, a reset, or HttpClient's own timeout: worth another try (no status: transient).
            throw new AwsApiException(operation.Name, null, e is OperationCanceledException ? "Timeout" : "NetworkError", e.Message, e);
        }

        // Throttling (429) and AWS's own failures (5xx) come back as transient errors; the others fail at once.
        return response.IsSuccessStatusCode || accepted.Contains(response.StatusCode)
            ? response
            : throw await ErrorAsync(operation, response, cancellationToken);
    }

    /// <summary>Waits before another attempt of a step the service has not finished (the retry loop's delay).</summary>
    public Task DelayAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(Backoff.FullJitter(attempt, BaseDelay, TimeSpan.FromSeconds(5), Random.Shared.NextDouble()), _clock, cancellationToken);

    /// <summary>The service's error (restJson1: <c>x-amzn-ErrorType</c> header, <c>message</c> or <c>Message</c> in the body); disposes the response.</summary>
    public static async Task<AwsApiException> ErrorAsync(AwsOperation operation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(response);
        AwsErrorBody error;
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken);
            error = AwsErrorBody.Parse(text, response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.First() : null);
        }
        finally
        {
            response.Dispose();
        }

        var message = error.Message ?? text;
        message = message.Length > 500 ? message[..500] : message;
        return new AwsApiException(operation.Name, response.StatusCode, error.Type, message);
    }

    public static async Task<JsonDocument> ReadJsonAsync(AwsOperation operation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            throw new AwsApiException(operation.Name, response.StatusCode, "MalformedResponse", $"the response is not JSON: {e.Message}", e);
        }
    }

    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
