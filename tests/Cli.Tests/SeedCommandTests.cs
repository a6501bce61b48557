using System.Text.RegularExpressions;
using DynamoLake.Testing;

namespace Cli.Tests;

[Collection(UsesDynalite.Name)]
public sealed partial class SeedCommandTests(DynaliteFixture dynalite)
{
    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Seed_WithCreateTable_WritesEverythingAndSaysSo()
    {
        var table = $"cli-{Guid.NewGuid():N}";

        var (exit, stdout, stderr) = await CliRun.Run("seed", "--count", "2000", "--seed", "4", "--endpoint", dynalite.Server.Endpoint.ToString(), "--table", table, "--create-table");

        Assert.True(exit == 0, stderr);
        var summary = SummaryLine().Match(stdout);
        Assert.True(summary.Success, stdout);
        Assert.Equal("2,000", summary.Groups["written"].Value);
        Assert.Equal("0", summary.Groups["missing"].Value);
        Assert.Contains($"created table '{table}'", stderr, StringComparison.Ordinal);
        Assert.Contains("has no stream here: this DynamoDB does not implement Streams", stderr, StringComparison.Ordinal);
    }

    [RequiresServerFact(LocalServers.Dynalite)]
    public async Task Seed_MissingTable_ExitsOneNamingIt()
    {
        var (exit, stdout, stderr) = await CliRun.Run("seed", "--count", "10", "--endpoint", dynalite.Server.Endpoint.ToString(), "--table", "absent-table");

        Assert.Equal(1, exit);
        Assert.Empty(stdout);
        Assert.Contains("table 'absent-table' does not exist", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--count", "0", "--count must be between 1")]
    [InlineData("--delete-fraction", "1.5", "--delete-fraction must be between 0 and 1")]
    [InlineData("--days", "0", "--days must be more than 0")]
    [InlineData("--parallelism", "100", "--parallelism must be between 1 and 64")]
    [InlineData("--endpoint", "localhost:8000", "--endpoint must be an http(s) URL")]
    [InlineData("--count", "many", "many")]
    public async Task Seed_BadFlag_ExitsTwoNamingTheProblem(string flag, string value, string problem)
    {
        string[] args = flag == "--endpoint" ? ["seed", flag, value] : ["seed", "--endpoint", "http://127.0.0.1:9", flag, value];

        var (exit, _, stderr) = await CliRun.Run(args);

        Assert.Equal(2, exit);
        Assert.Contains(problem, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed_UnreachableEndpoint_ExitsOneNamingIt()
    {
        var (exit, _, stderr) = await CliRun.Run("seed", "--count", "5", "--endpoint", "http://127.0.0.1:9");

        Assert.Equal(1, exit);
        Assert.Contains("DynamoDB at http://127.0.0.1:9/ failed", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_NoRegionAnywhere_SaysWhichFlagToGive()
    {
        Assert.Contains("pass --region", SeedCommand.RegionProblem(null, null, () => null), StringComparison.Ordinal);
        Assert.Null(SeedCommand.RegionProblem(null, null, () => "eu-west-1"));
        Assert.Null(SeedCommand.RegionProblem(null, "eu-west-1", () => throw new InvalidOperationException("the chain must not be asked when --region is given")));
        Assert.Null(SeedCommand.RegionProblem(new Uri("http://127.0.0.1:8000"), null, () => throw new InvalidOperationException("the chain must not be asked for a local endpoint")));
    }

    [GeneratedRegex(@"^seeded '[^']+' at \S+ \(seed \d+\): (?<written>[\d,]+) of [\d,]+ written, .* (?<missing>[\d,]+) not written; [\d,]+ items/s", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
