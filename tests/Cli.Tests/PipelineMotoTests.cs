using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>The pipeline against moto: the Seeder writes, the stream is read over signed JSON, the final state is a Scan.</summary>
[Collection(UsesConsole.Name)]
public sealed class PipelineMotoTests(MotoFixture moto) : IClassFixture<MotoFixture>, IDisposable
{
    private readonly string _lake = Path.Combine(Path.GetTempPath(), "dynamolake-moto-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_lake))
        {
            Directory.Delete(_lake, recursive: true);
        }
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task Pipeline_AgainstMotoWithRedeliveriesAndShuffle_LakeEqualsTheScannedTable()
    {
        var table = $"pipeline-{Guid.NewGuid():N}";

        var (exit, stdout, stderr) = await CliRun.Run(
            "pipeline", "--endpoint", moto.Server.Endpoint.ToString(), "--table", table, "--count", "600", "--seed", "9",
            "--duplicates", "0.4", "--shuffle", "--out", _lake);

        Assert.True(exit == 0, stderr + stdout);
        Assert.Matches(@"^parity: [\d,]+ rows, 0 differences$", stdout.Split('\n')[0]);
        Assert.Contains("view parity (S3 change log, transactions_current): 0 differences", stdout, StringComparison.Ordinal);
        Assert.Contains($"created table '{table}'", stderr, StringComparison.Ordinal);
        Assert.Matches(@"read [\d,]+ change records from arn:aws:dynamodb:", stderr);
    }

    [Fact]
    public async Task Pipeline_UnreachableEndpoint_ExitsOneNamingIt()
    {
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--endpoint", "http://127.0.0.1:9", "--count", "10", "--out", _lake);

        Assert.Equal(1, exit);
        Assert.Contains("error:", stderr, StringComparison.Ordinal);
    }
}
