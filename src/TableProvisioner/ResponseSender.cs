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

    /// <summary>
    /// The response body within 4096 bytes: Reason is shortened first (binary search on its prefix); if the
    /// body is still too long — a request with huge ids, or Data — Data is dropped, then the longest remaining
    /// field is halved until it fits. CloudFormation refuses a longer body, and then nobody is answered.
    /// </summary>
    public static byte[] Body(CustomResourceResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = Serialize(response);
        if (body.Length <= MaxBodyBytes)
        {
            return body;
        }

        // The longest prefix of Reason that fits (escaping makes bytes and characters differ): binary search.
        const string Marker = " … (cut to fit 4096 bytes)";
        var reason = response.Reason;
        var best = response with { Reason = Marker.TrimStart() };
        int low = 0, high = reason.Length;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            var candidate = response with { Reason = reason[..mid] + Marker };
            if (Serialize(candidate).Length <= MaxBodyBytes)
            {
                best = candidate;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        if (Serialize(best).Length > MaxBodyBytes && best.Data is not null)
        {
            best = best with { Data = null, Reason = "Data dropped to fit 4096 bytes; " + best.Reason };
        }

        for (var body2 = Serialize(best); body2.Length > MaxBodyBytes; body2 = Serialize(best))
        {
            var longest = new[] { best.Reason, best.PhysicalResourceId, best.StackId, best.RequestId, best.LogicalResourceId }.MaxBy(f => f.Length)!;
            var half = longest[..(longest.Length / 2)];
            best = ReferenceEquals(longest, best.Reason) ? best with { Reason = half }
                : ReferenceEquals(longest, best.PhysicalResourceId) ? best with { PhysicalResourceId = half }
                : ReferenceEquals(longest, best.StackId) ? best with { StackId = half }
                : ReferenceEquals(longest, best.RequestId) ? best with { RequestId = half }
                : best with { LogicalResourceId = half };
        }

        return Serialize(best);
    }

    private static byte[] Serialize(CustomResourceResponse response) =>
        JsonSerializer.SerializeToUtf8Bytes(response, ProvisionerJsonContext.Default.CustomResourceResponse);

    /// <summary>
    /// PUTs the body; returns null when sent, or why it could not be (after every attempt). Each attempt has
    /// its own timeout — the time left divided among the attempts left, at most 10 s — so a ResponseURL that
    /// accepts and never replies still gets several tries within the deadline. Every attempt's outcome is
    /// reported to <paramref name="onAttempt"/> (null: delivered).
    /// </summary>
    public async Task<string?> SendAsync(Uri responseUrl, byte[] body, CancellationToken cancellationToken, Action<int, string?>? onAttempt = null, DateTimeOffset? deadline = null)
    {
        string? problem = null;
        for (var attempt = 0; attempt < _maxAttempts && !cancellationToken.IsCancellationRequested; attempt++)
        {
            var left = deadline is { } end ? end - _clock.GetUtcNow() : TimeSpan.FromSeconds(10 * (_maxAttempts - attempt));
            var perAttempt = TimeSpan.FromTicks(Math.Clamp(left.Ticks / (_maxAttempts - attempt), TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(10).Ticks));
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(perAttempt);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Put, responseUrl) { Content = new ByteArrayContent(body) };

                // The pre-signed URL is signed with an empty Content-Type: send none.
                request.Content.Headers.ContentType = null;
                using var response = await _http.SendAsync(request, attemptTimeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    onAttempt?.Invoke(attempt + 1, null);
                    return null;
                }

                problem = $"HTTP {(int)response.StatusCode} from the ResponseURL";
                onAttempt?.Invoke(attempt + 1, problem);
                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                {
                    return problem; // a pre-signed URL that is refused now will be refused again
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                problem = e is OperationCanceledException ? $"no answer from the ResponseURL within {perAttempt.TotalSeconds:0.#} s" : $"{e.GetType().Name}: {e.Message}";
                onAttempt?.Invoke(attempt + 1, problem);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                problem = "the deadline passed while sending";
                onAttempt?.Invoke(attempt + 1, problem);
                break;
            }

            if (attempt + 1 < _maxAttempts)
            {
                try
                {
                    await Task.Delay(Backoff.FullJitter(attempt, _baseDelay, TimeSpan.FromSeconds(3), Random.Shared.NextDouble()), _clock, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        return problem ?? "the deadline passed before the response could be sent";
    }
}
