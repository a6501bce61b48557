using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;
using DynamoLake.Core.Contract;
using DynamoLake.Local;
using DynamoLake.Local.Pipeline;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>
/// A local Athena for the tests (no AWS account here): an HTTP server speaking Athena's JSON protocol for the
/// calls verify makes (GetWorkGroup, StartQueryExecution, GetQueryExecution, StopQueryExecution). It runs an
/// UNLOAD's SELECT with DuckDB over a local lake — Athena's catalog names mapped to the lake's views, Trino's
/// to_iso8601 given as a macro — and writes the Parquet and Athena's metadata files into moto's S3, as Athena
/// writes them: no file for no rows, an UNLOAD into a non-empty location refused.
/// </summary>
internal sealed partial class AthenaStandIn : IDisposable
{
    private readonly FunctionEnvironment _environment;
    private readonly FakeHttpServer _server;
    private readonly string _lake;
    private readonly AmazonS3Client _s3;
    private readonly ConcurrentDictionary<string, Query> _queries = new();

    /// <param name="lake">The local lake it answers from.</param>
    /// <param name="s3">The S3 endpoint (moto) its UNLOAD writes to.</param>
    /// <param name="contract">The lake's contract file (default: the sample).</param>
    public AthenaStandIn(string lake, Uri s3, string? contract = null)
    {
        _lake = lake;
        _environment = FunctionEnvironment.With(contract);
        _s3 = new AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials("local", "local"), new AmazonS3Config { ServiceURL = s3.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        _server = new FakeHttpServer(HandleAsync);
    }

    public Uri Endpoint => _server.Endpoint;

    /// <summary>The workgroup's result location (null: none, as a new account's primary workgroup).</summary>
    public string? WorkGroupOutputLocation { get; set; }

    /// <summary>Operations answered with AccessDeniedException.</summary>
    public HashSet<string> Denied { get; } = [];

    /// <summary>Queries never finish (for the timeout): each writes a first data file, then runs until stopped.</summary>
    public bool NeverFinish { get; set; }

    /// <summary>The workgroup's settings override the client's: the query's own files go to its location.</summary>
    public bool Enforce { get; set; }

    /// <summary>Every query started, in order.</summary>
    public ConcurrentQueue<string> Started { get; } = new();

    /// <summary>Queries stopped by the client.</summary>
    public ConcurrentQueue<string> Stopped { get; } = new();

    /// <summary>Every request's Authorization header's credential scope (service part).</summary>
    public ConcurrentQueue<string> SignedFor { get; } = new();

    public void Dispose()
    {
        _server.Dispose();
        _s3.Dispose();
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = JsonNode.Parse(await reader.ReadToEndAsync()) as JsonObject ?? [];
        var target = context.Request.Headers["X-Amz-Target"] ?? "";
        SignedFor.Enqueue(CredentialScope().Match(context.Request.Headers["Authorization"] ?? "").Groups["service"].Value);
        var operation = target.StartsWith("AmazonAthena.", StringComparison.Ordinal) ? target["AmazonAthena.".Length..] : "";
        if (context.Request.ContentType != "application/x-amz-json-1.1" || operation.Length == 0)
        {
            await AnswerAsync(context, 400, new JsonObject { ["__type"] = "UnknownOperationException", ["message"] = $"not an Athena call: {target}" });
            return;
        }

        if (Denied.Contains(operation))
        {
            await AnswerAsync(context, 400, new JsonObject { ["__type"] = "AccessDeniedException", ["Message"] = $"User: arn:aws:iam::123456789012:user/tester is not authorized to perform: athena:{operation} on resource: arn:aws:athena:us-east-1:123456789012:workgroup/primary because no identity-based policy allows the athena:{operation} action" });
            return;
        }

        switch (operation)
        {
            case "GetWorkGroup":
                var configuration = new JsonObject { ["EnforceWorkGroupConfiguration"] = Enforce };
                if (WorkGroupOutputLocation is not null)
                {
                    configuration["ResultConfiguration"] = new JsonObject { ["OutputLocation"] = WorkGroupOutputLocation };
                }

                await AnswerAsync(context, 200, new JsonObject { ["WorkGroup"] = new JsonObject { ["Name"] = body["WorkGroup"]?.GetValue<string>(), ["State"] = "ENABLED", ["Configuration"] = configuration } });
                return;
            case "StartQueryExecution":
                if (body["ClientRequestToken"]?.GetValue<string>() is not { Length: >= 32 })
                {
                    await AnswerAsync(context, 400, new JsonObject { ["__type"] = "InvalidRequestException", ["Message"] = "ClientRequestToken is required (32 to 128 characters)" });
                    return;
                }

                var output = Enforce && WorkGroupOutputLocation is not null ? WorkGroupOutputLocation : body["ResultConfiguration"]?["OutputLocation"]?.GetValue<string>() ?? WorkGroupOutputLocation;
                if (output is null)
                {
                    await AnswerAsync(context, 400, new JsonObject { ["__type"] = "InvalidRequestException", ["Message"] = "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input." });
                    return;
                }

                var id = Guid.NewGuid().ToString();
                var sql = body["QueryString"]!.GetValue<string>();
                Started.Enqueue(sql);
                var query = new Query(output);
                _queries[id] = query;

                // The query runs after the call returns, as Athena's does.
                var neverFinish = NeverFinish;
                query.Running = Task.Run(async () =>
                {
                    try
                    {
                        if (neverFinish)
                        {
                            await PartialAsync(id, sql);
                            return;
                        }

                        query.Scanned = await RunAsync(id, sql, output);
                        query.State = "SUCCEEDED";
                    }
                    catch (Exception e)
                    {
                        // Whatever went wrong, the query ends FAILED with it, as Athena's would, rather than run for ever.
                        query.State = "FAILED";
                        query.Error = e.Message;
                    }
                });

                await AnswerAsync(context, 200, new JsonObject { ["QueryExecutionId"] = id });
                return;
            case "GetQueryExecution":
                var queryId = body["QueryExecutionId"]!.GetValue<string>();
                if (!_queries.TryGetValue(queryId, out var found))
                {
                    await AnswerAsync(context, 400, new JsonObject { ["__type"] = "InvalidRequestException", ["Message"] = $"QueryExecution {queryId} was not found" });
                    return;
                }

                // The first look finds a query running, as Athena's usually does; a stopped one is CANCELLED.
                var state = found.Stopped ? "CANCELLED" : found.Polls++ == 0 || !found.Running.IsCompleted || found.State == "RUNNING" ? "RUNNING" : found.State;
                var status = new JsonObject { ["State"] = state };
                if (state == "FAILED")
                {
                    status["StateChangeReason"] = found.Error;
                    status["AthenaError"] = new JsonObject { ["ErrorCategory"] = 2, ["ErrorMessage"] = found.Error };
                }

                await AnswerAsync(context, 200, new JsonObject
                {
                    ["QueryExecution"] = new JsonObject
                    {
                        ["QueryExecutionId"] = queryId,
                        ["Status"] = status,
                        ["ResultConfiguration"] = new JsonObject { ["OutputLocation"] = found.Output.TrimEnd('/') + "/" + queryId },
                        ["Statistics"] = new JsonObject { ["DataScannedInBytes"] = found.Scanned },
                    },
                });
                return;
            case "StopQueryExecution":
                Stopped.Enqueue(body["QueryExecutionId"]!.GetValue<string>());
                if (_queries.TryGetValue(body["QueryExecutionId"]!.GetValue<string>(), out var stopping))
                {
                    // Once stopped, a query writes nothing more.
                    await stopping.Running;
                    stopping.Stopped = true;
                }

                await AnswerAsync(context, 200, []);
                return;
            default:
                await AnswerAsync(context, 400, new JsonObject { ["__type"] = "UnknownOperationException", ["message"] = operation });
                return;
        }
    }

    // Runs an UNLOAD: the SELECT over the local lake, the Parquet into S3; returns the bytes "scanned".
    private async Task<long> RunAsync(string id, string sql, string output)
    {
        var unload = UnloadStatement().Match(sql);
        if (!unload.Success)
        {
            throw new InvalidOperationException($"line 1:1: the stand-in runs only UNLOAD (SELECT …) TO 's3://…' WITH (format = 'PARQUET'), not: {sql}");
        }

        var (bucket, prefix) = DynamoLake.Local.Verify.S3Location.Parse(unload.Groups["to"].Value);
        var existing = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, MaxKeys = 1 });
        if (existing.S3Objects is { Count: > 0 })
        {
            throw new InvalidOperationException($"HIVE_PATH_ALREADY_EXISTS: Target directory for table already exists: s3://{bucket}/{prefix}");
        }

        var select = CatalogName().Replace(unload.Groups["select"].Value, m => $"\"{m.Groups["table"].Value}\"");
        var contract = _environment.Contract();
        var template = _environment.Template();
        var file = Path.Combine(Path.GetTempPath(), $"athena-stand-in-{id}.parquet");
        long rows;
        try
        {
            using (var lake = LakeDatabase.Open(LakePaths.For(_lake, template, contract), contract, template.ChangeLogProjection))
            {
                lake.Execute("CREATE MACRO to_iso8601(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S.%fZ')");
                using (var count = lake.Query($"SELECT count(*) FROM ({select})"))
                {
                    count.Read();
                    rows = Convert.ToInt64(count.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
                }

                lake.Execute($"COPY ({select}) TO '{LakeDatabase.Escape(file)}' (FORMAT parquet)");
            }

            if (rows > 0)
            {
                await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"{prefix}{id}_00000", FilePath = file });
            }

            var (outBucket, outPrefix) = DynamoLake.Local.Verify.S3Location.Parse(output);
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = outBucket, Key = $"{outPrefix}{id}-manifest.csv", ContentBody = rows > 0 ? $"s3://{bucket}/{prefix}{id}_00000\n" : "" });
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = outBucket, Key = $"{outPrefix}{id}.metadata", ContentBody = "metadata" });
            return new FileInfo(file).Length;
        }
        finally
        {
            File.Delete(file);
        }
    }

    // What a running UNLOAD has written so far: a first data file.
    private async Task PartialAsync(string id, string sql)
    {
        var (bucket, prefix) = DynamoLake.Local.Verify.S3Location.Parse(UnloadStatement().Match(sql).Groups["to"].Value);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"{prefix}{id}_00000", ContentBody = "partial" });
    }

    private static async Task AnswerAsync(HttpListenerContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    [GeneratedRegex(@"^UNLOAD \((?<select>SELECT .*)\) TO '(?<to>s3://[^']+)' WITH \(format = 'PARQUET'\)$", RegexOptions.Singleline)]
    private static partial Regex UnloadStatement();

    // "s3tablescatalog/BUCKET"."NAMESPACE"."TABLE" and "awsdatacatalog"."DATABASE"."VIEW": the lake's own views.
    [GeneratedRegex("\"(s3tablescatalog/[^\"]+|awsdatacatalog)\"\\.\"[^\"]+\"\\.\"(?<table>[^\"]+)\"")]
    private static partial Regex CatalogName();

    [GeneratedRegex(@"Credential=[^/]+/\d{8}/[^/]+/(?<service>[^/]+)/aws4_request")]
    private static partial Regex CredentialScope();

    private sealed class Query(string output)
    {
        public string Output { get; } = output;

        public string State { get; set; } = "RUNNING";

        public string? Error { get; set; }

        public long Scanned { get; set; }

        public int Polls { get; set; }

        public bool Stopped { get; set; }

        public Task Running { get; set; } = Task.CompletedTask;
    }
}
