using System.Text.Json;
using DynamoLake.Core.Contract;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// What the S3 bucket would hold: every PartitionKeys row (one JSON line each) under the template's
/// prefix with <c>!{partitionKeyFromLambda:…}</c> filled in, converted to Parquet against the Glue columns
/// as Firehose's format conversion does (one file per partition here). Rows wait on disk by partition
/// (<see cref="PartitionedSpill"/>), so memory stays bounded however many changes a run makes.
/// </summary>
internal sealed class ChangeLogSink : IDisposable
{
    private const long SpillBudgetBytes = 32L << 20;

    // Rows per row group, by size: a partition is converted one chunk at a time.
    private const int ChunkBytes = 8 << 20;

    private readonly TableContract _contract;
    private readonly string _prefixTemplate;
    private readonly PartitionedSpill _partitions;

    // The prefix split once into literal text and key names: "changes/region_partition=", region, "/year=", year, …
    private readonly List<(string Literal, string? Key)> _parts = [];

    /// <param name="prefixTemplate">The template's Prefix, e.g. <c>changes/region_partition=!{partitionKeyFromLambda:region}/…</c>.</param>
    /// <param name="spillFolder">Where rows wait until the files are written (deleted on dispose).</param>
    public ChangeLogSink(TableContract contract, string prefixTemplate, string spillFolder)
    {
        _contract = contract;
        _prefixTemplate = prefixTemplate;
        _partitions = new PartitionedSpill(spillFolder, SpillBudgetBytes);
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

        _partitions.Add(prefix.ToString(), jsonLine);
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

        // Partitions are independent files: written a few at once (a bound on memory), each a chunk at a time.
        var partitions = _partitions.Partitions.ToList();
        await Parallel.ForEachAsync(
            partitions,
            new ParallelOptions { MaxDegreeOfParallelism = IcebergTableSink.WriterParallelism, CancellationToken = cancellationToken },
            async (partition, token) =>
            {
                var folder = Path.Combine(paths.ChangeLog, partition.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(folder);
                await layout.WriteAsync(
                    _partitions.Read(partition, ChunkBytes),
                    () => File.Create(Path.Combine(folder, $"dynamolake-s3-1-{DateTime.UtcNow:yyyy-MM-dd-HH-mm-ss}-{Guid.NewGuid()}.parquet")),
                    token);
            });

        foreach (var partition in partitions)
        {
            _partitions.Remove(partition);
        }

        return partitions.Count;
    }

    public void Dispose() => _partitions.Dispose();
}
