using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>
/// backfill --stack against moto (DynamoDB with its export written as AWS documents it, S3, CloudFormation), the
/// Lambda stand-in running the real conversion handler, and the Athena stand-in running the hand-off's SQL: a lake
/// built from the stream, then items the stream never carried, then the backfill, then verify.
/// </summary>
[Collection(UsesConsole.Name)]
public sealed class BackfillStackTests(MotoFixture moto) : IClassFixture<MotoFixture>, IDisposable
{
    private const string Function = "stack-export-converter";
    private readonly TempFolder _temp = new("dynamolake-backfill-stack-");
    private readonly string _table = $"backfill-{Guid.NewGuid():N}"[..30];
    private readonly string _bucket = $"backfill-results-{Guid.NewGuid():N}"[..40];
    private readonly string _stack = $"backfill-{Guid.NewGuid():N}"[..24];

    private string Lake => Path.Combine(_temp.Path, "lake");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_ATHENA", null);
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_LAMBDA", null);
        _temp.Dispose();
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task BackfillStack_LoadsTheItemsTheStreamNeverCarried_SkipsWhatItHasSaid_AndRunsAgainHarmlessly()
    {
        // A lake the stream built, equal to its table.
        var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--endpoint", moto.Server.Endpoint.ToString(), "--table", _table, "--count", "150", "--seed", "7", "--out", Lake);
        Assert.True(exit == 0, stderr + stdout);
        using var dynamo = Seeder.DynamoDbClients.Create(moto.Server.Endpoint, "us-east-1");
        await dynamo.UpdateContinuousBackupsAsync(new UpdateContinuousBackupsRequest { TableName = _table, PointInTimeRecoverySpecification = new PointInTimeRecoverySpecification { PointInTimeRecoveryEnabled = true } });

        // Items the stream never carried (in the table before the stack was deployed, never changed since).
        var items = (await dynamo.ScanAsync(new ScanRequest { TableName = _table })).Items;
        var streamKeys = items.Count;
        for (var i = 0; i < 30; i++)
        {
            var item = new Dictionary<string, AttributeValue>(items[i % items.Count]) { ["transaction_id"] = new AttributeValue { S = $"existing-{i:D3}" } };
            await dynamo.PutItemAsync(new PutItemRequest { TableName = _table, Item = item });
        }

        using var s3 = S3();
        await s3.PutBucketAsync(_bucket);
        await MotoStacks.CreateAsync(moto.Server.Endpoint, _stack, new Dictionary<string, string>
        {
            ["SourceTableName"] = _table,
            ["AthenaTable"] = "s3tablescatalog/dynamolake-lake.analytics.transactions",
            ["ChangeLogDatabase"] = "lake_changes",
            ["AthenaWorkGroup"] = "dynamolake-test",
            ["ExportConverterFunctionName"] = Function,
            ["BackfillLocation"] = $"s3://{_bucket}/backfill/",
            ["SnapshotLocation"] = $"s3://{_bucket}/data/snapshot/",
        });
        using var athena = new AthenaStandIn(Lake, moto.Server.Endpoint) { WorkGroupOutputLocation = $"s3://{_bucket}/athena/", SnapshotLocation = $"s3://{_bucket}/data/snapshot/" };
        using var lambda = new LambdaStandIn(Function, moto.Server.Endpoint, _table);
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_ATHENA", athena.Endpoint.ToString());
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_LAMBDA", lambda.Endpoint.ToString());

        // Before: each of them is missing from the lake.
        (exit, stdout, stderr) = await VerifyAsync();
        Assert.True(exit == 1, stderr + stdout);
        Assert.True(Regex.IsMatch(stdout, @"parity: [\d,]+ rows, more than 40 differences"), stdout);
        Assert.Equal(40, Regex.Count(stdout, @"  existing-\d{3}: in the source but not in the lake\n"));

        // The dry run names every statement and calls nothing but DescribeStacks.
        var queries = athena.Started.Count;
        (exit, stdout, stderr) = await Backfill("--dry-run");
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("MERGE INTO \"s3tablescatalog/dynamolake-lake\".\"analytics\".\"transactions\" AS t USING (", stdout, StringComparison.Ordinal);
        Assert.Contains("WHEN NOT MATCHED THEN INSERT (", stdout, StringComparison.Ordinal);
        Assert.Contains("DELETE FROM \"s3tablescatalog/dynamolake-lake\".\"analytics\".\"transactions\" WHERE \"_event_id\" = 'export:EXPORT_ID'", stdout, StringComparison.Ordinal);
        Assert.Equal(queries, athena.Started.Count);
        Assert.Empty(lambda.Invocations);

        (exit, stdout, stderr) = await Backfill("--loads", "2");
        Assert.True(exit == 0, stderr + stdout);
        Assert.Equal(2, athena.Started.Count(q => q.StartsWith("MERGE INTO ", StringComparison.Ordinal) && q.Contains("r.\"$path\" IN ('s3://", StringComparison.Ordinal)));
        var summary = Regex.Match(stdout, @"backfill: export (?<arn>arn:aws:dynamodb:us-east-1:\d+:table/[^/]+/export/[^ ]+) at \S+: (?<items>[\d,]+) items in 3 data files, (?<rows>[\d,]+) converted, 0 failed;");
        Assert.True(summary.Success, stdout + stderr);
        Assert.Equal(streamKeys + 30, int.Parse(summary.Groups["items"].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(summary.Groups["items"].Value, summary.Groups["rows"].Value);
        Assert.Equal(3, lambda.Invocations.Count);
        Assert.Equal(2, athena.Started.Count(q => q.StartsWith("DELETE FROM ", StringComparison.Ordinal)));
        Assert.DoesNotContain("existing-", lambda.Log.ToString(), StringComparison.Ordinal);

        // The export's rows are in the lake only for the keys the stream never mentioned; every other key keeps its stream row.
        var exportId = summary.Groups["arn"].Value[(summary.Groups["arn"].Value.LastIndexOf('/') + 1)..];
        Assert.Equal(30L, LoadedRows(athena, exportId));
        (exit, stdout, stderr) = await VerifyAsync();
        Assert.True(exit == 0, stderr + stdout);
        Assert.Matches(@"parity: [\d,]+ rows, 0 differences", stdout);
        Assert.Contains("\"awsdatacatalog\".\"lake_changes\".\"transactions_current\": 0 differences\n", stdout, StringComparison.Ordinal);

        // Run again (a retried or repeated backfill, with a new export): nothing is loaded twice.
        (exit, stdout, stderr) = await Backfill();
        Assert.True(exit == 0, stderr + stdout);
        Assert.Equal(30L, LoadedRows(athena, exportId));
        Assert.Equal(streamKeys + 30L, athena.Read("SELECT count(*) FROM \"transactions\"", r => r.Read() ? Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) : -1));
        (exit, stdout, stderr) = await VerifyAsync();
        Assert.True(exit == 0, stderr + stdout);

        // verify inside Athena: a new export against the lake, no Scan; equal, then exactly what was changed in the lake.
        (exit, stdout, stderr) = await InAthenaAsync();
        Assert.True(exit == 0, stderr + stdout);
        Assert.Matches($@"^""s3tablescatalog/dynamolake-lake"".""analytics"".""transactions"": 0 differences\nparity: {streamKeys + 30:N0} rows, 0 differences \(0 keys changed since the export, not compared; export arn:aws:dynamodb:[^;]+; Athena scanned [\d,]+ bytes\)\n$", stdout);
        athena.Execute("DELETE FROM transactions WHERE transaction_id = 'existing-001'");
        athena.Execute("UPDATE transactions SET amount = amount + 0.01 WHERE transaction_id = 'existing-002'");
        athena.Execute("UPDATE transactions SET transaction_metadata = struct_pack(device_type := 'kiosk', authentication_method := transaction_metadata.authentication_method, merchant_id := transaction_metadata.merchant_id) WHERE transaction_id = 'existing-004'");
        athena.Execute("INSERT INTO transactions SELECT * FROM transactions WHERE transaction_id = 'existing-003'");
        (exit, stdout, stderr) = await InAthenaAsync();
        Assert.True(exit == 1, stderr + stdout);
        Assert.Equal(
            """
            "s3tablescatalog/dynamolake-lake"."analytics"."transactions": 4 differences
              existing-001: in the source but not in the lake
              existing-002.amount: source (hidden), lake (hidden)
              existing-003: more than one row in the lake
              existing-004.transaction_metadata.device_type: source (hidden), lake (hidden)

            """.Replace("\r", "", StringComparison.Ordinal),
            stdout[..(stdout.IndexOf("parity:", StringComparison.Ordinal))]);
        Assert.DoesNotContain("kiosk", stdout + stderr, StringComparison.Ordinal);

        // The backfill's own export, compared again: its loaded rows are compared too, not taken for changes since.
        var differences = stdout[..stdout.IndexOf("parity:", StringComparison.Ordinal)];
        (exit, stdout, stderr) = await CliRun.Run("verify", "--stack", _stack, "--in-athena", "--endpoint", moto.Server.Endpoint.ToString(), "--settle", "0", "--export-arn", summary.Groups["arn"].Value);
        Assert.True(exit == 1, stderr + stdout);
        Assert.StartsWith(differences, stdout, StringComparison.Ordinal);
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task BackfillStack_WithoutTheChangeLog_SaysWhatTheStackLacks()
    {
        await MotoStacks.CreateAsync(moto.Server.Endpoint, _stack, new Dictionary<string, string>
        {
            ["SourceTableName"] = _table,
            ["AthenaTable"] = "s3tablescatalog/dynamolake-lake.analytics.transactions",
            ["AthenaWorkGroup"] = "dynamolake-test",
            ["BackfillLocation"] = $"s3://{_bucket}/backfill/",
            ["SnapshotLocation"] = $"s3://{_bucket}/data/snapshot/",
        });
        var (exit, stdout, stderr) = await Backfill();
        Assert.True(exit == 1, stderr + stdout);
        Assert.Contains($"error: the stack '{_stack}' has no output ChangeLogDatabase and ExportConverterFunctionName (the stack's S3 change log, EnableS3Path=true", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await CliRun.Run("backfill");
        Assert.Equal(2, exit);
        Assert.Contains("error: nothing to backfill: give PATH", stderr, StringComparison.Ordinal);
    }

    // The conversion function's own failures, as Lambda reports them: S3's error with the object, a request's missing field.
    [RequiresServerFact(LocalServers.Moto)]
    public async Task TheConversionFunction_NamesWhatIsMissing()
    {
        using var s3 = S3();
        await s3.PutBucketAsync(_bucket);
        using var lambda = new LambdaStandIn(Function, moto.Server.Endpoint, _table);
        using var http = new HttpClient();

        async Task<(string? Error, string Body)> InvokeAsync(string payload)
        {
            using var response = await http.PostAsync(new Uri(lambda.Endpoint, $"2015-03-31/functions/{Function}/invocations"), new StringContent(payload));
            var text = await response.Content.ReadAsStringAsync();
            var message = System.Text.Json.JsonDocument.Parse(text).RootElement.TryGetProperty("errorMessage", out var m) ? m.GetString()! : text;
            return (response.Headers.TryGetValues("X-Amz-Function-Error", out var error) ? error.First() : null, message);
        }

        var (kind, body) = await InvokeAsync($$"""{"exportId":"E1","exportTimeMicros":1796000000000000,"dataFile":"s3://{{_bucket}}/backfill/exports/AWSDynamoDB/E1/data/none.json.gz","output":"s3://{{_bucket}}/backfill/rows/E1/"}""");
        Assert.Equal("Unhandled", kind);
        Assert.Contains("NoSuchKey", body, StringComparison.Ordinal);
        Assert.Contains("backfill/exports/AWSDynamoDB/E1/data/none.json.gz", body, StringComparison.Ordinal);

        (kind, body) = await InvokeAsync("""{"exportId":"E1","dataFile":"s3://b/k","output":"s3://b/o/"}""");
        Assert.Equal("Unhandled", kind);
        Assert.Contains("the request needs \"exportTimeMicros\"", body, StringComparison.Ordinal);
    }

    private static long LoadedRows(AthenaStandIn athena, string exportId) =>
        athena.Read($"SELECT count(*) FROM \"transactions\" WHERE \"_event_id\" = 'export:{exportId}'", r => r.Read() ? Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) : -1);

    private Task<(int Exit, string Stdout, string Stderr)> Backfill(params string[] more) =>
        CliRun.Run(["backfill", "--stack", _stack, "--endpoint", moto.Server.Endpoint.ToString(), "--repair-wait", "0", .. more]);

    private Task<(int Exit, string Stdout, string Stderr)> VerifyAsync() =>
        CliRun.Run("verify", "--endpoint", moto.Server.Endpoint.ToString(), "--table", _table, "--catalog", "s3tablescatalog/dynamolake-lake", "--database", "analytics", "--results", $"s3://{_bucket}/verify/", "--limit", "20", "--change-log-database", "lake_changes");

    private Task<(int Exit, string Stdout, string Stderr)> InAthenaAsync() =>
        CliRun.Run("verify", "--stack", _stack, "--in-athena", "--endpoint", moto.Server.Endpoint.ToString(), "--settle", "0");

    private AmazonS3Client S3() => new(new Amazon.Runtime.BasicAWSCredentials("local", "local"), new AmazonS3Config { ServiceURL = moto.Server.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
}
