using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoLake.Aws;
using DynamoLake.Testing;

namespace TableProvisioner.Tests;

/// <summary>
/// The provisioner against moto's S3 Tables and Lake Formation: an implementation of the AWS APIs we did not
/// write (built on botocore's service models), so the REST paths, bodies and the s3tablescatalog grant are
/// checked by somebody else's reading of the same API.
/// </summary>
[Collection(UsesMoto.Name)]
public sealed class ProvisionerMotoTests(MotoFixture moto) : IDisposable
{
    private static readonly AwsCredentials s_credentials = new("local", "local");
    private const string FirehoseRole = "arn:aws:iam::123456789012:role/firehose-delivery";

    private readonly FakeResponseReceiver _cloudFormation = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        _cloudFormation.Dispose();
        _http.Dispose();
    }

    private async Task<JsonNode> Call(string service, HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, new Uri(moto.Server.Endpoint, path));
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new("application/json");
        }

        SigV4Signer.Sign(request, bytes, s_credentials, "us-east-1", service, DateTimeOffset.UtcNow);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text.Length == 0 ? "{}" : text)!;
    }

    private Function NewFunction() => new(
        new ProvisionerSettings { Deadline = TimeSpan.FromSeconds(30), EndpointOverride = moto.Server.Endpoint, LakeFormationEndpointOverride = moto.Server.Endpoint },
        new HttpClient { Timeout = TimeSpan.FromSeconds(10) },
        _ => Task.FromResult(s_credentials),
        TimeProvider.System,
        TextWriter.Null,
        retryBaseDelay: TimeSpan.FromMilliseconds(5));

    private string Request(string type, string bucketArn, string table)
    {
        var request = new JsonObject
        {
            ["RequestType"] = type,
            ["ResponseURL"] = _cloudFormation.Url.ToString(),
            ["StackId"] = "arn:aws:cloudformation:us-east-1:123456789012:stack/lake/guid",
            ["RequestId"] = Guid.NewGuid().ToString(),
            ["ResourceType"] = "Custom::IcebergTable",
            ["LogicalResourceId"] = "IcebergTable",
            ["ResourceProperties"] = new JsonObject
            {
                ["TableBucketARN"] = bucketArn,
                ["Namespace"] = "analytics",
                ["TableName"] = table,
                ["CatalogAccessMode"] = "LakeFormation",
                ["LakeFormationPrincipal"] = FirehoseRole,
            },
        };
        if (type == "Delete")
        {
            request["PhysicalResourceId"] = $"{bucketArn}/analytics/{table}";
        }

        return request.ToJsonString();
    }

    private async Task<List<JsonNode>> Grants()
    {
        var listed = await Call("lakeformation", HttpMethod.Post, "/ListPermissions", "{}");
        return [.. listed["PrincipalResourcePermissions"]!.AsArray().Select(p => p!).Where(p => p["Principal"]!["DataLakePrincipalIdentifier"]!.GetValue<string>() == FirehoseRole)];
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task CreateInLakeFormationMode_MakesTheTableAndTheS3TablesCatalogGrant_DeleteRevokesIt()
    {
        var bucketName = "lake-" + Guid.NewGuid().ToString("N")[..12];
        var bucketArn = (await Call("s3tables", HttpMethod.Put, "/buckets", $$"""{"name":"{{bucketName}}"}"""))["arn"]!.GetValue<string>();

        await NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(Request("Create", bucketArn, "transactions"))));

        var created = _cloudFormation.Delivered();
        Assert.True(created.GetProperty("Status").GetString() == "SUCCESS", created.GetProperty("Reason").GetString());
        var table = await Call("s3tables", HttpMethod.Get, $"/get-table?tableBucketARN={Uri.EscapeDataString(bucketArn)}&namespace=analytics&name=transactions", null);
        Assert.Equal("transactions", table["name"]!.GetValue<string>());
        var grants = await Grants();
        var catalog = $"123456789012:s3tablescatalog/{bucketName}";
        Assert.Contains(grants, g => g["Resource"]!["Table"]?["CatalogId"]?.GetValue<string>() == catalog && g["Resource"]!["Table"]!["Name"]!.GetValue<string>() == "transactions" && g["Permissions"]![0]!.GetValue<string>() == "ALL");
        Assert.Contains(grants, g => g["Resource"]!["Database"]?["CatalogId"]?.GetValue<string>() == catalog && g["Permissions"]![0]!.GetValue<string>() == "DESCRIBE");

        _cloudFormation.Requests.Clear();
        await NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(Request("Delete", bucketArn, "transactions"))));

        var deleted = _cloudFormation.Delivered();
        Assert.True(deleted.GetProperty("Status").GetString() == "SUCCESS", deleted.GetProperty("Reason").GetString());
        Assert.DoesNotContain(await Grants(), g => JsonSerializer.Serialize(g).Contains(bucketName, StringComparison.Ordinal));
        Assert.Equal("transactions", (await Call("s3tables", HttpMethod.Get, $"/get-table?tableBucketARN={Uri.EscapeDataString(bucketArn)}&namespace=analytics&name=transactions", null))["name"]!.GetValue<string>()); // retained
    }
}
