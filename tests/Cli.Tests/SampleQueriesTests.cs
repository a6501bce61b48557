using System.Text.Json;

namespace Cli.Tests;

/// <summary>The seed sample's own queries, verbatim, on the lake the README's main command makes; and typed query output.</summary>
[Collection(UsesConsole.Name)]
public sealed class SampleQueriesTests : IDisposable
{
    private readonly string _lake = Path.Combine(Path.GetTempPath(), "dynamolake-queries-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_lake))
        {
            Directory.Delete(_lake, recursive: true);
        }
    }

    private async Task<List<JsonElement>> Json(params string[] query)
    {
        var (exit, stdout, stderr) = await CliRun.Run(["query", .. query, "--lake", _lake, "--format", "json"]);
        Assert.True(exit == 0, stderr);
        return [.. JsonDocument.Parse(stdout).RootElement.EnumerateArray()];
    }

    [Fact]
    public async Task SampleQueries_AnswerWithFraudSignals_RightAfterTheMainCommand()
    {
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--out", _lake); // the README's main command, default window
        Assert.True(exit == 0, stderr);

        var daily = await Json("--name", "daily-risk");
        Assert.NotEmpty(daily);
        Assert.True(daily.Sum(r => r.GetProperty("velocity_flags").GetInt64()) > 0);
        Assert.True(daily.Sum(r => r.GetProperty("flagged_transactions").GetInt64()) > 0);
        Assert.All(daily, r => Assert.True(r.GetProperty("high_risk_count").GetInt64() > 0));
        Assert.All(daily, r => Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", r.GetProperty("date").GetString()!));

        var today = await Json("--name", "today-by-hour");
        Assert.NotEmpty(today);
        var utcToday = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(today, r => Assert.Equal(utcToday, r.GetProperty("date").GetString()));
        Assert.True(today.Sum(r => r.GetProperty("high_amount_alerts").GetInt64()) > 0);
        Assert.True(today.Sum(r => r.GetProperty("declined_count").GetInt64()) > 0);
        Assert.All(today, r => Assert.Matches(@"^-?\d+\.\d{2}$", r.GetProperty("total_amount").GetRawText()));
    }

    [Fact]
    public async Task QueryOutput_KeepsTypes_InEveryFormat()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "200", "--seed", "9", "--out", _lake)).Exit);
        const string Sql = "SELECT CAST(163221 AS DECIMAL(38,2)) AS total, DATE '2026-11-05' AS d, TIMESTAMPTZ '2026-11-05 10:11:12.5+00' AS t, true AS b, {'x': 1} AS s";

        var (exit, csv, stderr) = await CliRun.Run("query", Sql, "--lake", _lake, "--format", "csv");
        Assert.True(exit == 0, stderr);
        Assert.Equal("total,d,t,b,s\n163221.00,2026-11-05,2026-11-05 10:11:12.500000+00:00,true,{x: 1}", csv.Trim().ReplaceLineEndings("\n"));

        var row = Assert.Single(await Json(Sql));
        Assert.Equal("163221.00", row.GetProperty("total").GetRawText());
        Assert.Equal("2026-11-05", row.GetProperty("d").GetString());
        Assert.Equal("2026-11-05 10:11:12.500000+00:00", row.GetProperty("t").GetString());
        Assert.True(row.GetProperty("b").GetBoolean());
        Assert.Equal(1, row.GetProperty("s").GetProperty("x").GetInt32());

        var (tableExit, table, _) = await CliRun.Run("query", Sql, "--lake", _lake);
        Assert.Equal(0, tableExit);
        Assert.Contains("163221.00", table, StringComparison.Ordinal);
        Assert.Contains("2026-11-05 10:11:12.500000+00:00", table, StringComparison.Ordinal);

        var (badExit, _, badError) = await CliRun.Run("query", Sql, "--lake", _lake, "--format", "xml");
        Assert.Equal(2, badExit);
        Assert.Contains("--format", badError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("9999")]
    public async Task Window_BadDays_NamesTheFlag(string days)
    {
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--days", days, "--out", _lake);

        Assert.Equal(2, exit);
        Assert.Contains("--days must be", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("window", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Window_ByDefault_IsTheLastCalendarDaysWithToday_FromAUtcMidnight()
    {
        var now = new DateTimeOffset(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);

        var (from, window, problem) = WorkloadWindow.Resolve(null, 7, now);

        Assert.Null(problem);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero), from);
        Assert.True(from + window > now && from + window <= now.Date.AddDays(1));
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), WorkloadWindow.Resolve(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), 7, now).From);
    }
}
