using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CsCheck;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>The seed sample's own queries, verbatim, on the lake the README's main command makes; and typed query output.</summary>
[Collection(UsesConsole.Name)]
public sealed class SampleQueriesTests : IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-queries-");

    private string Lake => Path.Combine(_temp.Path, "lake");

    public void Dispose() => _temp.Dispose();

    private async Task<List<JsonElement>> Json(params string[] query)
    {
        var (exit, stdout, stderr) = await CliRun.Run(["query", .. query, "--lake", Lake, "--format", "json"]);
        Assert.True(exit == 0, stderr);
        return [.. JsonDocument.Parse(stdout).RootElement.EnumerateArray()];
    }

    [Fact]
    public async Task SampleQueries_AnswerWithFraudSignals_RightAfterTheMainCommand()
    {
        var started = DateTimeOffset.UtcNow;
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--out", Lake); // the README's main command, default window
        Assert.True(exit == 0, stderr);

        // Nothing lies after the moment the run started (the window's end, as the run noted it in history.log):
        // transactions, their processing, and every change; and the window is the 7 days before it.
        var noted = Regex.Match(await File.ReadAllTextAsync(Path.Combine(Lake, "history.log")), @"--from (\S+) --days (\S+)");
        var end = DateTimeOffset.Parse(noted.Groups[1].Value, CultureInfo.InvariantCulture) + TimeSpan.FromDays(double.Parse(noted.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.InRange(end, started.AddMilliseconds(-1), DateTimeOffset.UtcNow); // the run reads its clock to the millisecond
        var latest = Assert.Single(await Json("SELECT epoch_ms(max(timestamp)) AS t, epoch_ms(max(processing_timestamp)) AS p, epoch_ms(min(timestamp)) AS first, (SELECT max(_event_time) // 1000 FROM transactions_changes) AS e FROM transactions"));
        Assert.InRange(latest.GetProperty("t").GetInt64(), end.AddHours(-1).ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds() - 1);
        Assert.True(latest.GetProperty("p").GetInt64() < end.ToUnixTimeMilliseconds());
        Assert.True(latest.GetProperty("e").GetInt64() <= end.ToUnixTimeMilliseconds());
        Assert.True(latest.GetProperty("first").GetInt64() >= end.AddDays(-7).ToUnixTimeMilliseconds());

        var daily = await Json("--name", "daily-risk");
        Assert.NotEmpty(daily);
        Assert.True(daily.Sum(r => r.GetProperty("velocity_flags").GetInt64()) > 0);
        Assert.True(daily.Sum(r => r.GetProperty("flagged_transactions").GetInt64()) > 0);
        Assert.All(daily, r => Assert.True(r.GetProperty("high_risk_count").GetInt64() > 0));
        Assert.All(daily, r => Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", r.GetProperty("date").GetString()!));

        // Today so far (a few minutes after midnight UTC it may hold few transactions, or none), never a later
        // hour than the window's end (the query asks for CURRENT_DATE: a run across midnight asks for the new day).
        var today = await Json("--name", "today-by-hour");
        var utcToday = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var sinceMidnight = Assert.Single(await Json($"SELECT count(*) AS n FROM transactions WHERE date = '{utcToday}'")).GetProperty("n").GetInt64();
        Assert.Equal(sinceMidnight, today.Sum(r => r.GetProperty("transaction_count").GetInt64()));
        Assert.All(today, r => Assert.Equal(utcToday, r.GetProperty("date").GetString()));
        Assert.All(today, r => Assert.InRange(r.GetProperty("hour").GetInt32(), 0, end.Hour));
        Assert.All(today, r => Assert.Matches(@"^-?\d+\.\d{2}$", r.GetProperty("total_amount").GetRawText()));
    }

    [Fact]
    public async Task QueryOutput_KeepsTypes_InEveryFormat()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "200", "--seed", "9", "--out", Lake)).Exit);
        const string Sql = "SELECT CAST(163221 AS DECIMAL(38,2)) AS total, DATE '2026-11-05' AS d, TIMESTAMPTZ '2026-11-05 10:11:12.5+00' AS t, true AS b, {'x': 1} AS s";

        var (exit, csv, stderr) = await CliRun.Run("query", Sql, "--lake", Lake, "--format", "csv");
        Assert.True(exit == 0, stderr);
        Assert.Equal("total,d,t,b,s\n163221.00,2026-11-05,2026-11-05 10:11:12.500000+00:00,true,{x: 1}", csv.Trim().ReplaceLineEndings("\n"));

        var row = Assert.Single(await Json(Sql));
        Assert.Equal("163221.00", row.GetProperty("total").GetRawText());
        Assert.Equal("2026-11-05", row.GetProperty("d").GetString());
        Assert.Equal("2026-11-05 10:11:12.500000+00:00", row.GetProperty("t").GetString());
        Assert.True(row.GetProperty("b").GetBoolean());
        Assert.Equal(1, row.GetProperty("s").GetProperty("x").GetInt32());

        var (tableExit, table, _) = await CliRun.Run("query", Sql, "--lake", Lake);
        Assert.Equal(0, tableExit);
        Assert.Contains("163221.00", table, StringComparison.Ordinal);
        Assert.Contains("2026-11-05 10:11:12.500000+00:00", table, StringComparison.Ordinal);

        var (badExit, _, badError) = await CliRun.Run("query", Sql, "--lake", Lake, "--format", "xml");
        Assert.Equal(2, badExit);
        Assert.Contains("--format", badError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("9999")]
    public async Task Window_BadDays_NamesTheFlag(string days)
    {
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--days", days, "--out", Lake);

        Assert.Equal(2, exit);
        Assert.Contains("--days must be", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("window", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Window_ByDefault_IsTheLastDaysEndingNow()
    {
        var now = new DateTimeOffset(2026, 11, 28, 22, 36, 0, TimeSpan.Zero);

        var (from, window, problem) = WorkloadWindow.Resolve(null, 7, now);

        Assert.Null(problem);
        Assert.Equal(now.AddDays(-7), from);
        Assert.Equal(now, from + window);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), WorkloadWindow.Resolve(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), 7, now).From);
        Assert.Contains("after now", WorkloadWindow.Resolve(now.AddDays(-1), 7, now).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Generator_AnyWindow_PutsEveryTimeWithinIt()
    {
        Gen.Select(Gen.Long[0, 86_400_000L * 400], Gen.Double[0.01, 10], Gen.Long[1, 1000]).Sample(t =>
        {
            var (offsetMs, days, seed) = t;
            var options = new Seeder.WorkloadOptions { Count = 50, Seed = seed, From = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMilliseconds(offsetMs), Window = TimeSpan.FromDays(days) };
            var (from, end) = (options.From.ToUnixTimeMilliseconds(), (options.From + options.Window).ToUnixTimeMilliseconds());
            foreach (var w in Seeder.TransactionGenerator.Items(options))
            {
                Assert.InRange(long.Parse(w.Item["timestamp"].N, CultureInfo.InvariantCulture), from, end - 1);
                if (w.Item.TryGetValue("processing_timestamp", out var processed))
                {
                    Assert.True(long.Parse(processed.N, CultureInfo.InvariantCulture) < end);
                }

                Assert.True(w.Update is null || w.Update.ProcessingTimestamp < end);
            }
        });
    }
}
