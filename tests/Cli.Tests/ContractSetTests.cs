using System.Text.Json.Nodes;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>
/// A set of contracts on one stream in the workbench: several DynamoDB tables on one Kinesis stream, and
/// single-table design (entities of one table), each contract's rows in its own Iceberg table, each table
/// equal to its items.
/// </summary>
[Collection(UsesConsole.Name)]
public sealed class ContractSetTests : IDisposable
{
    private static readonly string[] s_twoTables = [Example("shop-orders.json"), Example("shop-customers.json")];

    private static readonly string[] s_singleTable = [Example("app-orders.json"), Example("app-customers.json"), Example("app-invoices.json")];

    private readonly TempFolder _temp = new("dynamolake-contract-set-");

    private string Lake => Path.Combine(_temp.Path, "lake");

    public void Dispose() => _temp.Dispose();

    private static string Example(string name) => Path.Combine(RepoPaths.Root, "examples", name);

    [Fact]
    public async Task TwoTablesOnOneStream_EndInParityPerTable_OverSeeds_AndEachTableIsInTheLake()
    {
        foreach (var seed in new[] { "1", "2", "3" })
        {
            var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--count", "800", "--seed", seed, "--duplicates", "0.3", "--shuffle", "--shards", "3", "--lake", Lake, "--contract", s_twoTables[0], "--contract", s_twoTables[1], "--force");

            Assert.True(exit == 0, $"seed {seed}: {stderr}{stdout}");
            var lines = stdout.TrimEnd('\n').Split('\n');
            Assert.Equal(2, lines.Length); // one parity line per table, and no view (a set has no S3 path)
            Assert.Matches(@"^parity \(shop_orders\): [1-9][\d,]* rows, 0 differences$", lines[0]);
            Assert.Matches(@"^parity \(shop_customers\): [1-9][\d,]* rows, 0 differences$", lines[1]);
        }

        // Both tables are in place in the lake, each with its own columns.
        var (ordersExit, orders, _) = await CliRun.Run("query", "SELECT count(*) AS n, count(DISTINCT customer_id) > 0 AS customers FROM shop_orders", "--lake", Lake, "--contract", s_twoTables[0], "--format", "csv");
        var (customersExit, customers, _) = await CliRun.Run("query", "SELECT count(*) AS n, count(email) > 0 AS emails FROM shop_customers", "--lake", Lake, "--contract", s_twoTables[1], "--format", "csv");
        Assert.Equal((0, 0), (ordersExit, customersExit));
        Assert.Matches(@"^n,customers\n[1-9]\d*,true\n$", orders);
        Assert.Matches(@"^n,emails\n[1-9]\d*,true\n$", customers);
    }

    [Fact]
    public async Task SingleTableDesign_EndsInParityPerEntity_OverSeeds()
    {
        foreach (var seed in new[] { "4", "5" })
        {
            var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--count", "600", "--seed", seed, "--duplicates", "0.2", "--shuffle", "--lake", Lake, "--contract", string.Join(',', s_singleTable), "--force");

            Assert.True(exit == 0, $"seed {seed}: {stderr}{stdout}");
            Assert.Equal(
                ["app_orders", "app_customers", "app_invoices"],
                stdout.TrimEnd('\n').Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^parity \((\w+)\): [1-9][\d,]* rows, 0 differences$").Groups[1].Value));
        }
    }

    [Fact]
    public async Task ASetWhereTwoContractsCouldTakeOneItem_OrAVerbOfOneContract_FailsSayingWhy()
    {
        // Two contracts of one table without entities: no rule says which takes an item.
        var orders = Path.Combine(_temp.Path, "a.json");
        var other = Path.Combine(_temp.Path, "b.json");
        foreach (var (file, table) in new[] { (orders, "a_orders"), (other, "b_orders") })
        {
            var contract = JsonNode.Parse(File.ReadAllText(Example("app-orders.json")))!.AsObject();
            contract["table"] = table;
            contract.Remove("source");
            File.WriteAllText(file, contract.ToJsonString());
        }

        var (exit, _, stderr) = await CliRun.Run("pipeline", "--count", "10", "--lake", Lake, "--contract", orders, "--contract", other);
        Assert.Equal(1, exit);
        Assert.Contains("both read any table", stderr, StringComparison.Ordinal);
        Assert.Contains("source.entity", stderr, StringComparison.Ordinal);

        var (queryExit, _, queryError) = await CliRun.Run("contract", "view", "--contract", string.Join(',', s_twoTables));
        Assert.Equal(1, queryExit);
        Assert.Contains("--contract names 2 files (shop-orders.json, shop-customers.json); this reads one contract", queryError, StringComparison.Ordinal);

        var (endpointExit, _, endpointError) = await CliRun.Run("pipeline", "--endpoint", "http://127.0.0.1:5999", "--lake", Lake, "--contract", string.Join(',', s_twoTables));
        Assert.Equal(2, endpointExit);
        Assert.Contains("--endpoint runs one contract", endpointError, StringComparison.Ordinal);

        var (invokeExit, _, invokeError) = await CliRun.Run("invoke", "partition-keys", Path.Combine(RepoPaths.Root, "events", "kinesis-insert.json"), "--contract", string.Join(',', s_twoTables));
        Assert.Equal(2, invokeExit);
        Assert.Contains("partition-keys reads one contract, and --contract names 2", invokeError, StringComparison.Ordinal);
    }
}
