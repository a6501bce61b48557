using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoLake.Aws;

/// <summary>
/// An AWS service that speaks the JSON protocol (POST with <c>X-Amz-Target: PREFIX.Operation</c>), signed with
/// our SigV4 signer: Athena, Kinesis and DynamoDB Streams, whose SDK packages are not served here.
/// </summary>
/// <param name="http">The HTTP client (its timeout bounds each call).</param>
/// <param name="endpoint">The service's endpoint.</param>
/// <param name="region">The region requests are signed for.</param>
/// <param name="credentials">The credentials requests are signed with.</param>
/// <param name="service">The signing name and IAM prefix (<c>athena</c>, <c>kinesis</c>, <c>dynamodb</c>).</param>
/// <param name="targetPrefix">The X-Amz-Target prefix (<c>AmazonAthena</c>, <c>Kinesis_20131202</c>).</param>
/// <param name="jsonVersion">1.0 or 1.1, the content type's version.</param>
internal sealed class AwsJsonClient(HttpClient http, Uri endpoint, string region, AwsCredentials credentials, string service, string targetPrefix, string jsonVersion)
{
    /// <summary>The endpoint called.</summary>
    public Uri Endpoint => endpoint;

    /// <summary>The request as sent (signed) for an operation: what the SigV4 tests check.</summary>
    public HttpRequestMessage Request(string operation, JsonObject body, DateTimeOffset now)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new($"application/x-amz-json-{jsonVersion}");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", targetPrefix + "." + operation);
        SigV4Signer.Sign(request, bytes, credentials, region, service, now);
        return request;
    }

    /// <summary>How far the service's clock is ahead of ours, from the Date header of the last answer (whole seconds).</summary>
    public TimeSpan ClockOffset { get; private set; }

    /// <summary>
    /// Calls an operation; throttling and AWS's own failures are tried again with backoff (every call made
    /// here is idempotent: reads, and StartQueryExecution with its request token). AWS's errors become
    /// <see cref="AwsCallException"/> naming the IAM action.
    /// </summary>
    public Task<JsonDocument> CallAsync(string operation, JsonObject body, CancellationToken cancellationToken) =>
        AwsCallException.RetryAsync(() => CallOnceAsync(operation, body, cancellationToken), cancellationToken);

    private async Task<JsonDocument> CallOnceAsync(string operation, JsonObject body, CancellationToken cancellationToken)
    {
        var action = service + ":" + operation;
        using var request = Request(operation, body, DateTimeOffset.UtcNow);
        using (var response = await SendAsync(http, request, action, cancellationToken))
        {
            if (response.Headers.Date is { } date)
            {
                ClockOffset = date - DateTimeOffset.UtcNow;
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return JsonDocument.Parse(text.Length == 0 ? "{}" : text);
            }

            throw Error(action, (int)response.StatusCode, text, response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.FirstOrDefault() : null);
        }
    }

    /// <summary>Sends a signed request; no answer (refused, timed out) becomes an <see cref="AwsCallException"/> naming the action.</summary>
    internal static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, string action, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new AwsCallException(action, 0, "Unreachable", $"{request.RequestUri} did not answer: {e.Message}");
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AwsCallException(action, 0, "Timeout", $"{request.RequestUri} did not answer within {http.Timeout.TotalSeconds:0} s ({e.Message})");
        }
    }

    /// <summary>
    /// The error of a JSON-protocol answer: <c>__type</c> (or the x-amzn-ErrorType header), without the
    /// namespace before '#' and the detail after ':', and <c>message</c> or <c>Message</c>.
    /// </summary>
    internal static AwsCallException Error(string action, int status, string body, string? typeHeader)
    {
        var error = AwsErrorBody.Parse(body, typeHeader);
        var message = error.IsJson ? error.Message : body.Length > 300 ? body[..300] + "…" : body;
        return new AwsCallException(action, status, error.Type ?? "HTTP" + status, string.IsNullOrWhiteSpace(message) ? $"HTTP {status}" : message);
    }
}
