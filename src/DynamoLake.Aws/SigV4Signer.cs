using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DynamoLake.Aws;

/// <summary>
/// AWS Signature Version 4 for JSON/REST calls the SDKs available here cannot make (S3 Tables, the
/// DynamoDB Streams API). Written from the published algorithm and proven against AWS's test-suite
/// vectors: canonical request (method, URI-encoded path — twice for every service but S3 — sorted query,
/// sorted lowercase headers, signed header list, payload SHA-256) → string to sign
/// (AWS4-HMAC-SHA256, time, scope, hash) → HMAC chain date/region/service/aws4_request.
/// </summary>
public static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>
    /// Signs <paramref name="request"/> in place: sets <c>x-amz-date</c> (and <c>x-amz-security-token</c>)
    /// and <c>Authorization</c> over host, x-amz-*, and content-type. The body must be the exact bytes sent.
    /// </summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, AwsCredentials credentials, string region, string service, DateTimeOffset now) =>
        SignPayloadHash(request, HexSha256(body), credentials, region, service, now);

    /// <summary>
    /// Signs a request whose body is not in memory (an S3 upload from a file) by the body's SHA-256, given in hex;
    /// S3 also wants it in <c>x-amz-content-sha256</c>, which the caller sets and this signs with the other x-amz-* headers.
    /// </summary>
    public static void SignPayloadHash(HttpRequestMessage request, string payloadHash, AwsCredentials credentials, string region, string service, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

        request.Headers.Remove("x-amz-date");
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        if (credentials.SessionToken is { } token)
        {
            request.Headers.Remove("x-amz-security-token");
            request.Headers.TryAddWithoutValidation("x-amz-security-token", token);
        }

        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}",
            ["x-amz-date"] = amzDate,
        };
        if (credentials.SessionToken is { } sessionToken)
        {
            headers["x-amz-security-token"] = sessionToken;
        }

        if (request.Content?.Headers.ContentType is { } contentType)
        {
            headers["content-type"] = contentType.ToString();
        }

        foreach (var header in request.Headers)
        {
            var name = header.Key.ToLowerInvariant();
            if (name.StartsWith("x-amz-", StringComparison.Ordinal))
            {
                headers[name] = string.Join(',', header.Value);
            }
        }

        var authorization = Authorization(request.Method.Method, uri.AbsolutePath, uri.Query.TrimStart('?'), headers, payloadHash, credentials, region, service, amzDate);
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
    }

    /// <summary>The Authorization header value for a request given in its parts (the test-suite form).</summary>
    /// <param name="path">The path as sent on the wire (already percent-encoded).</param>
    /// <param name="query">The query string as sent, without '?'.</param>
    /// <param name="headers">The headers to sign, any case; values are trimmed and inner spaces collapsed.</param>
    /// <param name="amzDate">yyyyMMddTHHmmssZ.</param>
    public static string Authorization(string method, string path, string query, IEnumerable<KeyValuePair<string, string>> headers, string payloadHash, AwsCredentials credentials, string region, string service, string amzDate)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var canonicalHeaders = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            canonicalHeaders[name.ToLowerInvariant()] = CollapseSpaces(value.Trim());
        }

        var signedHeaders = string.Join(';', canonicalHeaders.Keys);
        var canonical = new StringBuilder()
            .Append(method).Append('\n')
            .Append(CanonicalPath(path, service)).Append('\n')
            .Append(CanonicalQuery(query)).Append('\n');
        foreach (var (name, value) in canonicalHeaders)
        {
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);

        var date = amzDate[..8];
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{HexSha256(Encoding.UTF8.GetBytes(canonical.ToString()))}";

        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

        return $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    public static string HexSha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>RFC 3986 encoding: unreserved characters kept, every other UTF-8 byte as %XX (upper case).</summary>
    public static string UriEncode(string value, bool keepSlash = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        var result = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                result.Append(c);
            }
            else
            {
                result.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return result.ToString();
    }

    // Every service but S3 encodes each (already encoded) path segment once more.
    private static string CanonicalPath(string path, string service)
    {
        if (path.Length == 0)
        {
            return "/";
        }

        return service == "s3" ? path : UriEncode(path, keepSlash: true);
    }

    private static string CanonicalQuery(string query)
    {
        if (query.Length == 0)
        {
            return "";
        }

        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(part =>
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
                var value = eq < 0 ? "" : Uri.UnescapeDataString(part[(eq + 1)..]);
                return (Name: UriEncode(name), Value: UriEncode(value));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => $"{p.Name}={p.Value}"));
    }

    private static string CollapseSpaces(string value)
    {
        if (!value.Contains("  ", StringComparison.Ordinal))
        {
            return value;
        }

        var result = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c != ' ' || result.Length == 0 || result[^1] != ' ')
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}
