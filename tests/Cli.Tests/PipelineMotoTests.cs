using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>The pipeline against moto: the Seeder writes, the stream is read over signed JSON, the final state is a Scan.</summary>
[Collection(UsesConsole.Name)]
public sealed class PipelineMotoTests(MotoFixture moto) : IClassFixture<MotoFixture>, IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-moto-");

    private string Lake => Path.Combine(_temp.Path, "lake");

    public void Dispose() => _temp.Dispose();

    [RequiresServerFact(LocalServers.Moto)]
    public async Task Pipeline_AgainstMotoWithRedeliveriesAndShuffle_LakeEqualsTheScannedTable()
    {
        var table = $"pipeline-{Guid.NewGuid():N}";

        var (exit, stdout, stderr) = await CliRun.Run(
            "pipeline", "--endpoint", moto.Server.Endpoint.ToString(), "--table", table, "--count", "600", "--seed", "9",
            "--duplicates", "0.4", "--shuffle", "--out", Lake);

        Assert.True(exit == 0, stderr + stdout);
        Assert.Matches(@"^parity: [\d,]+ rows, 0 differences$", stdout.Split('\n')[0]);
        Assert.Contains("view parity (S3 change log, transactions_current): 0 differences", stdout, StringComparison.Ordinal);
        Assert.Contains($"created table '{table}'", stderr, StringComparison.Ordinal);
        Assert.Matches(@"read [\d,]+ change records from arn:aws:dynamodb:", stderr);
        Assert.Contains("seeding (writes)", stderr, StringComparison.Ordinal); // a progress bar while seeding
        var flat = System.Text.RegularExpressions.Regex.Replace(stderr.Replace("│", " ", StringComparison.Ordinal), @"\s+", " ");
        Assert.Matches(@"seeding and reading the stream \d+\.\d s", flat); // and seeding counts in the timings
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task Export_ThenBackfill_LoadsTheTablesItemsIntoTheLake()
    {
        var table = $"export-{Guid.NewGuid():N}";
        var file = Path.Combine(Path.GetTempPath(), table + ".json.gz");
        try
        {
            var (seedExit, seedOut, seedError) = await CliRun.Run("seed", "--endpoint", moto.Server.Endpoint.ToString(), "--table", table, "--create-table", "--count", "300", "--seed", "3");
            Assert.True(seedExit == 0, seedError);
            var remaining = int.Parse(System.Text.RegularExpressions.Regex.Match(seedOut, @"(?<w>[\d,]+) of [\d,]+ written, [\d,]+ updated, (?<d>[\d,]+) deleted").Groups["w"].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture)
                - int.Parse(System.Text.RegularExpressions.Regex.Match(seedOut, @"(?<d>[\d,]+) deleted").Groups["d"].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);

            var (exportExit, exportOut, exportError) = await CliRun.Run("export", "--endpoint", moto.Server.Endpoint.ToString(), "--table", table, "--file", file);
            Assert.True(exportExit == 0, exportError);
            Assert.StartsWith($"export: {remaining:N0} items of '{table}'", exportOut, StringComparison.Ordinal);

            var (backfillExit, backfillOut, backfillError) = await CliRun.Run("backfill", file, "--lake", Lake);
            Assert.True(backfillExit == 0, backfillError + backfillOut);
            var (queryExit, count, queryError) = await CliRun.Run("query", "SELECT count(*) AS n FROM transactions", "--lake", Lake, "--format", "csv");
            Assert.True(queryExit == 0, queryError);
            Assert.Equal($"n\n{remaining}", count.Trim().ReplaceLineEndings("\n"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task Export_ThenBackfill_OfACompositeKeyTable_LoadsEveryItemByItsFullKey()
    {
        var table = $"composite-{Guid.NewGuid():N}";
        var file = Path.Combine(Path.GetTempPath(), table + ".json.gz");
        var contract = Path.Combine(RepoPaths.Root, "examples", "customer-orders.json");
        try
        {
            var (seedExit, _, seedError) = await CliRun.Run("seed", "--endpoint", moto.Server.Endpoint.ToString(), "--table", table, "--create-table", "--count", "200", "--seed", "3", "--contract", contract);
            Assert.True(seedExit == 0, seedError);
            var (exportExit, exportOut, exportError) = await CliRun.Run("export", "--endpoint", moto.Server.Endpoint.ToString(), "--table", table, "--file", file);
            Assert.True(exportExit == 0, exportError);
            var items = int.Parse(System.Text.RegularExpressions.Regex.Match(exportOut, @"export: (?<n>[\d,]+) items").Groups["n"].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);

            var (backfillExit, backfillOut, backfillError) = await CliRun.Run("backfill", file, "--lake", Lake, "--contract", contract);
            Assert.True(backfillExit == 0, backfillError + backfillOut);
            var (queryExit, count, queryError) = await CliRun.Run("query", "SELECT count(*) AS n, count(DISTINCT customer_id) AS partitions FROM customer_orders", "--lake", Lake, "--contract", contract, "--format", "csv");
            Assert.True(queryExit == 0, queryError);
            Assert.Matches($@"^n,partitions\n{items},[1-9][0-9]*\n$", count.ReplaceLineEndings("\n"));
            Assert.True(items > 150, exportOut); // up to four orders per customer: a key by one part would have kept a quarter
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Export_OfAnUnreachableEndpoint_NamesTheCause()
    {
        var (exit, _, stderr) = await CliRun.Run("export", "--endpoint", "http://127.0.0.1:9", "--file", Path.Combine(Lake, "x.json.gz"));

        Assert.Equal(1, exit);
        Assert.Contains("export of 'transactions' at http://127.0.0.1:9/ failed", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipeline_UnreachableEndpoint_ExitsOneNamingIt()
    {
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--endpoint", "http://127.0.0.1:9", "--count", "10", "--out", Lake);

        Assert.Equal(1, exit);
        Assert.Contains("error: DynamoDB at http://127.0.0.1:9/ failed: Connection refused", stderr, StringComparison.Ordinal); // the inner cause, not a bare message
        Assert.Contains("--endpoint", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
}
