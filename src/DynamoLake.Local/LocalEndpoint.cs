using System.Diagnostics.CodeAnalysis;

namespace DynamoLake.Local;

/// <summary>The <c>--endpoint</c> flag: an absolute http(s) URL of a DynamoDB-compatible server.</summary>
internal static class LocalEndpoint
{
    public static bool TryParse(string text, [NotNullWhen(true)] out Uri? endpoint) =>
        Uri.TryCreate(text, UriKind.Absolute, out endpoint) && endpoint.Scheme is "http" or "https";
}
