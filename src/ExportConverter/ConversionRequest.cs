using System.Text.Json;

namespace ExportConverter;

/// <summary>
/// One invocation's work: a data file of an export and where its rows go. <c>backfill --stack</c> sends one per
/// file listed in the export's <c>manifest-files.json</c>.
/// </summary>
/// <param name="ExportId">The export's id (the last part of its ARN): each row's event id is <c>export:&lt;ExportId&gt;</c>.</param>
/// <param name="ExportTimeMicros">The export's time in µs since the epoch; each row's event time is one microsecond before.</param>
/// <param name="DataFile">The data file, <c>s3://BUCKET/KEY</c> (DynamoDB JSON lines, gzipped).</param>
/// <param name="Output">The folder of the rows, <c>s3://BUCKET/PREFIX/</c>: the file's rows go to one object named after it, so a retry overwrites.</param>
internal sealed record ConversionRequest(string ExportId, long ExportTimeMicros, string DataFile, string Output)
{
    /// <summary>Reads and checks a request; a missing or wrong field throws naming it.</summary>
    public static ConversionRequest Read(Stream input)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(input);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"the request is not JSON: {e.Message}", nameof(input));
        }

        using (document)
        {
            var root = document.RootElement;
            string Text(string name) =>
                root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                    ? text
                    : throw new ArgumentException($"the request needs \"{name}\" (a string)", nameof(input));
            var micros = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("exportTimeMicros", out var time) && time.TryGetInt64(out var t) && t > 0
                ? t
                : throw new ArgumentException("the request needs \"exportTimeMicros\" (the export's time, µs since the epoch)", nameof(input));
            var request = new ConversionRequest(Text("exportId"), micros, Text("dataFile"), Text("output"));
            _ = Location(request.DataFile, "dataFile");
            _ = Location(request.Output, "output");
            return request;
        }
    }

    /// <summary>The bucket and key of an <c>s3://</c> URL.</summary>
    public static (string Bucket, string Key) Location(string url, string field)
    {
        if (!url.StartsWith("s3://", StringComparison.Ordinal) || url.IndexOf('/', 5) is var slash && slash <= 5)
        {
            throw new ArgumentException($"\"{field}\" must be s3://BUCKET/KEY, not '{url}'", nameof(url));
        }

        return (url[5..slash], url[(slash + 1)..]);
    }

    /// <summary>Where the data file's rows go: its name with .rows.json.gz, under the output folder.</summary>
    public string RowsKey()
    {
        var (_, prefix) = Location(Output, "output");
        var name = DataFile[(DataFile.LastIndexOf('/') + 1)..];
        name = name.EndsWith(".json.gz", StringComparison.Ordinal) ? name[..^".json.gz".Length] : name;
        return (prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/") + name + ".rows.json.gz";
    }
}
