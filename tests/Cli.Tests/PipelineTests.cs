using System.Globalization;
using System.Text.RegularExpressions;
using CsCheck;
using DynamoLake.Core.Contract;
using DynamoLake.Local.Pipeline;
using DynamoLake.Testing;
using Seeder;

namespace Cli.Tests;

[Collection(UsesConsole.Name)]
public sealed partial class PipelineTests : IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-test-");

    private string Lake => Path.Combine(_temp.Path, "lake");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Pipeline_EmbeddedDefault_LakeEqualsTheSource()
    {
        var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--count", "3000", "--seed", "11", "--out", Lake);

        Assert.True(exit == 0, stderr);
        var parity = ParityLine().Match(stdout);
        Assert.True(parity.Success, stdout);
        Assert.Equal(ExpectedRows(new WorkloadOptions { Count = 3000, Seed = 11 }), int.Parse(parity.Groups["rows"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
        Assert.Contains("view parity (S3 change log, transactions_current): 0 differences", stdout, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(Lake, "iceberg"), "*.parquet", SearchOption.AllDirectories));
        var changeLog = Directory.GetFiles(Path.Combine(Lake, "s3", "changes"), "*.parquet", SearchOption.AllDirectories);
        Assert.NotEmpty(changeLog);
        Assert.All(changeLog, f => Assert.Matches(@"region_partition=[a-z0-9-]+[/\\]year=\d{4}[/\\]month=\d{2}[/\\]day=\d{2}[/\\]hour_partition=\d{2}[/\\]", f));
        Assert.Contains("\"invocation complete\"", await File.ReadAllTextAsync(Path.Combine(Lake, "logs", "functions.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipeline_AnyShuffleAndRedelivery_EndsWithTheLakeEqualToTheSource()
    {
        // A property over seeds, shard counts and redelivery rates: small requests give each shard many of
        // them, so that every ordering the delivery may produce (ADR 0011) is met, not one lucky seed.
        var runs = 0;
        await Gen.Select(Gen.Int[1, 1_000_000], Gen.Int[1, 8], Gen.Int[0, 5]).SampleAsync(
            async t =>
            {
                var (seed, shards, rate) = t;
                var lake = Path.Combine(Lake, $"run-{Interlocked.Increment(ref runs)}");
                var options = new PipelineOptions
                {
                    Workload = new WorkloadOptions { Count = 300, Seed = seed },
                    Out = lake,
                    Shuffle = true,
                    Shards = shards,
                    Duplicates = rate / 10.0,
                    RequestBytes = 6 * 1024,
                };
                var source = new ChangeCapture(options.Workload, options.Table, DateTimeOffset.MaxValue);

                var result = await new PipelineRun().RunAsync(options, source, progress: null, CancellationToken.None);

                Assert.True(result.Requests > 4 * shards, $"only {result.Requests} requests");
                Assert.True(result.Equal, $"seed {seed}, {shards} shards, duplicates {rate / 10.0}: {string.Join("; ", result.Differences.Concat(result.ViewDifferences).Take(5))}");
                Assert.Equal(ExpectedRows(options.Workload), result.SourceRows);
                Directory.Delete(lake, recursive: true);
            },
            iter: 12,
            threads: 1);
        Assert.Equal(12, runs);
    }

    [Fact]
    public async Task Pipeline_ReadmeShuffleExample_EndsInParity()
    {
        var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--count", "3000", "--duplicates", "0.5", "--shuffle", "--shards", "8", "--out", Lake);

        Assert.True(exit == 0, stderr + stdout);
        Assert.Matches(ParityLine(), stdout);
        Assert.Matches(@"requests \(redelivered\)\s*│\s*\d+ \([1-9]\d*\)", stderr);
    }

    [Fact]
    public async Task Parity_LakeThatDiffers_IsReportedColumnByColumn()
    {
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--count", "500", "--seed", "3", "--from", "2026-11-01T00:00:00Z", "--out", Lake);
        Assert.True(exit == 0, stderr);
        var contract = TableContract.LoadEmbedded();
        var source = new ChangeCapture(new WorkloadOptions { Count = 500, Seed = 3 }, "transactions", DateTimeOffset.MaxValue);
        var items = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await foreach (var (itemKey, image) in source.FinalState(CancellationToken.None))
        {
            items[itemKey] = image;
        }

        using var lake = LakeDatabase.Open(new LakePaths(Lake, "analytics", "transactions"), contract, TemplateFacts.LoadEmbedded().ChangeLogProjection);
        var key = items.Keys.Order(StringComparer.Ordinal).First();
        var (sourceRows, none) = await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), lake, "transactions", CancellationToken.None);
        Assert.Equal(items.Count, sourceRows);
        Assert.Empty(none);

        var changed = $"(SELECT * REPLACE (CASE WHEN transaction_id = '{key}' THEN amount + 0.01 ELSE amount END AS amount) FROM transactions)";
        Assert.Equal([$"{key}.amount: source {Amount(items[key])}, lake {Amount(items[key]) + 0.01m}"], (await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), lake, changed, CancellationToken.None)).Differences);

        var nested = $"(SELECT * REPLACE (CASE WHEN transaction_id = '{key}' THEN {{'velocity_check': 'TAMPERED', 'amount_threshold': fraud_indicators.amount_threshold, 'location_risk': fraud_indicators.location_risk, 'pattern_match': fraud_indicators.pattern_match}} ELSE fraud_indicators END AS fraud_indicators) FROM transactions)";
        var difference = Assert.Single((await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), lake, nested, CancellationToken.None)).Differences);
        Assert.StartsWith($"{key}.fraud_indicators.velocity_check: source ", difference, StringComparison.Ordinal);
        Assert.EndsWith(", lake TAMPERED", difference, StringComparison.Ordinal);

        var missing = $"(SELECT * FROM transactions WHERE transaction_id <> '{key}')";
        Assert.Equal([$"{key}: in the source but not in the lake"], (await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), lake, missing, CancellationToken.None)).Differences);

        var doubled = $"(SELECT * FROM transactions UNION ALL SELECT * FROM transactions WHERE transaction_id = '{key}')";
        Assert.Equal([$"{key}: more than one row in the lake"], (await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), lake, doubled, CancellationToken.None)).Differences);

        var stranger = "(SELECT * REPLACE ('txn_not_in_the_source' AS transaction_id) FROM transactions LIMIT 1)";
        var strangers = (await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), lake, $"(SELECT * FROM transactions UNION ALL SELECT * FROM {stranger})", CancellationToken.None)).Differences;
        Assert.Equal(["txn_not_in_the_source: in the lake but not in the source"], strangers);

        // A number is compared as a number, whatever its spelling in the item: 12345E-2 is the lake's 123.45.
        var respelled = items.Select(i => i.Key != key ? i : new KeyValuePair<string, byte[]>(i.Key, System.Text.Encoding.UTF8.GetBytes(
            System.Text.Encoding.UTF8.GetString(i.Value).Replace($"\"amount\":{{\"N\":\"{Amount(i.Value).ToString(CultureInfo.InvariantCulture)}\"}}", $"\"amount\":{{\"N\":\"{(long)(Amount(i.Value) * 100)}E-2\"}}", StringComparison.Ordinal))));
        Assert.Contains("E-2", System.Text.Encoding.UTF8.GetString(respelled.First(i => i.Key == key).Value), StringComparison.Ordinal);
        Assert.Empty((await Parity.CompareAsync(contract, respelled.ToAsyncEnumerable(), lake, "transactions", CancellationToken.None)).Differences);

        // Cut into slices of keys, as a large lake is, the comparison finds the same.
        var (slicedRows, slicedNone) = await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), lake, "transactions", CancellationToken.None, sliceRows: 50);
        Assert.Equal(items.Count, slicedRows);
        Assert.Empty(slicedNone);
        Assert.Equal([$"{key}: in the source but not in the lake"], (await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), lake, missing, CancellationToken.None, sliceRows: 50)).Differences);
        Assert.Equal(["txn_not_in_the_source: in the lake but not in the source"], (await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), lake, $"(SELECT * FROM transactions UNION ALL SELECT * FROM {stranger})", CancellationToken.None, sliceRows: 50)).Differences);
    }

    [Fact]
    public void Parity_SliceOfAKey_IsTheSameInDotNetAndInDuckDb()
    {
        string[] keys = ["txn_0123456789abcdef", "", "ключ", "🔑 key", "a'b", .. Enumerable.Range(0, 500).Select(i => $"txn_{i:x8}")];
        using var connection = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Parity.SliceSql("k")} FROM (VALUES {string.Join(", ", keys.Select(k => $"('{k.Replace("'", "''", StringComparison.Ordinal)}')"))}) AS t(k)";
        using var reader = command.ExecuteReader();
        var inDuckDb = new List<int>();
        while (reader.Read())
        {
            inDuckDb.Add(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture));
        }

        Assert.Equal(keys.Select(Parity.SliceOf), inDuckDb);
        Assert.True(inDuckDb.Distinct().Count() > 200); // the slices spread the keys
    }

    [Fact]
    public async Task ViewParity_ChangeLogMissingAFile_IsReported()
    {
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--count", "500", "--seed", "6", "--from", "2026-11-01T00:00:00Z", "--out", Lake);
        Assert.True(exit == 0, stderr);
        var contract = TableContract.LoadEmbedded();
        var source = new ChangeCapture(new WorkloadOptions { Count = 500, Seed = 6 }, "transactions", DateTimeOffset.MaxValue);
        Parity.Relation[] relations = [Parity.Relation.Table("transactions"), Parity.CurrentView(contract)];
        using (var before = LakeDatabase.Open(new LakePaths(Lake, "analytics", "transactions"), contract, TemplateFacts.LoadEmbedded().ChangeLogProjection))
        {
            var (_, none) = await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), before, relations, 1_000, CancellationToken.None);
            Assert.All(none, Assert.Empty);
        }

        File.Delete(Directory.GetFiles(Path.Combine(Lake, "s3", "changes"), "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First());

        using var after = LakeDatabase.Open(new LakePaths(Lake, "analytics", "transactions"), contract, TemplateFacts.LoadEmbedded().ChangeLogProjection);
        var (_, differences) = await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), after, relations, 1_000, CancellationToken.None);
        Assert.Empty(differences[0]);
        Assert.NotEmpty(differences[1]);
        Assert.All(differences[1].Where(d => d != "…"), d => Assert.Matches(@"^txn_[0-9a-f]{32}(: in the source but not in the lake|\.[a-z_.]+: source .*, lake .*)$", d));

        // Cut into slices of keys, as a large lake is, the comparison finds the same.
        var (_, sliced) = await Parity.CompareAsync(contract, source.FinalState(CancellationToken.None), after, relations, 1_000, CancellationToken.None, sliceRows: 100);
        Assert.Equal(differences, sliced);
    }

    [Fact]
    public async Task Query_ReadsTheChangeLogThroughTheTemplatesProjection_LikeAthena()
    {
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--count", "300", "--seed", "4", "--out", Lake);
        Assert.True(exit == 0, stderr);
        var contract = TableContract.LoadEmbedded();
        var paths = new LakePaths(Lake, "analytics", "transactions");

        // A file in a folder Athena never projects (a region the contract does not declare) is not read, and the query says so.
        var stray = Path.Combine(Lake, "s3", "changes", "region_partition=mars-north-1", "year=2026", "month=11", "day=01", "hour_partition=00");
        Directory.CreateDirectory(stray);
        File.Copy(Directory.GetFiles(Path.Combine(Lake, "s3", "changes"), "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First(), Path.Combine(stray, "stray.parquet"));
        var (queryExit, csv, queryError) = await CliRun.Run("query", "SELECT count(*) AS n, count(DISTINCT region_partition) AS regions FROM transactions_changes WHERE region_partition = 'mars-north-1'", "--lake", Lake, "--csv");
        Assert.True(queryExit == 0, queryError);
        Assert.Equal("n,regions\n0,0", csv.Trim().ReplaceLineEndings("\n"));
        Assert.Contains("warning: 1 change-log files lie outside the partitions the template's projection names", queryError, StringComparison.Ordinal);

        // A template whose Glue table has no projection: Athena would see no partitions, and neither does the local query.
        var template = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "serverless.template")))!;
        var parameters = template["Resources"]!["ChangeLogTable"]!["Properties"]!["TableInput"]!["Parameters"]!.AsObject();
        foreach (var key in parameters.Select(p => p.Key).Where(k => k != "classification").ToList())
        {
            parameters.Remove(key);
        }

        var error = Assert.Throws<PipelineException>(() => LakeDatabase.Open(paths, contract, TemplateFacts.From(template).ChangeLogProjection));
        Assert.Contains("no partition projection", error.Message, StringComparison.Ordinal);

        // A projection whose location template does not match Firehose's prefix finds no files at all.
        parameters["projection.enabled"] = "true";
        foreach (var (column, type, values) in new[] { ("region_partition", "enum", "us-east-1"), ("year", "integer", "2026,2030"), ("month", "integer", "1,12"), ("day", "integer", "1,31"), ("hour_partition", "integer", "0,23") })
        {
            parameters[$"projection.{column}.type"] = type;
            parameters[type == "enum" ? $"projection.{column}.values" : $"projection.{column}.range"] = values;
        }

        parameters["storage.location.template"] = "s3://bucket/changes/${year}/${month}/${day}/${hour_partition}/${region_partition}/";
        var unmatched = Assert.Throws<PipelineException>(() => LakeDatabase.Open(paths, contract, TemplateFacts.From(template).ChangeLogProjection));
        Assert.Contains("lies in a partition that the template's projection names", unmatched.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NamedQueries_GiveTheAggregatesOfTheSourceTable()
    {
        var options = new WorkloadOptions { Count = 2000, Seed = 8 };
        var (exit, _, stderr) = await CliRun.Run("pipeline", "--count", "2000", "--seed", "8", "--from", "2026-11-01T00:00:00Z", "--out", Lake);
        Assert.True(exit == 0, stderr);

        var (queryExit, csv, queryError) = await CliRun.Run("query", "--name", "hourly-pattern", "--lake", Lake, "--csv");

        Assert.True(queryExit == 0, queryError);
        var lines = csv.Trim().Split('\n');
        Assert.Equal("hour,transactions,total_amount,average_amount,high_risk,declined", lines[0]);
        var expected = FinalItems(options)
            .GroupBy(i => int.Parse(i["hour"].N, CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key)
            .Select(g => $"{g.Key},{g.Count()},{g.Sum(i => decimal.Parse(i["amount"].N, CultureInfo.InvariantCulture)).ToString("0.00", CultureInfo.InvariantCulture)}");
        Assert.Equal(expected, lines.Skip(1).Select(l => string.Join(',', l.Split(',').Take(2)) + "," + decimal.Parse(l.Split(',')[2], CultureInfo.InvariantCulture).ToString("0.00", CultureInfo.InvariantCulture)));

        var (_, money, _) = await CliRun.Run("query", "SELECT CAST(10.5 AS DECIMAL(12,2)) AS amount", "--lake", Lake, "--csv");
        Assert.Equal("amount\n10.50", money.Trim()); // money keeps its scale on screen

        var (riskExit, table, _) = await CliRun.Run("query", "--name", "risk-by-region", "--lake", Lake);
        Assert.Equal(0, riskExit);
        Assert.Contains("merchant_category", table, StringComparison.Ordinal);
        Assert.Contains("us-east-1", table, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--duplicates", "2", "--duplicates must be between 0 and 1")]
    [InlineData("--shards", "0", "--shards must be between 1 and 64")]
    [InlineData("--count", "0", "count must be between 1")]
    [InlineData("--endpoint", "nope", "--endpoint must be an http(s) URL")]
    public async Task Pipeline_BadFlag_ExitsTwoNamingIt(string flag, string value, string problem)
    {
        var (exit, _, stderr) = await CliRun.Run("pipeline", flag, value, "--out", Lake);

        Assert.Equal(2, exit);
        Assert.Contains(problem, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_WithoutALake_ExitsOneSayingToRunThePipeline()
    {
        var (exit, _, stderr) = await CliRun.Run("query", "--name", "risk-by-region", "--lake", Lake);

        Assert.Equal(1, exit);
        Assert.Contains("run the pipeline first", stderr, StringComparison.Ordinal);
    }

    private static decimal Amount(byte[] item)
    {
        using var document = System.Text.Json.JsonDocument.Parse(item);
        return decimal.Parse(document.RootElement.GetProperty("amount").GetProperty("N").GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>The table after the workload and TTL expiries, made from the generator alone (not from the pipeline).</summary>
    private static List<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>> FinalItems(WorkloadOptions options) =>
        TransactionGenerator.Items(options)
            .Where(w => !w.Delete && w.ExpiresAt is null)
            .Select(w => w.Update is null ? w.Item : new Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>(w.Item) { ["status"] = new() { S = w.Update.Status } })
            .ToList();

    private static int ExpectedRows(WorkloadOptions options) => FinalItems(options).Count;

    [GeneratedRegex(@"^parity: (?<rows>[\d,]+) rows, 0 differences$", RegexOptions.Multiline)]
    private static partial Regex ParityLine();
}
