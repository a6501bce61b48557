using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>--contract FILE on every verb: the verb and the functions it runs read the user's file, the way the functions read CONTRACT in Lambda.</summary>
[Collection(UsesConsole.Name)]
public sealed class ContractFlagTests : IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-contract-flag-");

    private string Lake => Path.Combine(_temp.Path, "lake");

    public void Dispose() => _temp.Dispose();

    /// <summary>The sample contract changed by <paramref name="change"/>, written to a file of the test's folder.</summary>
    private string Contract(string name, Action<JsonObject> change)
    {
        var contract = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "schema", "transactions.json")))!.AsObject();
        change(contract);
        var file = Path.Combine(_temp.Path, name);
        File.WriteAllText(file, contract.ToJsonString());
        return file;
    }

    private static void AddLoyaltyTier(JsonObject contract) =>
        contract["columns"]!.AsArray().Insert(2, new JsonObject { ["name"] = "loyalty_tier", ["type"] = "string" });

    private static void DropMerchantCategory(JsonObject contract)
    {
        var columns = contract["columns"]!.AsArray();
        columns.Remove(columns.Single(c => c!["name"]!.GetValue<string>() == "merchant_category"));
    }

    [Fact]
    public async Task ContractGlueColumns_PrintsTheGivenContracts()
    {
        var file = Contract("mine.json", AddLoyaltyTier);

        var (exit, stdout, _) = await CliRun.Run("contract", "glue-columns", "--contract", file);
        var (_, sample, _) = await CliRun.Run("contract", "glue-columns");

        Assert.Equal(0, exit);
        Assert.Contains("\"loyalty_tier\"", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("loyalty_tier", sample, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("contract", "view")]
    [InlineData("provision", "--print-request")]
    [InlineData("query", "SELECT 1")]
    public async Task AMissingOrInvalidContract_FailsNamingTheFile(string verb, string argument)
    {
        var missing = Path.Combine(_temp.Path, "missing.json");
        var broken = Contract("broken.json", c => c["columns"]![0]!.AsObject().Remove("type"));

        var (exitMissing, _, stderrMissing) = await CliRun.Run(verb == "query" ? [verb, argument, "--contract", missing, "--lake", Lake] : [verb, argument, "--contract", missing]);
        var (exitBroken, _, stderrBroken) = verb == "query" ? (1, "", "") : await CliRun.Run(verb, argument, "--contract", broken);

        Assert.Equal(1, exitMissing);
        Assert.Contains($"{missing}: cannot read the table contract", stderrMissing, StringComparison.Ordinal);
        Assert.Equal(1, exitBroken);
        if (verb != "query")
        {
            Assert.Contains($"{broken}: column 'transaction_id': \"type\" is missing", stderrBroken, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Template_ForTheSample_PrintsTheCheckedInTemplate_AndForAnotherContractItsOwn()
    {
        var file = Contract("orders.json", c =>
        {
            c["table"] = "orders";
            c["columns"]![0]!["name"] = "order_id";
            c["uniqueKey"] = new JsonArray("order_id");
        });

        var (exit, sample, _) = await CliRun.Run("template");
        var (ordersExit, orders, stderr) = await CliRun.Run("template", "--contract", file);

        Assert.Equal(0, exit);
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "serverless.template")), sample);
        Assert.Equal(0, ordersExit);
        Assert.Contains("\"AttributeName\": \"order_id\"", orders, StringComparison.Ordinal);
        Assert.Contains("\"CONTRACT\": \"contracts/orders.json\"", orders, StringComparison.Ordinal);
        Assert.Contains("put orders.json in the repository's schema/ folder", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_TheFunctionReadsTheGivenContract()
    {
        var file = Contract("narrow.json", DropMerchantCategory);
        var insert = Path.Combine(RepoPaths.Root, "events", "kinesis-insert.json");

        var (exit, narrow, _) = await CliRun.Run("invoke", "transform", insert, "--contract", file);
        var (_, sample, _) = await CliRun.Run("invoke", "transform", insert);

        Assert.Equal(0, exit);
        Assert.All(Rows(narrow), row => Assert.False(row.ContainsKey("merchant_category")));
        Assert.All(Rows(sample), row => Assert.True(row.ContainsKey("merchant_category")));
    }

    [Fact]
    public async Task Pipeline_WithTheUsersContract_EndsInParity()
    {
        var file = Contract("mine.json", AddLoyaltyTier);

        var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--count", "1500", "--seed", "5", "--lake", Lake, "--contract", file);
        var (queryExit, rows, _) = await CliRun.Run("query", "SELECT count(*) AS n FROM transactions WHERE loyalty_tier IS NULL", "--lake", Lake, "--contract", file, "--format", "csv");

        Assert.True(exit == 0, stderr);
        Assert.Contains("parity", stdout + stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, queryExit);
        Assert.Matches(@"n\s+[1-9]", rows);
    }

    [Fact]
    public async Task Pipeline_ACompositeKey_EndsInParity_OverSeeds_AndDifferencesNameBothKeyParts()
    {
        // examples/customer-orders.json: a partition key and a sort key (up to four items per partition key), lists, sets and lists of maps.
        var contract = Path.Combine(RepoPaths.Root, "examples", "customer-orders.json");
        foreach (var seed in new[] { "4", "5" })
        {
            var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--count", "1200", "--seed", seed, "--duplicates", "0.3", "--shuffle", "--lake", Lake, "--contract", contract, "--force");

            Assert.True(exit == 0, $"seed {seed}: {stderr}{stdout}");
            Assert.Matches(@"^parity: [\d,]+ rows, 0 differences$", stdout.Split('\n')[0]);
            Assert.Equal("view parity (S3 change log, customer_orders_current): 0 differences", stdout.Split('\n')[1]);
        }

        // Lists, sets and lists of maps are in the lake (parity compared them above); binaries print as base64.
        var (queryExit, rows, queryErrors) = await CliRun.Run("query", "SELECT count(*) FILTER (WHERE len(line_items) > 1) AS line_items, count(*) FILTER (WHERE len(tags) > 1) AS tags, max(thumbnails[1]) AS thumbnail FROM customer_orders WHERE len(thumbnails) > 0", "--lake", Lake, "--contract", contract, "--format", "csv");
        Assert.True(queryExit == 0, queryErrors);
        Assert.Matches(@"^line_items,tags,thumbnail\n[1-9]\d*,[1-9]\d*,[A-Za-z0-9+/]+=*\n$", rows);

        // A REMOVE with only its Keys (DynamoDB Streams' NEW_IMAGE view) fails in a day-partitioned table, and
        // the row stays: parity names the row by both parts of its key.
        var (failed, report, details) = await CliRun.Run("pipeline", "--count", "400", "--stream-view", "NEW_IMAGE", "--lake", Lake, "--contract", contract, "--force");
        Assert.Equal(1, failed);
        Assert.Matches(@"difference: customer_orders#\d{8} \| \d: in the lake but not in the source", report + details);
    }

    [Fact]
    public async Task Pipeline_AnotherTablesContract_RunsItsOwnWorkload_ToParity_OverSeeds()
    {
        // examples/orders.json: every column type and time unit, a nested struct, decimal(38,10) and decimal(4,4), TTL, a day partition.
        var contract = Path.Combine(RepoPaths.Root, "examples", "orders.json");
        foreach (var seed in new[] { "1", "2", "3" })
        {
            var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--count", "1200", "--seed", seed, "--duplicates", "0.3", "--shuffle", "--shards", "3", "--lake", Lake, "--contract", contract, "--force");

            Assert.True(exit == 0, $"seed {seed}: {stderr}{stdout}");
            Assert.Matches(@"^parity: [\d,]+ rows, 0 differences$", stdout.Split('\n')[0]);
            Assert.Equal("view parity (S3 change log, orders_current): 0 differences", stdout.Split('\n')[1]);
        }

        // The query prints a decimal(38,10) exactly: the workload's largest value, all 38 nines.
        var (queryExit, rows, _) = await CliRun.Run("query", "SELECT max(total) AS largest, count(*) AS n FROM orders", "--lake", Lake, "--contract", contract, "--format", "csv");
        Assert.Equal(0, queryExit);
        Assert.Matches(@"^largest,n\n9999999999999999999999999999\.9999999999,[1-9][0-9]*\n$", rows);
    }

    private static List<JsonObject> Rows(string response)
    {
        using var document = JsonDocument.Parse(response);
        return document.RootElement.GetProperty("records").EnumerateArray()
            .Where(r => r.GetProperty("result").GetString() == "Ok")
            .Select(r => JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(r.GetProperty("data").GetString()!)))!.AsObject())
            .ToList();
    }
}
