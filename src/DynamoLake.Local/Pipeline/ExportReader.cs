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
    /// <summary>Each item of the export as INSERT change records of the table, in file and line order.</summary>
    /// <param name="path">The export file or folder.</param>
    /// <param name="keyNames">The key's attributes: the partition key, then the sort key if any.</param>
    /// <param name="tableName">The table the records name.</param>
    /// <param name="eventMicros">The first record's change time (µs); each next one a microsecond later.</param>
    public static IEnumerable<CapturedChange> Changes(string path, IReadOnlyList<string> keyNames, string tableName, long eventMicros)
    {
        ArgumentNullException.ThrowIfNull(keyNames);
        var expected = keyNames.Count == 1 ? $" with the key attribute '{keyNames[0]}'" : $" with the key attributes {string.Join(", ", keyNames.Select(k => $"'{k}'"))}";
        long n = 0;
        foreach (var (file, number, item) in Items(path, expected))
        {
            if (ItemKey.OfItem(item, keyNames) is not { } keyText)
            {
                throw new PipelineException($"{file}:{number}: expected {{\"Item\":{{…}}}}{expected}");
            }

            n++;
            var keys = keyNames.Select(k => (k, item.GetProperty(k).TryGetProperty("S", out _) ? "S" : "N")).ToList();
            var image = Encoding.UTF8.GetBytes(item.GetRawText());
            yield return new CapturedChange(
                keyText,
                KinesisChangeRecord.Create($"backfill-{n:D12}", "INSERT", tableName, eventMicros + n, keys, keyText, newImage: image, oldImage: null, ttl: false));
        }
    }

    /// <summary>
    /// Each item of an export (a file, or a folder of .json / .json.gz files read in name order) with its file and
    /// line; a line that is not <c>{"Item":{…}}</c> stops the read naming the file and line. The element lives
    /// until the next item is read.
    /// </summary>
    /// <param name="path">The export file or folder.</param>
    /// <param name="expected">What else an item must have, for the message.</param>
    public static IEnumerable<(string File, int Line, JsonElement Item)> Items(string path, string expected = "")
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
                    if (!document.RootElement.TryGetProperty("Item", out var item) || item.ValueKind != JsonValueKind.Object)
                    {
                        throw new PipelineException($"{file}:{number}: expected {{\"Item\":{{…}}}}{expected}");
                    }

                    yield return (file, number, item);
                }
            }
        }
    }
}
