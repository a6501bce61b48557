using System.Net;
using System.Security.Cryptography;
using System.Xml.Linq;
using DynamoLake.Core.Iam;

namespace DynamoLake.Aws;

/// <summary>
/// The backfill conversion's S3 calls, SigV4-signed (service <c>s3</c>, <c>x-amz-content-sha256</c> signed):
/// GetObject of an export's data file, streamed rather than buffered, and PutObject of its rows from a file.
/// Path-style at a given endpoint (a local S3), virtual-hosted at AWS's. Throttling, 5xx and no answer are retried.
/// </summary>
internal sealed class S3Objects(HttpClient http, Uri? endpoint, string region, Func<CancellationToken, Task<AwsCredentials>> credentials)
{
    public const string SigningName = "s3";

    public static readonly AwsOperation GetObject = new("s3:GetObject", IamResource.ExportObjects);

    public static readonly AwsOperation PutObject = new("s3:PutObject", IamResource.ExportRows);

    private const int MaxAttempts = 4;
    private static readonly string s_emptyHash = SigV4Signer.HexSha256([]);

    /// <summary>The object's body as a stream (disposing it ends the download).</summary>
    /// <exception cref="AwsApiException">The call failed for good (S3's error code and message).</exception>
    public Task<Stream> GetAsync(string bucket, string key, CancellationToken cancellationToken) =>
        AwsRetry.RunAsync(
            async () =>
            {
                var response = await SendAsync(GetObject, HttpMethod.Get, bucket, key, null, s_emptyHash, cancellationToken);
                return await response.Content.ReadAsStreamAsync(cancellationToken);
            },
            e => e is AwsApiException { IsTransient: true },
            MaxAttempts,
            TimeSpan.FromMilliseconds(200),
            TimeProvider.System,
            cancellationToken);

    /// <summary>Uploads a file as the object (one PUT: up to 5 GB).</summary>
    public async Task PutFileAsync(string bucket, string key, string file, string contentType, CancellationToken cancellationToken)
    {
        string hash;
        await using (var read = File.OpenRead(file))
        {
            hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(read, cancellationToken));
        }

        await AwsRetry.RunAsync(
            async () =>
            {
                var body = new StreamContent(File.OpenRead(file));
                body.Headers.ContentType = new(contentType);
                using var response = await SendAsync(PutObject, HttpMethod.Put, bucket, key, body, hash, cancellationToken);
                return true;
            },
            e => e is AwsApiException { IsTransient: true },
            MaxAttempts,
            TimeSpan.FromMilliseconds(200),
            TimeProvider.System,
            cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(AwsOperation operation, HttpMethod method, string bucket, string key, HttpContent? body, string payloadHash, CancellationToken cancellationToken)
    {
        var path = SigV4Signer.UriEncode(key, keepSlash: true);
        var url = endpoint is null ? new Uri($"https://{bucket}.s3.{region}.amazonaws.com/{path}") : new Uri(endpoint, $"{bucket}/{path}");
        HttpResponseMessage response;
        using (var request = new HttpRequestMessage(method, url) { Content = body })
        {
            request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
            SigV4Signer.SignPayloadHash(request, payloadHash, await credentials(cancellationToken), region, SigningName, DateTimeOffset.UtcNow);
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new AwsApiException(operation.Name, null, e is OperationCanceledException ? "Timeout" : "NetworkError", e.Message, e);
            }
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        // S3's errors are XML: <Error><Code>…</Code><Message>…</Message></Error>.
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            string? code = null, message = null;
            try
            {
                var error = XDocument.Parse(text).Root;
                code = error?.Element("Code")?.Value;
                message = error?.Element("Message")?.Value;
            }
            catch (System.Xml.XmlException)
            {
                // Not XML: the body itself is the message below.
            }

            throw new AwsApiException($"{operation.Name} s3://{bucket}/{key}", response.StatusCode, code ?? response.StatusCode.ToString(), message ?? (text.Length > 300 ? text[..300] : text));
        }
    }
}
