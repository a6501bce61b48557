using System.Text;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>The CLI run in-process through its entry point, as a user runs it.</summary>
[Collection(UsesConsole.Name)]
public sealed class InvokeCommandTests
{
    private static Task<(int Exit, string Stdout, string Stderr)> Run(params string[] args) => CliRun.Run(args);

    private static string Event(string name) => Path.Combine(RepoPaths.Root, "events", name + ".json");

    [Theory]
    [InlineData("kinesis-insert")]
    [InlineData("kinesis-mixed-batch")]
    [InlineData("kinesis-malformed-batch")]
    public async Task InvokeTransform_PrintsExactlyTheResponseOnStdout(string name)
    {
        var (exit, stdout, stderr) = await Run("invoke", "transform", Event(name));

        Assert.Equal(0, exit);
        var expected = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "events", "expected", name + ".response.json"));
        Assert.Equal(expected.TrimEnd('\n') + "\n", stdout); // the response, then a newline for the terminal
        Assert.Contains("\"invocation complete\"", stderr, StringComparison.Ordinal); // the function's log line goes to stderr
    }

    [Fact]
    public async Task InvokeTransform_EventFileWithAUtf8Bom_IsAcceptedLikeWithout()
    {
        var withBom = Path.Combine(Path.GetTempPath(), $"bom-{Guid.NewGuid():N}.json");
        await File.WriteAllBytesAsync(withBom, [0xEF, 0xBB, 0xBF, .. await File.ReadAllBytesAsync(Event("kinesis-insert"))]);
        try
        {
            var (exit, stdout, stderr) = await Run("invoke", "transform", withBom);

            Assert.True(exit == 0, stderr);
            Assert.Equal((await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "events", "expected", "kinesis-insert.response.json"))).TrimEnd('\n') + "\n", stdout);
        }
        finally
        {
            File.Delete(withBom);
        }
    }

    [Fact]
    public async Task InvokePartitionKeys_PrintsRowsEndingInNewlineWithZeroPaddedKeys()
    {
        var (exit, stdout, _) = await Run("invoke", "partition-keys", Event("kinesis-mixed-batch"));

        Assert.Equal(0, exit);
        var expected = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "events", "expected", "partition-keys", "kinesis-mixed-batch.response.json"));
        Assert.Equal(expected.TrimEnd('\n') + "\n", stdout);
        Assert.Contains("\"month\":\"11\",\"day\":\"23\",\"hour\":\"09\"", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("view", "transactions_current.sql")]
    [InlineData("glue-columns", "transactions_changes.glue-columns.json")]
    public async Task Contract_PrintsTheGeneratedArtefact(string what, string file)
    {
        var (exit, stdout, _) = await Run("contract", what);

        Assert.Equal(0, exit);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "schema", "generated", file)), stdout);
    }

    [Fact]
    public async Task InvokeWithRepeat_PrintsThroughputOnStderr()
    {
        var (exit, stdout, stderr) = await Run("invoke", "transform", Event("kinesis-mixed-batch"), "--repeat", "3");

        Assert.Equal(0, exit);
        Assert.StartsWith("{\"records\":[", stdout, StringComparison.Ordinal);
        Assert.Matches(@"MB/s \d+\.\d", stderr);

        // Warm-up and steady apart, each naming the requests it covers, and the floor beside them.
        Assert.Matches(@"\nwarm-up MB/s \d+\.\d \(timed requests 1–3, after the printed one\)\nsteady MB/s (?<steady>\d+\.\d) \(requests 3–3\), \d+ ?% of the floor\nfloor MB/s \d+\.\d \(the same request read, base64-decoded and tokenised, nothing else\)\nMB/s \k<steady>\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task UnknownFunction_IsAUsageError()
    {
        var (exit, stdout, stderr) = await Run("invoke", "transfrom", Event("kinesis-insert"));

        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Contains("unknown function 'transfrom'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingEventFile_IsAUsageErrorNamingTheFile()
    {
        var (exit, _, stderr) = await Run("invoke", "transform", "events/nope.json");

        Assert.Equal(2, exit);
        Assert.Contains("events/nope.json", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventThatIsNotFirehose_FailsWithTheHandlersReason()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "{\"Records\": 42}");
        try
        {
            var (exit, stdout, stderr) = await Run("invoke", "transform", path);

            Assert.Equal(1, exit);
            Assert.Empty(stdout);
            Assert.Contains("Not a Firehose transformation request", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("invoke", "transform")]
    [InlineData("invoke", "transform", "x.json", "--repeat", "lots")]
    [InlineData("invoke", "transform", "x.json", "--colour")]
    [InlineData("frobnicate")]
    public async Task BadCommandLines_AreUsageErrors(params string[] args)
    {
        var (exit, _, stderr) = await Run(args);

        Assert.Equal(2, exit);
        Assert.Contains("error:", stderr, StringComparison.Ordinal);
    }
}
