using System.Text.Json;

namespace DynamoLake.Local.Pipeline;

/// <summary>Firehose processing-failed error objects read back for a redrive: each line's rawData.</summary>
internal static class ErrorObjects
{
    public static List<(string File, byte[] RawData)> Read(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new PipelineException($"'{folder}' is not a folder of Firehose error objects (e.g. lake/errors/processing-failed)");
        }

        var records = new List<(string, byte[])>();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var number = 0;
            foreach (var line in File.ReadLines(file))
            {
                number++;
                if (line.Length == 0)
                {
                    continue;
                }

                try
                {
                    using var document = JsonDocument.Parse(line);
                    records.Add((file, document.RootElement.GetProperty("rawData").GetBytesFromBase64()));
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
                {
                    throw new PipelineException($"{file}:{number}: not a Firehose error object with base64 rawData ({e.Message})");
                }
            }
        }

        return records;
    }
}
