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
/// The backfill's statements run too: CREATE EXTERNAL TABLE over JSON rows in S3 (read by DuckDB from a copy of
/// the objects, the Hive column types translated), MERGE INTO and DELETE FROM the Iceberg table, DROP TABLE. From
/// the first of them on, the stand-in's tables live in one DuckDB database and change in place, as Athena's
/// do; before, each query reads the lake's files as they are.
/// </summary>
internal sealed partial class AthenaStandIn : IDisposable
{
    private readonly FunctionEnvironment _environment;
    private readonly FakeHttpServer _server;
    private readonly string _lake;
    private readonly AmazonS3Client _s3;
    private readonly ConcurrentDictionary<string, Query> _queries = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _work = Path.Combine(Path.GetTempPath(), "athena-stand-in-" + Guid.NewGuid().ToString("N"));
    private LakeDatabase? _tables;

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

    /// <summary>s3://BUCKET/PREFIX/ of the snapshot table (the stack's SnapshotLocation): its objects in moto are the table's rows.</summary>
    public string? SnapshotLocation { get; set; }

    /// <summary>Changes the stand-in's tables in place (as another writer of the lake would), its names as DuckDB's.</summary>
    public void Execute(string sql)
    {
        _gate.Wait();
        try
        {
            Tables().Execute(sql);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A query on the stand-in's tables as they are now (after DML: as changed in place).</summary>
    public T Read<T>(string sql, Func<System.Data.Common.DbDataReader, T> read)
    {
        _gate.Wait();
        try
        {
            if (_tables is { } tables)
            {
                ReadSnapshot(tables);
                using var reader = tables.Query(Translate(sql));
                return read(reader);
            }

            using var lake = OpenLake();
            using var fresh = lake.Query(Translate(sql));
            return read(fresh);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _server.Dispose();
        _s3.Dispose();
        _tables?.Dispose();
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
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

    // Runs one statement, one at a time; returns the bytes "scanned".
    private async Task<long> RunAsync(string id, string sql, string output)
    {
        await _gate.WaitAsync();
        try
        {
            if (_tables is { } current)
            {
                ReadSnapshot(current);
            }

            if (CreateExternalTable().Match(sql) is { Success: true } create)
            {
                return await CreateStagingAsync(create.Groups["table"].Value, create.Groups["columns"].Value, create.Groups["location"].Value);
            }

            if (DropTable().Match(sql) is { Success: true } drop)
            {
                Tables().Execute($"DROP TABLE IF EXISTS {LakeDatabase.Quote(drop.Groups["table"].Value)}");
                return 0;
            }

            if (sql.StartsWith("MERGE INTO ", StringComparison.Ordinal) || sql.StartsWith("DELETE FROM ", StringComparison.Ordinal))
            {
                Tables().Execute(Translate(sql));
                return 0;
            }

            return await UnloadAsync(id, sql, output);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Athena's names and Trino's spellings as DuckDB takes them: the one place the stand-in translates.
    internal static string Translate(string sql) =>
        CatalogName().Replace(sql, m => $"\"{m.Groups["table"].Value}\"")
            .Replace(" AS timestamp(6) with time zone)", " AS TIMESTAMPTZ)", StringComparison.Ordinal)
            .Replace(" AS timestamp(6))", " AS TIMESTAMP)", StringComparison.Ordinal);

    private LakeDatabase OpenLake()
    {
        var contract = _environment.Contract();
        var lake = LakeDatabase.Open(LakePaths.For(_lake, _environment.Template(), contract), contract, _environment.Template().ChangeLogProjection);
        AddTrinoFunctions(lake);
        ReadSnapshot(lake);
        return lake;
    }

    // The snapshot table as its objects in moto are now: gzipped JSON lines with the change log's Glue columns.
    private void ReadSnapshot(LakeDatabase database)
    {
        if (SnapshotLocation is null)
        {
            return;
        }

        var contract = _environment.Contract();
        var (bucket, prefix) = DynamoLake.Local.Verify.S3Location.Parse(SnapshotLocation);
        var folder = Path.Combine(_work, "snapshot-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        foreach (var item in _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix }).GetAwaiter().GetResult().S3Objects ?? [])
        {
            var file = Path.Combine(folder, $"{files.Count:D5}.json.gz");
            using (var got = _s3.GetObjectAsync(bucket, item.Key).GetAwaiter().GetResult())
            {
                got.WriteResponseStreamToFileAsync(file, append: false, CancellationToken.None).GetAwaiter().GetResult();
            }

            files.Add(file);
        }

        if (files.Count > 0)
        {
            var columns = string.Join(", ", LakeSchema.GlueColumns(contract).Select(c => $"{LakeDatabase.Quote(c.Name)}: '{DuckType(c.Type)}'"));
            database.Execute($"CREATE OR REPLACE VIEW {LakeDatabase.Quote(LakeSchema.SnapshotTable(contract))} AS SELECT * FROM read_json([{string.Join(", ", files.Select(f => $"'{LakeDatabase.Escape(f)}'"))}], format = 'newline_delimited', compression = 'gzip', columns = {{{columns}}})");
        }
    }

    /// <summary>Trino's functions the statements use that DuckDB spells otherwise.</summary>
    internal static void AddTrinoFunctions(LakeDatabase database)
    {
        database.Execute("CREATE MACRO to_iso8601(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S.%fZ')");
        database.Execute("CREATE MACRO from_unixtime_nanos(n) AS make_timestamp(CAST(n // 1000 AS BIGINT))::TIMESTAMPTZ");
    }

    // The database whose tables change in place: the lake's Iceberg table copied in once, the change log still read from its files.
    private LakeDatabase Tables()
    {
        if (_tables is null)
        {
            var lake = OpenLake();
            var table = LakeDatabase.Quote(_environment.Contract().Table);
            lake.Execute($"CREATE TABLE stand_in_copy AS SELECT * FROM {table}");
            lake.Execute($"DROP VIEW {table}");
            lake.Execute($"ALTER TABLE stand_in_copy RENAME TO {table}");
            _tables = lake;
        }

        return _tables;
    }

    // CREATE EXTERNAL TABLE over gzipped JSON lines: the objects copied here, read with the declared columns.
    private async Task<long> CreateStagingAsync(string table, string columns, string location)
    {
        var (bucket, prefix) = DynamoLake.Local.Verify.S3Location.Parse(location);
        var folder = Path.Combine(_work, table);
        Directory.CreateDirectory(folder);
        var files = new List<(string Local, string S3)>();
        long bytes = 0;
        var listed = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix });
        foreach (var item in listed.S3Objects ?? [])
        {
            var file = Path.Combine(folder, $"{files.Count:D5}.json.gz");
            using (var got = await _s3.GetObjectAsync(bucket, item.Key))
            {
                await got.WriteResponseStreamToFileAsync(file, append: false, CancellationToken.None);
            }

            files.Add((file, $"s3://{bucket}/{item.Key}"));
            bytes += new FileInfo(file).Length;
        }

        // Each row with its file's S3 path in "$path", the Hive connector's hidden column.
        var declared = HiveColumns(columns);
        var duckColumns = string.Join(", ", declared.Select(c => $"{LakeDatabase.Quote(c.Name)}: '{c.Type}'"));
        var source = files.Count == 0
            ? $"SELECT {string.Join(", ", declared.Select(c => $"CAST(NULL AS {c.Type}) AS {LakeDatabase.Quote(c.Name)}"))}, CAST(NULL AS VARCHAR) AS \"$path\" WHERE false"
            : string.Join(" UNION ALL ", files.Select(f => $"SELECT *, '{LakeDatabase.Escape(f.S3)}' AS \"$path\" FROM read_json('{LakeDatabase.Escape(f.Local)}', format = 'newline_delimited', compression = 'gzip', columns = {{{duckColumns}}})"));
        Tables().Execute($"CREATE TABLE {LakeDatabase.Quote(table)} AS {source}");
        return bytes;
    }

    // `name` type, … with Hive's types (string, int, bigint, boolean, float, double, decimal(p,s), date, struct<…>, array<…>) as DuckDB's.
    private static List<(string Name, string Type)> HiveColumns(string text) =>
        [.. TopLevel(text, ',').Select(c => c.Trim()).Select(c =>
        {
            var end = c.IndexOf('`', 1);
            return (c[1..end], DuckType(c[(end + 1)..].Trim()));
        })];

    private static string DuckType(string hive)
    {
        if (hive.StartsWith("struct<", StringComparison.Ordinal))
        {
            var fields = TopLevel(hive[7..^1], ',').Select(f => f.Split(':', 2)).Select(f => $"{LakeDatabase.Quote(f[0])} {DuckType(f[1])}");
            return $"STRUCT({string.Join(", ", fields)})";
        }

        if (hive.StartsWith("array<", StringComparison.Ordinal))
        {
            return DuckType(hive[6..^1]) + "[]";
        }

        return hive switch
        {
            "string" => "VARCHAR",
            "int" => "INTEGER",
            "bigint" => "BIGINT",
            "boolean" => "BOOLEAN",
            "float" => "FLOAT",
            "double" => "DOUBLE",
            "date" => "DATE",
            _ when hive.StartsWith("decimal(", StringComparison.Ordinal) => hive.ToUpperInvariant(),
            _ => throw new InvalidOperationException($"the stand-in does not know the Hive type {hive}"),
        };
    }

    // Splits at separators outside <…> and (…).
    private static List<string> TopLevel(string text, char separator)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] is '<' or '(' ? 1 : text[i] is '>' or ')' ? -1 : 0;
            if (depth == 0 && text[i] == separator)
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }

        parts.Add(text[start..]);
        return parts;
    }

    // Runs an UNLOAD: the SELECT over the lake, the Parquet into S3; returns the bytes "scanned".
    private async Task<long> UnloadAsync(string id, string sql, string output)
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

        var select = Translate(unload.Groups["select"].Value);
        var file = Path.Combine(Path.GetTempPath(), $"athena-stand-in-{id}.parquet");
        long rows;
        try
        {
            var opened = _tables is null ? OpenLake() : null;
            try
            {
                var lake = opened ?? _tables!;
                using (var count = lake.Query($"SELECT count(*) FROM ({select})"))
                {
                    count.Read();
                    rows = Convert.ToInt64(count.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
                }

                lake.Execute($"COPY ({select}) TO '{LakeDatabase.Escape(file)}' (FORMAT parquet)");
            }
            finally
            {
                opened?.Dispose();
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

    [GeneratedRegex(@"^CREATE EXTERNAL TABLE `[^`]+`\.`(?<table>[^`]+)` \((?<columns>.*)\) ROW FORMAT SERDE 'org\.openx\.data\.jsonserde\.JsonSerDe' LOCATION '(?<location>s3://[^']+)'$", RegexOptions.Singleline)]
    private static partial Regex CreateExternalTable();

    [GeneratedRegex(@"^DROP TABLE IF EXISTS `[^`]+`\.`(?<table>[^`]+)`$")]
    private static partial Regex DropTable();

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
