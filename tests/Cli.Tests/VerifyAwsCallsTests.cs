using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DynamoLake.Aws;
using DynamoLake.Local.Pipeline;
using DynamoLake.Local.Verify;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>verify's own AWS calls: signed as botocore signs them, a stack read from moto's CloudFormation, errors as AWS words them, and the policy in docs/verify.md equal to what the code declares.</summary>
[Collection(UsesConsole.Name)]
public sealed partial class VerifyAwsCallsTests(MotoFixture moto) : IClassFixture<MotoFixture>
{
    private static readonly AwsCredentials s_credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token/with+chars");

    [RequiresServerFact(LocalServers.Moto)] // moto ships botocore: the same Python that runs moto signs here
    public async Task Requests_AreSignedAsBotocoreSignsThem_ForAthenaKinesisAndCloudFormation()
    {
        using var http = new HttpClient();
        var body = new JsonObject { ["QueryString"] = "UNLOAD (SELECT \"amount\" FROM \"s3tablescatalog/b\".\"ns\".\"t\") TO 's3://r/p/' WITH (format = 'PARQUET')", ["WorkGroup"] = "primary" };
        var athena = new AwsJsonClient(http, new Uri("https://athena.eu-west-1.amazonaws.com/"), "eu-west-1", s_credentials, "athena", "AmazonAthena", "1.1");
        var kinesis = new AwsJsonClient(http, new Uri("https://kinesis.eu-west-1.amazonaws.com/"), "eu-west-1", s_credentials, "kinesis", "Kinesis_20131202", "1.1");
        var makers = new (string Service, Func<DateTimeOffset, HttpRequestMessage> Make)[]
        {
            ("athena", at => athena.Request("StartQueryExecution", body, at)),
            ("kinesis", at => kinesis.Request("ListShards", new JsonObject { ["StreamName"] = "changes" }, at)),
            ("cloudformation", at => CloudFormationStack.Request(new Uri("https://cloudformation.eu-west-1.amazonaws.com/"), "my stack/1", "eu-west-1", s_credentials, at)),
        };

        foreach (var (service, make) in makers)
        {
            // Botocore signs the same method, URL, body and headers at its own clock; ours then signs at that moment.
            using var probe = make(DateTimeOffset.UtcNow);
            var content = await probe.Content!.ReadAsByteArrayAsync();
            var headers = new Dictionary<string, string> { ["Content-Type"] = probe.Content.Headers.ContentType!.ToString() };
            if (probe.Headers.TryGetValues("X-Amz-Target", out var target))
            {
                headers["X-Amz-Target"] = target.Single();
            }

            var (date, authorization) = await BotocoreAsync(probe.RequestUri!.ToString(), Encoding.UTF8.GetString(content), headers, service);
            using var request = make(DateTimeOffset.ParseExact(date, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal));
            Assert.Equal(authorization, request.Headers.GetValues("Authorization").Single());
        }
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task DryRun_WithAStack_TakesNamesAndSettleWindowFromItsOutputsAndParameters()
    {
        var name = $"verify-stack-{Guid.NewGuid():N}"[..30];
        await MotoStacks.CreateAsync(moto.Server.Endpoint, name, new Dictionary<string, string>
        {
            ["SourceTableName"] = "orders-source",
            ["AthenaTable"] = "s3tablescatalog/my-lake.sales.orders",
            ["ChangeStreamName"] = "orders-changes",
            ["ChangeLogDatabase"] = "orders_log",
            ["AthenaWorkGroup"] = "orders-lake",
        });

        var (exit, stdout, stderr) = await CliRun.Run("verify", "--stack", name, "--endpoint", moto.Server.Endpoint.ToString(), "--dry-run", "--results", "s3://my-results/verify/");

        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("source: DynamoDB table 'orders-source' in us-east-1", stdout, StringComparison.Ordinal);
        Assert.Contains("""UNLOAD (SELECT "transaction_id", to_iso8601("timestamp") AS "timestamp", """, stdout, StringComparison.Ordinal);
        Assert.Contains("""FROM "s3tablescatalog/my-lake"."sales"."orders") TO 's3://my-results/verify/dynamolake-verify/RUN/table/' WITH (format = 'PARQUET')""", stdout, StringComparison.Ordinal);
        Assert.Contains("""FROM "awsdatacatalog"."orders_log"."transactions_current") TO 's3://my-results/verify/dynamolake-verify/RUN/view/'""", stdout, StringComparison.Ordinal);
        Assert.Contains("keys changed on the Kinesis stream 'orders-changes' within 300 s (the stack's buffer intervals + 120 s)", stdout, StringComparison.Ordinal);
        Assert.Matches(@"cloudformation:DescribeStacks\s+arn:aws:cloudformation:us-east-1:ACCOUNT:stack/" + name, stdout);
        Assert.Matches(@"s3:DeleteObject\s+arn:aws:s3:::my-results/verify/\*", stdout);

        // The stack's own Athena workgroup (ADR 0018) unless --workgroup names another.
        Assert.Contains("through Athena workgroup 'orders-lake'", stdout, StringComparison.Ordinal);
        Assert.Matches(@"athena:StartQueryExecution\s+arn:aws:athena:us-east-1:ACCOUNT:workgroup/orders-lake", stdout);
        var (otherExit, other, otherErrors) = await CliRun.Run("verify", "--stack", name, "--endpoint", moto.Server.Endpoint.ToString(), "--dry-run", "--workgroup", "analysts");
        Assert.True(otherExit == 0, otherErrors);
        Assert.Contains("through Athena workgroup 'analysts'", other, StringComparison.Ordinal);

        (exit, _, stderr) = await CliRun.Run("verify", "--stack", name + "-missing", "--endpoint", moto.Server.Endpoint.ToString(), "--dry-run");
        Assert.Equal(1, exit);
        Assert.Contains("does not exist in us-east-1; check --stack and --region", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--results", "bucket/prefix", "'bucket/prefix' is not an S3 location: give --results as s3://BUCKET/PREFIX/.")]
    [InlineData("--catalog", "my-lake", "--catalog must be s3tablescatalog/BUCKET (Athena's name of the table bucket), not 'my-lake'.")]
    [InlineData("--segments", "0", "--segments must be at least 1, not 0.")]
    public async Task BadFlags_ExitTwoNamingTheFlag(string flag, string value, string message)
    {
        var flags = new Dictionary<string, string> { ["--endpoint"] = "http://127.0.0.1:9", ["--table"] = "t", ["--catalog"] = "s3tablescatalog/b", ["--database"] = "d", [flag] = value };
        var (exit, _, stderr) = await CliRun.Run(["verify", .. flags.SelectMany(f => new[] { f.Key, f.Value })]);

        Assert.Equal(2, exit);
        Assert.Contains("error: " + message, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"__type":"com.amazonaws.athena#AccessDeniedException","Message":"no"}""", null, "AccessDeniedException", "no")]
    [InlineData("""{"__type":"InvalidRequestException:detail","message":"bad"}""", null, "InvalidRequestException", "bad")]
    [InlineData("<html>busy</html>", null, "HTTP503", "<html>busy</html>")]
    [InlineData("{}", "ThrottlingException:http://internal.amazon.com/coral", "ThrottlingException", "HTTP 503")]
    public void Error_ReadsTheCodeAndMessageAsAwsWritesThem(string body, string? header, string code, string message)
    {
        var error = AwsJsonClient.Error("athena:GetWorkGroup", 503, body, header);

        Assert.Equal(code, error.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("athena:GetWorkGroup ", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public void ReadmePolicy_GrantsExactlyTheActionsVerifyDeclares_OnTheirResources()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "verify.md"));
        var policy = PolicyBlock().Match(readme);
        Assert.True(policy.Success, "docs/verify.md has no verify policy block (```json after 'minimal IAM policy for verify')");
        var statements = JsonNode.Parse(policy.Groups["json"].Value)!["Statement"]!.AsArray()
            .Select(s => (Actions: Strings(s!["Action"]!), Resources: Strings(s["Resource"]!)))
            .ToList();

        // The plan with the policy's placeholders for names: each action it declares, on each resource, is granted.
        var target = new VerifyTarget
        {
            Table = "SOURCE_TABLE", Catalog = "s3tablescatalog/TABLE_BUCKET", Database = "NAMESPACE", LakeTable = "transactions",
            ChangeLogDatabase = "CHANGE_LOG_DATABASE", Stream = "CHANGE_STREAM", Stack = "STACK", Settle = TimeSpan.Zero, SettleSource = "",
        };
        var declared = VerifyPlan.Permissions(target, "REGION", "primary", "s3://RESULTS_BUCKET/verify/", DynamoLake.Core.Contract.TableContract.LoadEmbedded());
        foreach (var permission in declared)
        {
            foreach (var resource in permission.Resource.Split(", "))
            {
                Assert.True(
                    statements.Any(s => s.Actions.Contains(permission.Action) && s.Resources.Any(granted => Covers(granted, resource))),
                    $"docs/verify.md's policy does not grant {permission.Action} on {resource}");
            }
        }

        Assert.Equal(declared.Select(p => p.Action).Distinct().Order(StringComparer.Ordinal), statements.SelectMany(s => s.Actions).Distinct().Order(StringComparer.Ordinal));

        static string[] Strings(JsonNode node) => node is JsonArray array ? [.. array.Select(a => a!.GetValue<string>())] : [node.GetValue<string>()];

        // IAM's wildcard: '*' matches any run of characters.
        static bool Covers(string granted, string resource) =>
            Regex.IsMatch(resource, "^" + string.Join(".*", granted.Split('*').Select(Regex.Escape)) + "$");
    }

    [Fact]
    public void Summary_OfSeveralLists_AddsTheirCountsAndKeepsMoreThan()
    {
        Assert.Equal("more than 23 differences", Parity.Summary([[.. Enumerable.Range(0, 20).Select(i => $"k{i}"), "…"], ["a", "b", "c"]]));
        Assert.Equal("3 differences", Parity.Summary([[], ["a", "b", "c"]]));
        Assert.Equal("0 differences", Parity.Summary([[], []]));
    }

    private static async Task<(string Date, string Authorization)> BotocoreAsync(string url, string body, Dictionary<string, string> headers, string service)
    {
        var script = """
            import sys, json
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            url, body, headers, service = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
            req = AWSRequest(method="POST", url=url, data=body.encode(), headers=headers)
            SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token/with+chars"), service, "eu-west-1").add_auth(req)
            print(req.headers["X-Amz-Date"])
            print(req.headers["Authorization"])
            """;
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", script, url, body, new JsonObject(headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value))).ToJsonString(), service })
        {
            info.ArgumentList.Add(argument);
        }

        using var python = Process.Start(info)!;
        var lines = (await python.StandardOutput.ReadToEndAsync()).Trim().Split('\n');
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, await python.StandardError.ReadToEndAsync());
        return (lines[0].Trim(), lines[1].Trim());
    }

    [GeneratedRegex(@"minimal IAM policy for verify[^\n]*\n(?:[^\n]*\n)*?```json\n(?<json>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex PolicyBlock();
}
