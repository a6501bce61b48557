using System.Text.Json;
using DynamoLake.Core.Resilience;

namespace TableProvisioner;

/// <summary>
/// Sends the answer CloudFormation waits for: a PUT of the response JSON to the pre-signed ResponseURL
/// with an empty Content-Type, the body cut to 4096 bytes by shortening Reason. Transient failures are
/// retried until the attempts or the deadline run out.
/// </summary>
internal sealed class ResponseSender
{
    public const int MaxBodyBytes = 4096;

    private readonly HttpClient _http;
    private readonly TimeProvider _clock;
    private readonly int _maxAttempts;
    private readonly TimeSpan _baseDelay;

    public ResponseSender(HttpClient http, TimeProvider clock, int maxAttempts = 5, TimeSpan? baseDelay = null)
    {
        _http = http;
        _clock = clock;
        _maxAttempts = maxAttempts;
        _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(250);
    }

    /// <summary>The response body, with Reason shortened so that the whole body fits in 4096 bytes.</summary>
    public static byte[] Body(CustomResourceResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = JsonSerializer.SerializeToUtf8Bytes(response, ProvisionerJsonContext.Default.CustomResourceResponse);
        if (body.Length <= MaxBodyBytes)
        {
            return body;
        }

        // The longest prefix of Reason that fits (escaping makes bytes and characters differ): binary search.
        const string Marker = " … (cut to fit 4096 bytes)";
        var reason = response.Reason;
        byte[] best = JsonSerializer.SerializeToUtf8Bytes(response with { Reason = Marker.TrimStart() }, ProvisionerJsonContext.Default.CustomResourceResponse);
        int low = 0, high = reason.Length;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            var candidate = JsonSerializer.SerializeToUtf8Bytes(response with { Reason = reason[..mid] + Marker }, ProvisionerJsonContext.Default.CustomResourceResponse);
            if (candidate.Length <= MaxBodyBytes)
            {
                best = candidate;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return best;
    }

    /// <summary>PUTs the body; returns null when sent, or why it could not be (after every retry).</summary>
    public async Task<string?> SendAsync(Uri responseUrl, byte[] body, CancellationToken cancellationToken)
    {
        string? problem = null;
        for (var attempt = 0; attempt < _maxAttempts; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Put, responseUrl) { Content = new ByteArrayContent(body) };

                // The pre-signed URL is signed with an empty Content-Type: send none.
                request.Content.Headers.ContentType = null;
                using var response = await _http.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return null;
                }

                problem = $"HTTP {(int)response.StatusCode} from the ResponseURL";
                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                {
                    return problem; // a pre-signed URL that is refused now will be refused again
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                problem = $"{e.GetType().Name}: {e.Message}";
            }

            if (attempt + 1 < _maxAttempts)
            {
                await Task.Delay(Backoff.FullJitter(attempt, _baseDelay, TimeSpan.FromSeconds(3), Random.Shared.NextDouble()), _clock, cancellationToken);
            }
        }

        return problem;
    }
}
