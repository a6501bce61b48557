using System.IO.Compression;
using System.Text;
using System.Text.Json;
using DynamoLake.Core.Changes;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// A DynamoDB export to S3 (DynamoDB JSON: one <c>{"Item":{…}}</c> per line, files optionally .gz) as INSERT
/// change records, so that existing data joins the lake through the same contract and functions.
/// </summary>
internal static class ExportReader
{
    public static IEnumerable<CapturedChange> Changes(string path, string keyName, string tableName, long eventMicros)
    {
        var files = File.Exists(path)
            ? [path]
            : Directory.Exists(path)
                ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".json.gz", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList()
                : throw new PipelineException($"'{path}' is neither a file nor a folder of a DynamoDB export");
        if (files.Count == 0)
        {
            throw new PipelineException($"'{path}' holds no .json or .json.gz export files");
        }

        long n = 0;
        foreach (var file in files)
        {
            using var stream = File.OpenRead(file);
            using var content = file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : (Stream)stream;
            using var reader = new StreamReader(content);
            var number = 0;
            while (reader.ReadLine() is { } line)
            {
                number++;
                if (line.Length == 0)
                {
                    continue;
                }

                JsonDocument document;
                try
                {
                    document = JsonDocument.Parse(line);
                }
                catch (JsonException e)
                {
                    throw new PipelineException($"{file}:{number}: not JSON ({e.Message})");
                }

                using (document)
                {
                    if (!document.RootElement.TryGetProperty("Item", out var item) || item.ValueKind != JsonValueKind.Object
                        || !item.TryGetProperty(keyName, out var key) || ItemKey.Text(key) is not { } keyText)
                    {
                        throw new PipelineException($"{file}:{number}: expected {{\"Item\":{{…}}}} with the key attribute '{keyName}'");
                    }

                    n++;
                    var keyType = key.TryGetProperty("S", out _) ? "S" : "N";
                    var image = Encoding.UTF8.GetBytes(item.GetRawText());
                    yield return new CapturedChange(
                        keyText,
                        KinesisChangeRecord.Create($"backfill-{n:D12}", "INSERT", tableName, eventMicros + n, keyName, keyType, keyText, newImage: image, oldImage: null, ttl: false));
                }
            }
        }
    }
}
