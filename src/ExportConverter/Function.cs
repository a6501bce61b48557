using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using DynamoLake.Aws;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;

namespace ExportConverter;

/// <summary>
/// The backfill's conversion Lambda (ADR 0018): reads one data file of a DynamoDB export from S3, converts every
/// item with the Transform's own conversion into the contract's row, marked as a snapshot row, and writes the
/// rows gzipped to S3 for the load in Athena. Items that fail are counted by reason code, in the response and
/// the log, and never written. The log holds counts and codes only, never values.
/// Handler: <c>ExportConverter::ExportConverter.Function::FunctionHandler</c>.
/// </summary>
public sealed class Function
{
    private const string SourceTableVariable = "SOURCE_TABLE_NAME";

    /// <summary>The environment variables this function reads besides CONTRACT (and the runtime's own: AWS_REGION, the role's keys, AWS_ENDPOINT_URL[_S3]).</summary>
    public static IReadOnlyList<string> Variables { get; } = [SourceTableVariable];
    private readonly TableContract _contract;
    private readonly string _tableName;
    private readonly Lazy<S3Objects> _s3;
    private readonly TextWriter _log;

    /// <summary>Used by the Lambda runtime: the contract CONTRACT names, the table SOURCE_TABLE_NAME names, S3 from the environment.</summary>
    public Function()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>The runtime's path with the environment given (the local workbench overlays its own).</summary>
    internal Function(Func<string, string?> environment)
        : this(environment, () => Client(environment, AwsCredentialChain.ResolveAsync), Console.Out)
    {
    }

    internal Function(Func<string, string?> environment, Func<S3Objects> s3, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var contracts = ContractSet.FromEnvironment(environment, environment(SourceTableVariable));
        _contract = contracts.Count == 1
            ? contracts.Contracts[0]
            : throw new InvalidOperationException($"CONTRACT names {contracts.Count} contracts: an export is converted for one contract's table (ADR 0018: a set has no S3 change log yet).");
        _tableName = environment(SourceTableVariable) ?? _contract.SourceTable ?? _contract.Table;
        _s3 = new Lazy<S3Objects>(s3);
        _log = log;
    }

    /// <summary>Converts the data file the request names; returns the counts as JSON.</summary>
    /// <exception cref="ArgumentException">The request is not a conversion request.</exception>
    /// <exception cref="InvalidDataException">The file is not an export of this table.</exception>
    public async Task<Stream> FunctionHandler(Stream input)
    {
        var request = ConversionRequest.Read(input);
        var (bucket, key) = ConversionRequest.Location(request.DataFile, "dataFile");
        var (outputBucket, _) = ConversionRequest.Location(request.Output, "output");
        var rowsKey = request.RowsKey();
        var scratch = Path.Combine(Path.GetTempPath(), "rows-" + Guid.NewGuid().ToString("N") + ".json.gz");
        var s3 = _s3.Value;
        try
        {
            SnapshotConversion.Counts counts;
            await using (var body = await s3.GetAsync(bucket, key, CancellationToken.None))
            await using (var lines = key.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(body, CompressionMode.Decompress) : body)
            await using (var file = new FileStream(scratch, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            await using (var rows = new GZipStream(file, CompressionLevel.Fastest))
            {
                counts = await SnapshotConversion.ConvertAsync(lines, _contract, _tableName, request.ExportId, request.ExportTimeMicros, rows, key[(key.LastIndexOf('/') + 1)..], CancellationToken.None);
            }

            // A file whose items all failed still gets its (empty) rows object: the load sees every file answered.
            await s3.PutFileAsync(outputBucket, rowsKey, scratch, "application/json", CancellationToken.None);
            var failed = string.Join(",", counts.Failed.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Key}={f.Value}")));
            await _log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"export {request.ExportId}: {counts.Items} items, {counts.Rows} rows, {counts.Items - counts.Rows} failed{(failed.Length > 0 ? " (" + failed + ")" : "")}"));
            var response = new MemoryStream();
            using (var json = new Utf8JsonWriter(response))
            {
                json.WriteStartObject();
                json.WriteString("dataFile", request.DataFile);
                json.WriteString("rows", $"s3://{outputBucket}/{rowsKey}");
                json.WriteNumber("items", counts.Items);
                json.WriteNumber("written", counts.Rows);
                json.WriteStartObject("failed");
                foreach (var (code, n) in counts.Failed.OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    json.WriteNumber(code, n);
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            response.Position = 0;
            return response;
        }
        finally
        {
            File.Delete(scratch);
        }
    }

    // S3 where the environment says: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (a local S3, path-style), else AWS_REGION's.
    internal static S3Objects Client(Func<string, string?> environment, Func<CancellationToken, Task<AwsCredentials>> credentials)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var endpoint = (environment("AWS_ENDPOINT_URL_S3") ?? environment("AWS_ENDPOINT_URL")) is { Length: > 0 } text ? new Uri(text.TrimEnd('/') + "/") : null;
        return new S3Objects(s_http, endpoint, environment("AWS_REGION") ?? "us-east-1", credentials);
    }

    // One connection pool for the container's life, as Lambda reuses it between invocations.
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromMinutes(14) };
}
