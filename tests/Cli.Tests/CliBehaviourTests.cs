using System.Text.RegularExpressions;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>The CLI as a tool people trust: it names itself, helps with examples, suggests, refuses to lose data, and never shows a stack trace.</summary>
[Collection(UsesConsole.Name)]
public sealed class CliBehaviourTests : IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-cli-");

    private string Lake => Path.Combine(_temp.Path, "lake");

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("pipline", "pipeline")]
    [InlineData("qurey", "query")]
    [InlineData("invok", "invoke")]
    public async Task MistypedVerb_SuggestsTheClosest(string typed, string meant)
    {
        var (exit, _, stderr) = await CliRun.Run(typed);

        Assert.Equal(2, exit);
        Assert.Contains($"Did you mean '{meant}'?", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pipeline")]
    [InlineData("query")]
    [InlineData("redrive")]
    [InlineData("backfill")]
    [InlineData("invoke")]
    [InlineData("contract")]
    [InlineData("seed")]
    [InlineData("provision")]
    [InlineData("export")]
    [InlineData("template")]
    public async Task EveryVerbsHelp_HasExamples_UnderTheProgramsName(string verb)
    {
        var (exit, stdout, stderr) = await CliRun.Run(verb, "--help");

        var help = stdout + stderr;
        Assert.Equal(0, exit);
        Assert.Contains("Examples:", help, StringComparison.Ordinal);
        Assert.Contains($"dynamolake {verb}", help, StringComparison.Ordinal);
        Assert.DoesNotContain("Cli ", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipeline_IntoALakeWithErrorRecordsNotRedriven_RefusesUnlessForced()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "100", "--lake", Lake)).Exit);
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "100", "--lake", Lake)).Exit); // a lake only pipeline made is rebuilt freely
        var failed = Path.Combine(Lake, "errors", "processing-failed", "2026", "11", "28");
        Directory.CreateDirectory(failed);
        await File.WriteAllTextAsync(Path.Combine(failed, "object"), "{\"rawData\":\"e30=\"}\n{\"rawData\":\"e30=\"}\n");

        var (exit, _, stderr) = await CliRun.Run("pipeline", "--count", "100", "--lake", Lake);

        Assert.Equal(1, exit);
        Assert.Contains("2 error records not redriven", stderr, StringComparison.Ordinal);
        Assert.Contains("--force", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(failed, "object")), "nothing may be deleted when refusing");

        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "100", "--lake", Lake, "--force")).Exit);
        Assert.False(File.Exists(Path.Combine(failed, "object")));
    }

    [Fact]
    public async Task Pipeline_AfterABackfill_RefusesNamingIt()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "50", "--lake", Lake)).Exit);
        var export = Path.Combine(Lake, "..", Path.GetFileName(Lake) + "-export.json");
        await File.WriteAllTextAsync(export, "{\"Item\":{\"transaction_id\":{\"S\":\"backfilled\"},\"timestamp\":{\"N\":\"1795426800000\"},\"customer_id\":{\"S\":\"c\"},\"amount\":{\"N\":\"1.00\"},\"currency\":{\"S\":\"USD\"},\"region\":{\"S\":\"us-east-1\"},\"status\":{\"S\":\"APPROVED\"}}}\n");
        try
        {
            Assert.Equal(0, (await CliRun.Run("backfill", export, "--lake", Lake)).Exit);

            var (exit, _, stderr) = await CliRun.Run("pipeline", "--count", "50", "--out", Lake);

            Assert.Equal(1, exit);
            Assert.Matches(new Regex("added since the last pipeline run: backfill 1 items from"), stderr);
        }
        finally
        {
            File.Delete(export);
        }
    }

    [Fact]
    public async Task Pipeline_AfterABackfillWhosePathSaysPipeline_StillRefuses_AndDoesNotAdviseRedrive()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "50", "--lake", Lake)).Exit);
        var folder = Path.Combine(Path.GetTempPath(), "old pipeline " + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var export = Path.Combine(folder, "export.json");
        await File.WriteAllTextAsync(export, "{\"Item\":{\"transaction_id\":{\"S\":\"b\"},\"timestamp\":{\"N\":\"1795426800000\"},\"customer_id\":{\"S\":\"c\"},\"amount\":{\"N\":\"1.00\"},\"currency\":{\"S\":\"USD\"},\"region\":{\"S\":\"us-east-1\"},\"status\":{\"S\":\"APPROVED\"}}}\n");
        try
        {
            Assert.Equal(0, (await CliRun.Run("backfill", export, "--lake", Lake)).Exit);

            var (exit, _, stderr) = await CliRun.Run("pipeline", "--count", "50", "--lake", Lake);

            Assert.Equal(1, exit);
            Assert.Contains("backfill 1 items from", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Run redrive first", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Redrive_OfAFolderThatDoesNotExist_IsAUsageError()
    {
        var (exit, _, stderr) = await CliRun.Run("redrive", Path.Combine(Lake, "no-such-folder"), "--lake", Lake);

        Assert.Equal(2, exit);
        Assert.Contains("is not a folder of Firehose error objects", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void From_IsReadAsUtc_WhateverTheMachinesZone()
    {
        var command = new System.CommandLine.Command("x") { WorkloadWindow.FromOption() };

        var parsed = command.Parse(["--from", "2026-11-01"]);

        Assert.Empty(parsed.Errors);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), parsed.GetValue<DateTimeOffset?>("--from"));
    }

    [Fact]
    public async Task Redrive_WithNothingToRedrive_IsSuccess()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "50", "--lake", Lake)).Exit);

        var (exit, stdout, stderr) = await CliRun.Run("redrive", "--lake", Lake);

        Assert.True(exit == 0, stderr);
        Assert.StartsWith("redrive: nothing to redrive", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LakeThatIsAFile_AndEventThatIsAFolder_NameTheProblem()
    {
        var file = Path.GetTempFileName();
        try
        {
            var (exit, _, stderr) = await CliRun.Run("pipeline", "--lake", file);
            Assert.Equal(2, exit);
            Assert.Contains("--lake", stderr, StringComparison.Ordinal);
            Assert.Contains("is a file", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }

        var (invokeExit, _, invokeError) = await CliRun.Run("invoke", "transform", Path.GetTempPath());
        Assert.Equal(2, invokeExit);
        Assert.Contains("is a folder", invokeError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", invokeError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LakeThatCannotBeWritten_NamesTheFlag()
    {
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--count", "10", "--lake", "/proc/dynamolake-lake");

        Assert.Equal(1, exit);
        Assert.Contains("cannot write the lake at '/proc/dynamolake-lake'", stderr, StringComparison.Ordinal);
        Assert.Contains("writable --lake", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--count", "many", "as a whole number")]
    [InlineData("--from", "yesterday", "--from must be a date or time such as 2026-11-01")]
    [InlineData("--days", "a-week", "--days must be a number of days")]
    [InlineData("--duplicates", "lots", "as a number such as 0.5")]
    public async Task UnparsableFlag_IsExplainedWithoutDotNetTypeNames(string flag, string value, string explained)
    {
        var (exit, _, stderr) = await CliRun.Run("pipeline", flag, value);

        Assert.Equal(2, exit);
        Assert.Contains(explained, stderr, StringComparison.Ordinal);
        Assert.Contains(flag, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeRepeat_PrintsItsThroughputLast_WithTheRepeatsLogsLeftOut()
    {
        var (exit, _, stderr) = await CliRun.Run("invoke", "transform", Path.Combine(RepoPaths.Root, "events", "kinesis-mixed-batch.json"), "--repeat", "5");

        Assert.Equal(0, exit);
        var lines = stderr.Trim().ReplaceLineEndings("\n").Split('\n');
        Assert.StartsWith("MB/s ", lines[^1], StringComparison.Ordinal);
        Assert.Equal(1, lines.Count(l => l.Contains("\"invocation complete\"", StringComparison.Ordinal)));
    }
}
