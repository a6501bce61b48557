using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>contract infer against moto: a table with a composite key, TTL and every attribute type, live and as an export.</summary>
[Collection(UsesConsole.Name)]
public sealed class ContractInferTests(MotoFixture moto) : IClassFixture<MotoFixture>, IDisposable
{
    private const int Items = 60;
    private readonly TempFolder _temp = new("dynamolake-infer-");

    public void Dispose() => _temp.Dispose();

    private static readonly string[] s_statuses = ["PLACED", "SHIPPED", "RETURNED"];

    /// <param name="mixed">Whether items carry an attribute of two types (whose minority fails the inferred contract's conversion).</param>
    private async Task<string> CreateTableAsync(bool mixed = true)
    {
        var table = $"orders-{Guid.NewGuid():N}";
        using var client = new AmazonDynamoDBClient(new Amazon.Runtime.BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = moto.Server.Endpoint.ToString(), AuthenticationRegion = "us-east-1" });
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            KeySchema = [new("pk", KeyType.HASH), new("sk", KeyType.RANGE)],
            AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.N)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
            StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.NEW_AND_OLD_IMAGES },
        });
        await client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest { TableName = table, TimeToLiveSpecification = new() { AttributeName = "expires", Enabled = true } });
        for (var i = 0; i < Items; i++)
        {
            var item = new Dictionary<string, AttributeValue>
            {
                ["pk"] = new() { S = $"CUST#{i % 7}" },
                ["sk"] = new() { N = (1000 + i).ToString(CultureInfo.InvariantCulture) },
                ["amount"] = new() { N = i % 2 == 0 ? $"{i}.5" : $"123456.{i % 10}{i % 3}0" },
                ["qty"] = new() { N = (i * 3).ToString(CultureInfo.InvariantCulture) },
                ["placed_at"] = new() { S = $"2026-11-{1 + (i % 28):D2}T10:{i % 60:D2}:00Z" },
                ["ship_date"] = new() { S = $"2026-12-{1 + (i % 28):D2}" },
                ["status"] = new() { S = s_statuses[i % 3] },
                ["gift"] = new() { BOOL = i % 4 == 0 },
                ["address"] = new() { M = new() { ["city"] = new() { S = "Lyon" + i }, ["zip"] = new() { S = $"{69000 + i}" } } },
                ["tags"] = new() { SS = [$"t{i}", "all"] },
                ["lines"] = new() { L = [new() { M = new() { ["sku"] = new() { S = "SKU" + i }, ["price"] = new() { N = "9.99" } } }] },
                ["blob"] = new() { B = new MemoryStream([1, 2, (byte)i]) },
                ["OrderChannel"] = new() { S = "web-" + i },
                ["mixed"] = i % 5 == 0 ? new() { N = "5" } : new() { S = "five" },
            };
            if (!mixed)
            {
                item.Remove("mixed");
            }

            if (i % 2 == 0)
            {
                item["note"] = new() { S = "leave at the door " + i };
                item["expires"] = new() { N = (1_800_000_000 + i).ToString(CultureInfo.InvariantCulture) };
            }

            await client.PutItemAsync(table, item);
        }

        return table;
    }

    private static Dictionary<string, JsonObject> Columns(JsonObject contract) =>
        contract["columns"]!.AsArray().Select(c => c!.AsObject()).ToDictionary(c => c["name"]!.GetValue<string>());

    [RequiresServerFact(LocalServers.Moto)]
    public async Task Infer_FromALiveTable_ReadsKeyTtlAndEveryTypeWithNotes_AndListsTheAmbiguousChoices()
    {
        var table = await CreateTableAsync();

        var (exit, stdout, stderr) = await CliRun.Run("contract", "infer", "--endpoint", moto.Server.Endpoint.ToString(), "--table", table, "--sample", "1000");

        Assert.True(exit == 0, stderr);
        var parsed = TableContract.Parse(Encoding.UTF8.GetBytes(stdout), "inferred.json"); // it loads
        Assert.Equal(["pk", "sk"], parsed.UniqueKey.Select(c => c.Name));
        Assert.Equal("expires", parsed.TimeToLive?.Name);
        var contract = JsonNode.Parse(stdout)!.AsObject();
        var columns = Columns(contract);
        Assert.Equal("string", columns["pk"]["type"]!.GetValue<string>());
        Assert.Equal("long", columns["sk"]["type"]!.GetValue<string>());
        Assert.Equal("decimal(8,2)", columns["amount"]["type"]!.GetValue<string>());
        Assert.Equal($"Inferred: in {Items} of {Items} items; up to 8 digits, 2 after the point.", columns["amount"]["doc"]!.GetValue<string>());
        Assert.Equal("long", columns["qty"]["type"]!.GetValue<string>());
        Assert.Equal(("timestamptz", "iso8601"), (columns["placed_at"]["type"]!.GetValue<string>(), columns["placed_at"]["sourceUnit"]!.GetValue<string>()));
        Assert.Equal("date", columns["ship_date"]["type"]!.GetValue<string>());
        Assert.Equal(s_statuses.Order(StringComparer.Ordinal), columns["status"]["values"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("boolean", columns["gift"]["type"]!.GetValue<string>());
        Assert.Equal("binary", columns["blob"]["type"]!.GetValue<string>());
        Assert.Equal(["city", "zip"], columns["address"]["type"]!["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.Equal("string", columns["tags"]["type"]!["element"]!.GetValue<string>());
        Assert.Equal("struct", columns["lines"]["type"]!["element"]!["type"]!.GetValue<string>());
        Assert.Equal("OrderChannel", columns["order_channel"]["source"]!.GetValue<string>());
        Assert.Equal(("timestamptz", "seconds"), (columns["expires"]["type"]!.GetValue<string>(), columns["expires"]["sourceUnit"]!.GetValue<string>()));

        // required only when in every item; the key always.
        Assert.True(columns["amount"]["required"]!.GetValue<bool>());
        Assert.Null(columns["note"]["required"]);
        Assert.Equal($"Inferred: in {Items / 2} of {Items} items; more than 12 distinct strings.", columns["note"]["doc"]!.GetValue<string>());

        // Nothing decided silently: the attribute of two types, the values offered, the ISO strings.
        Assert.Contains($"mixed: holds N in {Items / 5}, S in {Items - (Items / 5)}; declared for S", stderr, StringComparison.Ordinal);
        Assert.Contains("status: only 3 distinct values", stderr, StringComparison.Ordinal);
        Assert.Contains("placed_at: every string is an ISO-8601 time", stderr, StringComparison.Ordinal);
        Assert.Contains($"inferred from {Items} items of the table {table}: key pk + sk, TTL expires;", stderr, StringComparison.Ordinal);
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task Infer_FromAnExport_GivesTheLiveTablesColumns()
    {
        var table = await CreateTableAsync();
        var export = Path.Combine(_temp.Path, "orders.json.gz");
        var endpoint = moto.Server.Endpoint.ToString();
        Assert.Equal(0, (await CliRun.Run("export", "--endpoint", endpoint, "--table", table, "--file", export)).Exit);

        var (exit, fromExport, stderr) = await CliRun.Run("contract", "infer", "--from-export", export, "--key", "pk,sk", "--ttl", "expires", "--table", table);
        var (_, live, _) = await CliRun.Run("contract", "infer", "--endpoint", endpoint, "--table", table);

        Assert.True(exit == 0, stderr);
        var exported = JsonNode.Parse(fromExport)!.AsObject();
        var scanned = JsonNode.Parse(live)!.AsObject();
        Assert.Equal(scanned["columns"]!.ToJsonString(), exported["columns"]!.ToJsonString());
        Assert.Equal(scanned["uniqueKey"]!.ToJsonString(), exported["uniqueKey"]!.ToJsonString());
        Assert.Equal("expires", exported["timeToLive"]!.GetValue<string>());
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task AnInferredContract_RunsThePipelineAgainstItsTable_ToParity()
    {
        // A table with a composite key, TTL, every scalar type, maps, a string set and a list of maps: infer its
        // contract, then seed it with that contract's workload, read its stream and compare the lake with a Scan.
        var table = await CreateTableAsync(mixed: false);
        var endpoint = moto.Server.Endpoint.ToString();
        var contract = Path.Combine(_temp.Path, "orders.json");
        var (inferred, _, inferErrors) = await CliRun.Run("contract", "infer", "--endpoint", endpoint, "--table", table, "--out", contract);
        Assert.True(inferred == 0, inferErrors);

        var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--endpoint", endpoint, "--table", table, "--contract", contract, "--count", "300", "--duplicates", "0.3", "--shuffle", "--lake", Path.Combine(_temp.Path, "lake"));

        Assert.True(exit == 0, stderr + stdout);
        Assert.Matches(@"^parity: [\d,]+ rows, 0 differences$", stdout.Split('\n')[0]);
        Assert.Contains($"seeded '{table}': 300 written", stderr, StringComparison.Ordinal);
        Assert.Matches(@"read [\d,]+ change records", stderr); // the items that were there, and the workload's
    }

    [Theory]
    [InlineData(new[] { "contract", "infer" }, "give --table (a live table) or --from-export PATH.")]
    [InlineData(new[] { "contract", "infer", "--from-export", "x.json" }, "--from-export needs --key")]
    [InlineData(new[] { "contract", "infer", "--table", "t", "--key", "pk" }, "--key is for --from-export")]
    public async Task Infer_WithoutASource_IsAUsageError(string[] args, string message)
    {
        var (exit, _, stderr) = await CliRun.Run(args);

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
