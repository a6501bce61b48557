using System.Text.Json;
using DynamoLake.Core.Contract;

namespace Cli.Pipeline;

/// <summary>
/// What the S3 bucket would hold: every PartitionKeys row (one JSON line each) under the template's
/// prefix with <c>!{partitionKeyFromLambda:…}</c> filled in, converted to Parquet against the Glue columns
/// as Firehose's format conversion does (one file per partition here).
/// </summary>
internal sealed class ChangeLogSink
{
    private readonly TableContract _contract;
    private readonly string _prefixTemplate;
    private readonly Dictionary<string, List<byte[]>> _partitions = new(StringComparer.Ordinal);

    // The prefix split once into literal text and key names: "changes/region_partition=", region, "/year=", year, …
    private readonly List<(string Literal, string? Key)> _parts = [];

    /// <param name="prefixTemplate">The template's Prefix, e.g. <c>changes/region_partition=!{partitionKeyFromLambda:region}/…</c>.</param>
    public ChangeLogSink(TableContract contract, string prefixTemplate)
    {
        _contract = contract;
        _prefixTemplate = prefixTemplate;
        const string Open = "!{partitionKeyFromLambda:";
        var at = 0;
        while (prefixTemplate.IndexOf(Open, at, StringComparison.Ordinal) is var start and >= 0)
        {
            var end = prefixTemplate.IndexOf('}', start);
            _parts.Add((prefixTemplate[at..start], prefixTemplate[(start + Open.Length)..end]));
            at = end + 1;
        }

        _parts.Add((prefixTemplate[at..], null));
    }

    public void Add(byte[] jsonLine, IReadOnlyList<KeyValuePair<string, string>> partitionKeys)
    {
        var prefix = new System.Text.StringBuilder(_prefixTemplate.Length);
        foreach (var (literal, key) in _parts)
        {
            prefix.Append(literal);
            if (key is not null)
            {
                prefix.Append(ValueOf(key, partitionKeys)
                    ?? throw new PipelineException($"the prefix '{_prefixTemplate}' names the key '{key}', which PartitionKeys did not return (it returned {string.Join(", ", partitionKeys.Select(k => k.Key))})"));
            }
        }

        var path = prefix.ToString();
        if (!_partitions.TryGetValue(path, out var rows))
        {
            _partitions[path] = rows = [];
        }

        rows.Add(jsonLine);
    }

    private static string? ValueOf(string key, IReadOnlyList<KeyValuePair<string, string>> partitionKeys)
    {
        foreach (var (name, value) in partitionKeys)
        {
            if (name == key)
            {
                return value;
            }
        }

        return null;
    }

    public async Task<int> WriteAsync(LakePaths paths, CancellationToken cancellationToken)
    {
        var layout = ParquetLayout.ChangeLog(_contract);

        // Partitions are independent files: written on every core.
        await Parallel.ForEachAsync(
            _partitions,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (partition, token) =>
            {
                var folder = Path.Combine(paths.ChangeLog, partition.Key.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(folder);
                await using var file = File.Create(Path.Combine(folder, $"dynamolake-s3-1-{DateTime.UtcNow:yyyy-MM-dd-HH-mm-ss}-{Guid.NewGuid()}.parquet"));
                await layout.WriteAsync(partition.Value, file, token);
            });

        var files = _partitions.Count;
        _partitions.Clear();
        return files;
    }
}
