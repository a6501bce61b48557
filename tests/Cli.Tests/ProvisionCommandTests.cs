using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace Cli.Tests;

public sealed class ProvisionCommandTests
{
    [Fact]
    public async Task PrintRequest_PrintsTheCreateTableBodyFromTheContract()
    {
        var (exit, stdout, _) = await CliRun.Run("provision", "--print-request");

        Assert.Equal(0, exit);
        var expected = JsonNode.Parse(IcebergSchema.CreateTableRequest(TableContract.LoadEmbedded(), "transactions"));
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(stdout)));
    }

    [Fact]
    public async Task Provision_WithoutPrintRequest_ExitsTwoSayingWhatToDo()
    {
        var (exit, _, stderr) = await CliRun.Run("provision");

        Assert.Equal(2, exit);
        Assert.Contains("--print-request", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// The CLI in its own process, configured only by environment variables as in Lambda: the SDK's
    /// credential chain, AWS_ENDPOINT_URL_S3TABLES pointing at the fake endpoint.
    /// </summary>
    private static async Task<(int Exit, string Stdout, string Stderr, JsonNode Sample)> InvokeProvisioner(FakeS3Tables s3Tables, FakeResponseReceiver cloudFormation)
    {
        var sample = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "events", "cloudformation-create.json")))!;
        sample["ResponseURL"] = cloudFormation.Url.ToString();
        var eventFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(eventFile, sample.ToJsonString());
        try
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Cli.dll"), "invoke", "provisioner", eventFile })
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment["AWS_ENDPOINT_URL_S3TABLES"] = s3Tables.Endpoint.ToString();
            info.Environment["AWS_ACCESS_KEY_ID"] = FakeS3Tables.Credentials.AccessKeyId;
            info.Environment["AWS_SECRET_ACCESS_KEY"] = FakeS3Tables.Credentials.SecretAccessKey;
            info.Environment["AWS_SESSION_TOKEN"] = FakeS3Tables.Credentials.SessionToken;
            info.Environment["AWS_REGION"] = "us-east-1";
            info.Environment["DEADLINE_SECONDS"] = "30";
            using var cli = Process.Start(info)!;
            var stdout = await cli.StandardOutput.ReadToEndAsync();
            var stderr = await cli.StandardError.ReadToEndAsync();
            await cli.WaitForExitAsync();
            return (cli.ExitCode, stdout, stderr, sample);
        }
        finally
        {
            File.Delete(eventFile);
        }
    }

    [Fact]
    public async Task InvokeProvisioner_OnTheSampleCreateEvent_SendsSuccessWithTheContractsSchema()
    {
        using var s3Tables = new FakeS3Tables();
        using var cloudFormation = new FakeResponseReceiver();

        var (exit, stdout, stderr, sample) = await InvokeProvisioner(s3Tables, cloudFormation);

        Assert.True(exit == 0, stderr);
        Assert.Equal("SUCCESS", JsonDocument.Parse(stdout).RootElement.GetProperty("Status").GetString());
        Assert.Equal("SUCCESS", cloudFormation.Delivered().GetProperty("Status").GetString());
        Assert.Equal(0, s3Tables.SignatureFailures);
        var expected = JsonNode.Parse(IcebergSchema.CreateTableRequest(TableContract.LoadEmbedded(), "transactions"))!["metadata"]!["iceberg"]!["schemaV2"];
        Assert.True(JsonNode.DeepEquals(expected, s3Tables.Table(sample["ResourceProperties"]!["TableBucketARN"]!.GetValue<string>(), "analytics", "transactions")));
    }

    [Fact]
    public async Task InvokeProvisioner_WhenTheResourceAnswersFailed_ExitsOne()
    {
        using var s3Tables = new FakeS3Tables();
        using var cloudFormation = new FakeResponseReceiver();
        s3Tables.Fail("CreateNamespace", FakeS3Tables.FaultKind.ServerError);

        var (exit, stdout, stderr, _) = await InvokeProvisioner(s3Tables, cloudFormation);

        Assert.Equal(1, exit);
        Assert.Equal("FAILED", JsonDocument.Parse(stdout).RootElement.GetProperty("Status").GetString());
        Assert.Contains("answered FAILED", stderr, StringComparison.Ordinal);
    }
}
