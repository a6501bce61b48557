using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using DynamoLake.Aws;
using DynamoLake.Local.Pipeline;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>
/// verify against moto (DynamoDB, S3, Kinesis) and the Athena stand-in over the lake a pipeline run made from
/// the same moto table: equal, then each kind of difference, changes in flight, and the expected failures.
/// </summary>
[Collection(UsesConsole.Name)]
public sealed class VerifyTests(MotoFixture moto) : IClassFixture<MotoFixture>, IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-verify-");

    private string Lake => Path.Combine(_temp.Path, "lake");
    private readonly string _table = $"verify-{Guid.NewGuid():N}";
    private readonly string _bucket = $"verify-results-{Guid.NewGuid():N}"[..40];

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_ATHENA", null);
        _temp.Dispose();
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task Verify_AfterThePipeline_IsEqual_ThenReportsExactlyWhatChanged_AndTellsChangesInFlight()
    {
        using var athena = await PipelineAndAthenaAsync();
        using var dynamo = Seeder.DynamoDbClients.Create(moto.Server.Endpoint, "us-east-1");
        var keys = (await dynamo.ScanAsync(new ScanRequest { TableName = _table })).Items.Select(i => i["transaction_id"].S).Order(StringComparer.Ordinal).ToList();

        // Equal: table and view, nothing in flight, and nothing left in the results bucket.
        var (exit, stdout, stderr) = await VerifyAsync(athena);
        Assert.True(exit == 0, stderr + stdout);
        Assert.Matches(@"\nparity: [\d,]+ rows, 0 differences \(changes in flight not checked: give --stream or --stack\)\n$", "\n" + stdout);
        Assert.Contains("\"awsdatacatalog\".\"lake_changes\".\"transactions_current\": 0 differences\n", stdout, StringComparison.Ordinal);
        Assert.Equal(keys.Count, int.Parse(Regex.Match(stdout, @"parity: ([\d,]+) rows").Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, athena.Started.Count(q => q.StartsWith("UNLOAD (SELECT ", StringComparison.Ordinal)));
        Assert.All(athena.SignedFor, service => Assert.Equal("athena", service));
        Assert.Empty(await ObjectsAsync());

        // The same amount respelled (12.5 → 12.50) is no difference; a third decimal place is, on both relations,
        // and its values stay hidden unless asked for.
        var (respelled, changed) = (keys[0], keys[1]);
        var respelledAmount = await AmountAsync(dynamo, respelled);
        var changedAmount = await AmountAsync(dynamo, changed);
        await SetAmountAsync(dynamo, respelled, respelledAmount.Contains('.', StringComparison.Ordinal) ? respelledAmount + "0" : respelledAmount + ".000");
        var changedTo = decimal.Parse(changedAmount, System.Globalization.CultureInfo.InvariantCulture) + 0.005m;
        await SetAmountAsync(dynamo, changed, changedTo.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (exit, stdout, stderr) = await VerifyAsync(athena);
        Assert.True(exit == 1, stderr + stdout);
        Assert.Equal(2, Regex.Count(stdout, $"  {changed}\\.amount: source \\(hidden\\), lake \\(hidden\\)\n"));
        Assert.DoesNotContain(respelled, stdout, StringComparison.Ordinal);
        Assert.EndsWith("parity: " + keys.Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " rows, 2 differences (changes in flight not checked: give --stream or --stack)\n", stdout, StringComparison.Ordinal);
        (exit, stdout, _) = await VerifyAsync(athena, "--show-values");
        Assert.Equal(1, exit);
        Assert.Contains($"  {changed}.amount: source {Normal(changedTo)}, lake {Normal(decimal.Parse(changedAmount, System.Globalization.CultureInfo.InvariantCulture))}\n", stdout, StringComparison.Ordinal);

        // The change reaches the Kinesis stream (as Kinesis Data Streams for DynamoDB carries it): in flight, not a difference.
        var stream = $"changes-{Guid.NewGuid():N}";
        await PutChangeAsync(stream, changed, create: true);
        (exit, stdout, stderr) = await VerifyAsync(athena, "--stream", stream, "--settle", "600");
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains($"in flight: 1 keys changed on '{stream}' within the settle window (600 s, --settle)", stdout, StringComparison.Ordinal);
        Assert.EndsWith("rows, 0 differences (1 in flight)\n", stdout, StringComparison.Ordinal);

        // A difference whose key the stream did not carry is still one, beside the key in flight.
        var other = keys[2];
        await SetAmountAsync(dynamo, other, (decimal.Parse(await AmountAsync(dynamo, other), System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        (exit, stdout, stderr) = await VerifyAsync(athena, "--stream", stream, "--settle", "600");
        Assert.True(exit == 1, stderr + stdout);
        Assert.Equal(2, Regex.Count(stdout, $"  {other}\\.amount: source \\(hidden\\), lake \\(hidden\\)\n"));
        Assert.DoesNotContain($"  {changed}.amount", stdout, StringComparison.Ordinal);
        Assert.EndsWith("rows, 2 differences (1 in flight)\n", stdout, StringComparison.Ordinal);
        await SetAmountAsync(dynamo, other, await LakeAmountAsync(other));

        // --wait checks again once the change is older than the settle window: the lake never caught up, so it is a difference.
        await PutChangeAsync(stream, changed, create: false);
        (exit, stdout, stderr) = await VerifyAsync(athena, "--stream", stream, "--settle", "15", "--wait", "90");
        Assert.True(exit == 1, stderr + stdout);
        Assert.Contains("1 keys in flight: checking again at", stderr, StringComparison.Ordinal);
        Assert.EndsWith("rows, 2 differences (0 in flight)\n", stdout, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(stdout, $"  {changed}\\.amount: source \\(hidden\\), lake \\(hidden\\)\n"));
        Assert.Empty(await ObjectsAsync());
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task Verify_ALakeRowDeleted_IsReportedOnTheTableOnly()
    {
        using var athena = await PipelineAndAthenaAsync();
        using var dynamo = Seeder.DynamoDbClients.Create(moto.Server.Endpoint, "us-east-1");
        var key = (await dynamo.ScanAsync(new ScanRequest { TableName = _table })).Items.Select(i => i["transaction_id"].S).Min(StringComparer.Ordinal)!;
        var paths = LakePaths.For(Lake, TemplateFacts.LoadEmbedded(), DynamoLake.Core.Contract.TableContract.LoadEmbedded());
        var rewritten = Path.Combine(Lake, "rewritten.parquet");
        using (var database = LakeDatabase.InMemory())
        {
            database.Execute($"COPY (SELECT * FROM read_parquet('{paths.IcebergGlob}', hive_partitioning = false) WHERE transaction_id <> '{key}') TO '{rewritten}' (FORMAT parquet)");
        }

        Directory.Delete(paths.Iceberg, recursive: true);
        Directory.CreateDirectory(paths.Iceberg);
        File.Move(rewritten, Path.Combine(paths.Iceberg, "data.parquet"));

        // A workgroup that enforces its own location keeps the queries' metadata there: verify removes that too.
        athena.Enforce = true;
        athena.WorkGroupOutputLocation = $"s3://{Bucket()}/workgroup/";
        var (exit, stdout, stderr) = await VerifyAsync(athena);

        Assert.True(exit == 1, stderr + stdout);
        Assert.Empty(await ObjectsAsync());
        Assert.Contains($"\"s3tablescatalog/dynamolake-lake\".\"analytics\".\"transactions\": 1 difference\n  {key}: in the source but not in the lake\n", stdout.Replace(" (0 in flight)", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("\"transactions_current\": 0 differences", stdout, StringComparison.Ordinal);
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task Verify_ExpectedFailures_SayWhatToChange()
    {
        Directory.CreateDirectory(Lake);
        using var athena = new AthenaStandIn(Lake, moto.Server.Endpoint);
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_ATHENA", athena.Endpoint.ToString());

        // No table.
        var (exit, _, stderr) = await VerifyAsync(athena);
        Assert.Equal(1, exit);
        Assert.Contains($"the DynamoDB table '{_table}' does not exist in us-east-1 at {moto.Server.Endpoint}: check --table (or --stack) and --region.", stderr, StringComparison.Ordinal);

        using var dynamo = Seeder.DynamoDbClients.Create(moto.Server.Endpoint, "us-east-1");
        await Seeder.TableSetup.CreateIfMissingAsync(dynamo, _table, DynamoLake.Core.Contract.TableContract.LoadEmbedded(), CancellationToken.None);

        // A workgroup without a result location, and no --results.
        (exit, _, stderr) = await CliRun.Run(Flags(athena, results: false));
        Assert.Equal(1, exit);
        Assert.Contains("the Athena workgroup 'primary' has no query result location: give --results s3://BUCKET/PREFIX/", stderr, StringComparison.Ordinal);

        // Access denied names the action.
        athena.Denied.Add("StartQueryExecution");
        (exit, _, stderr) = await VerifyAsync(athena);
        Assert.Equal(1, exit);
        Assert.Contains("athena:StartQueryExecution was denied (AccessDeniedException)", stderr, StringComparison.Ordinal);
        athena.Denied.Clear();

        // A query that fails says Athena's reason (here: the stand-in has no lake to read).
        (exit, _, stderr) = await VerifyAsync(athena);
        Assert.Equal(1, exit);
        Assert.Matches(@"error: the Athena query [0-9a-f-]+ ended FAILED: no lake at", stderr);

        // A query that runs too long is stopped, and the flag named.
        athena.NeverFinish = true;
        (exit, _, stderr) = await VerifyAsync(athena, "--query-timeout", "1");
        Assert.Equal(1, exit);
        Assert.Contains("still running after 1 s; it was stopped. Give it longer with --query-timeout SECONDS", stderr, StringComparison.Ordinal);
        Assert.Single(athena.Stopped);
        Assert.False(athena.Started.IsEmpty);
        Assert.Empty(await ObjectsAsync()); // the running UNLOAD's first file was written, then removed once the query was stopped

        // Nothing names what to verify.
        (exit, _, stderr) = await CliRun.Run("verify", "--endpoint", moto.Server.Endpoint.ToString());
        Assert.Equal(2, exit);
        Assert.Contains("give --stack NAME (a deployed DynamoLake stack), or --table and --catalog and --database", stderr, StringComparison.Ordinal);
    }

    // A pipeline run against moto (table, lake), a results bucket, and the stand-in over the lake.
    [RequiresServerFact(LocalServers.Moto)]
    public async Task Verify_ACompositeKeyTable_IsEqual_ThenNamesADifferenceByBothKeyParts()
    {
        // examples/customer-orders.json: a partition key and a sort key, decimal(38,10), a struct of structs.
        var contract = Path.Combine(RepoPaths.Root, "examples", "customer-orders.json");
        var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--endpoint", moto.Server.Endpoint.ToString(), "--table", _table, "--contract", contract, "--count", "150", "--seed", "5", "--out", Lake);
        Assert.True(exit == 0, stderr + stdout);
        using var athena = new AthenaStandIn(Lake, moto.Server.Endpoint, contract);
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_ATHENA", athena.Endpoint.ToString());

        (exit, stdout, stderr) = await CliRun.Run([.. Flags(athena, results: true), "--contract", contract]);
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("\"awsdatacatalog\".\"lake_changes\".\"customer_orders_current\": 0 differences\n", stdout, StringComparison.Ordinal);

        using var dynamo = Seeder.DynamoDbClients.Create(moto.Server.Endpoint, "us-east-1");
        var item = (await dynamo.ScanAsync(new ScanRequest { TableName = _table, Limit = 1 })).Items[0];
        var key = new Dictionary<string, AttributeValue> { ["customer_id"] = item["customer_id"], ["order_number"] = item["order_number"] };
        await dynamo.UpdateItemAsync(new UpdateItemRequest { TableName = _table, Key = key, UpdateExpression = "SET #t = :t", ExpressionAttributeNames = new() { ["#t"] = "total" }, ExpressionAttributeValues = new() { [":t"] = new AttributeValue { N = "0.0000000001" } } });

        (exit, stdout, stderr) = await CliRun.Run([.. Flags(athena, results: true), "--contract", contract]);
        Assert.True(exit == 1, stderr + stdout);
        Assert.Equal(2, Regex.Count(stdout, $"  {Regex.Escape(item["customer_id"].S)} \\| {item["order_number"].N}\\.total: source \\(hidden\\), lake \\(hidden\\)\n"));
    }

    private async Task<AthenaStandIn> PipelineAndAthenaAsync()
    {
        var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--endpoint", moto.Server.Endpoint.ToString(), "--table", _table, "--count", "150", "--seed", "5", "--out", Lake);
        Assert.True(exit == 0, stderr + stdout);
        var athena = new AthenaStandIn(Lake, moto.Server.Endpoint);
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_ATHENA", athena.Endpoint.ToString());
        return athena;
    }

    private Task<(int Exit, string Stdout, string Stderr)> VerifyAsync(AthenaStandIn athena, params string[] more) => CliRun.Run([.. Flags(athena, results: true), .. more]);

    private string[] Flags(AthenaStandIn athena, bool results)
    {
        _ = athena;
        string[] flags = ["verify", "--endpoint", moto.Server.Endpoint.ToString(), "--table", _table, "--catalog", "s3tablescatalog/dynamolake-lake", "--database", "analytics", "--change-log-database", "lake_changes"];
        return results ? [.. flags, "--results", $"s3://{Bucket()}/verify/"] : flags;
    }

    private string Bucket()
    {
        using var s3 = S3();
        s3.PutBucketAsync(_bucket).GetAwaiter().GetResult();
        return _bucket;
    }

    private AmazonS3Client S3() => new(new Amazon.Runtime.BasicAWSCredentials("local", "local"), new AmazonS3Config { ServiceURL = moto.Server.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    private async Task<List<string>> ObjectsAsync()
    {
        using var s3 = S3();
        try
        {
            return [.. ((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket })).S3Objects ?? []).Select(o => o.Key)];
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            return [];
        }
    }

    private async Task<string> AmountAsync(Amazon.DynamoDBv2.IAmazonDynamoDB dynamo, string key) =>
        (await dynamo.GetItemAsync(new GetItemRequest { TableName = _table, Key = new() { ["transaction_id"] = new AttributeValue { S = key } }, ConsistentRead = true })).Item["amount"].N;

    // The amount the lake holds for a key (as the pipeline wrote it).
    private async Task<string> LakeAmountAsync(string key)
    {
        var paths = LakePaths.For(Lake, TemplateFacts.LoadEmbedded(), DynamoLake.Core.Contract.TableContract.LoadEmbedded());
        using var database = LakeDatabase.InMemory();
        using var reader = database.Query($"SELECT CAST(amount AS VARCHAR) FROM read_parquet('{paths.IcebergGlob}', hive_partitioning = false) WHERE transaction_id = '{key}'");
        Assert.True(reader.Read());
        return reader.GetString(0);
    }

    private Task<UpdateItemResponse> SetAmountAsync(Amazon.DynamoDBv2.IAmazonDynamoDB dynamo, string key, string amount) =>
        dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _table,
            Key = new() { ["transaction_id"] = new AttributeValue { S = key } },
            UpdateExpression = "SET amount = :a",
            ExpressionAttributeValues = new() { [":a"] = new AttributeValue { N = amount } },
        });

    // A MODIFY record for the key on a new moto Kinesis stream, shaped as Kinesis Data Streams for DynamoDB writes it.
    private async Task PutChangeAsync(string stream, string key, bool create)
    {
        using var http = new HttpClient();
        var kinesis = new AwsJsonClient(http, moto.Server.Endpoint, "us-east-1", new AwsCredentials("local", "local"), "kinesis", "Kinesis_20131202", "1.1");
        if (create)
        {
            (await kinesis.CallAsync("CreateStream", new JsonObject { ["StreamName"] = stream, ["ShardCount"] = 1 }, CancellationToken.None)).Dispose();
        }

        var record = new JsonObject
        {
            ["awsRegion"] = "us-east-1",
            ["eventID"] = Guid.NewGuid().ToString(),
            ["eventName"] = "MODIFY",
            ["recordFormat"] = "application/json",
            ["tableName"] = _table,
            ["dynamodb"] = new JsonObject { ["ApproximateCreationDateTime"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["Keys"] = new JsonObject { ["transaction_id"] = new JsonObject { ["S"] = key } } },
            ["eventSource"] = "aws:dynamodb",
        };
        var other = record.DeepClone();
        other["tableName"] = "some-other-table";
        foreach (var data in new[] { record, other })
        {
            (await kinesis.CallAsync("PutRecord", new JsonObject { ["StreamName"] = stream, ["PartitionKey"] = key, ["Data"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(data.ToJsonString())) }, CancellationToken.None)).Dispose();
        }
    }

    private static string Normal(decimal value)
    {
        var text = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) ? text.TrimEnd('0').TrimEnd('.') : text;
    }
}
