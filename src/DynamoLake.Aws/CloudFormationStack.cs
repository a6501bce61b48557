using System.Text;
using System.Xml.Linq;

namespace DynamoLake.Aws;

/// <summary>
/// A deployed stack's outputs and parameters, from CloudFormation's DescribeStacks (query protocol, API
/// 2010-05-15, XML answers), signed with our SigV4 signer (AWSSDK.CloudFormation is not served here).
/// </summary>
internal sealed record CloudFormationStack(string Name, string Status, IReadOnlyDictionary<string, string> Outputs, IReadOnlyDictionary<string, string> Parameters)
{
    private static readonly XNamespace s_ns = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

    /// <summary>The signed request for DescribeStacks of a stack.</summary>
    public static HttpRequestMessage Request(Uri endpoint, string stack, string region, AwsCredentials credentials, DateTimeOffset now)
    {
        var body = Encoding.UTF8.GetBytes($"Action=DescribeStacks&StackName={SigV4Signer.UriEncode(stack)}&Version=2010-05-15");
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/x-www-form-urlencoded") { CharSet = "utf-8" };
        SigV4Signer.Sign(request, body, credentials, region, "cloudformation", now);
        return request;
    }

    /// <summary>Describes a stack (throttling and AWS's own failures tried again); a missing stack or a refused call throws <see cref="AwsCallException"/>.</summary>
    public static Task<CloudFormationStack> DescribeAsync(HttpClient http, Uri endpoint, string stack, string region, AwsCredentials credentials, CancellationToken cancellationToken) =>
        AwsCallException.RetryAsync(() => DescribeOnceAsync(http, endpoint, stack, region, credentials, cancellationToken), cancellationToken);

    private static async Task<CloudFormationStack> DescribeOnceAsync(HttpClient http, Uri endpoint, string stack, string region, AwsCredentials credentials, CancellationToken cancellationToken)
    {
        const string action = "cloudformation:DescribeStacks";
        using var request = Request(endpoint, stack, region, credentials, DateTimeOffset.UtcNow);
        using (var response = await AwsJsonClient.SendAsync(http, request, action, cancellationToken))
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            XDocument document;
            try
            {
                document = XDocument.Parse(text);
            }
            catch (System.Xml.XmlException)
            {
                throw new AwsCallException(action, (int)response.StatusCode, "HTTP" + (int)response.StatusCode, text.Length > 300 ? text[..300] + "…" : text);
            }

            if (!response.IsSuccessStatusCode)
            {
                var error = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
                var code = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? "HTTP" + (int)response.StatusCode;
                var message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? text;
                if (code == "ValidationError" && message.Contains("does not exist", StringComparison.Ordinal))
                {
                    throw new AwsCallException(action, (int)response.StatusCode, "StackNotFound", $"{message} in {region}; check --stack and --region (or AWS_REGION).");
                }

                throw new AwsCallException(action, (int)response.StatusCode, code, message);
            }

            var stackElement = document.Descendants(s_ns + "Stacks").Elements(s_ns + "member").FirstOrDefault()
                ?? throw new AwsCallException(action, 200, "StackNotFound", $"no stack named '{stack}' in {region}");
            return new CloudFormationStack(
                stackElement.Element(s_ns + "StackName")?.Value ?? stack,
                stackElement.Element(s_ns + "StackStatus")?.Value ?? "",
                Pairs(stackElement.Element(s_ns + "Outputs"), "OutputKey", "OutputValue"),
                Pairs(stackElement.Element(s_ns + "Parameters"), "ParameterKey", "ParameterValue"));
        }
    }

    private static Dictionary<string, string> Pairs(XElement? list, string key, string value) =>
        (list?.Elements(s_ns + "member") ?? [])
            .Where(m => m.Element(s_ns + key) is not null)
            .ToDictionary(m => m.Element(s_ns + key)!.Value, m => m.Element(s_ns + value)?.Value ?? "", StringComparer.Ordinal);
}
