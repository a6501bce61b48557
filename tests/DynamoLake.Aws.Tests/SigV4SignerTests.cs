using System.Diagnostics;
using System.Text;
using DynamoLake.Aws;
using DynamoLake.Testing;

namespace DynamoLake.Aws.Tests;

/// <summary>The signer against AWS's published SigV4 test-suite vectors, and against botocore's signer.</summary>
public sealed class SigV4SignerTests
{
    private static readonly AwsCredentials s_example = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    [Theory]
    // get-vanilla
    [InlineData("GET", "/", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    // get-vanilla-query-order-key-case: the query is sorted before signing
    [InlineData("GET", "/", "Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")]
    // post-vanilla
    [InlineData("POST", "/", "", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    public void Authorization_MatchesTheAwsTestSuite(string method, string path, string query, string signature)
    {
        var headers = new Dictionary<string, string> { ["Host"] = "example.amazonaws.com", ["X-Amz-Date"] = "20150830T123600Z" };

        var authorization = SigV4Signer.Authorization(method, path, query, headers, SigV4Signer.HexSha256([]), s_example, "us-east-1", "service", "20150830T123600Z");

        Assert.Equal(
            $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}",
            authorization);
    }

    [Theory]
    [InlineData("a b", "a%20b")]
    [InlineData("arn:aws:s3tables:us-east-1:111122223333:bucket/b", "arn%3Aaws%3As3tables%3Aus-east-1%3A111122223333%3Abucket%2Fb")]
    [InlineData("é~-_.", "%C3%A9~-_.")]
    public void UriEncode_KeepsOnlyUnreservedCharacters(string value, string encoded) =>
        Assert.Equal(encoded, SigV4Signer.UriEncode(value));

    [RequiresServerFact(LocalServers.Moto)] // moto ships botocore: the same Python that runs moto signs here
    public async Task Sign_AgreesWithBotocore_ForAnS3TablesPutWithAnEncodedArnPathBodyAndSessionToken()
    {
        var credentials = new AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token/with+chars");
        var url = "https://s3tables.eu-west-1.amazonaws.com/tables/arn%3Aaws%3As3tables%3Aeu-west-1%3A111122223333%3Abucket%2Flake/analytics?a=1&b=x%20y";
        var body = """{"name":"transactions","format":"ICEBERG"}""";
        var script = """
            import sys
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            url, body = sys.argv[1], sys.argv[2]
            req = AWSRequest(method="PUT", url=url, data=body.encode(), headers={"Content-Type": "application/json"})
            SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token/with+chars"), "s3tables", "eu-west-1").add_auth(req)
            print(req.headers["X-Amz-Date"])
            print(req.headers["Authorization"])
            """;
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(url);
        info.ArgumentList.Add(body);
        using var python = Process.Start(info)!;
        var lines = (await python.StandardOutput.ReadToEndAsync()).Trim().Split('\n');
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, await python.StandardError.ReadToEndAsync());
        var signedAt = DateTimeOffset.ParseExact(lines[0].Trim(), "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);

        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(url)) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new("application/json");
        SigV4Signer.Sign(request, Encoding.UTF8.GetBytes(body), credentials, "eu-west-1", "s3tables", signedAt);

        Assert.Equal(lines[1].Trim(), request.Headers.GetValues("Authorization").Single());
    }
}
