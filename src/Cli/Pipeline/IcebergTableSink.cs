using System.Text.Json;
using DynamoLake.Core.Contract;

namespace Cli.Pipeline;

/// <summary>
/// What S3 Tables would hold: the Transform's rows applied by unique key in delivery order — insert and
/// update replace the row, delete removes it (Firehose's Iceberg delivery with UniqueKeys) — written as
/// Parquet partitioned by the contract's partition spec (day of timestamp).
/// </summary>
internal sealed class IcebergTableSink
{
    private readonly TableContract _contract;
    private readonly Dictionary<string, byte[]> _rows = new(StringComparer.Ordinal);

    public IcebergTableSink(TableContract contract)
    {
        _contract = contract;
    }

    public int Count => _rows.Count;

    /// <summary>Starts from rows already in the lake (redrive, backfill).</summary>
    public void Load(IEnumerable<byte[]> rows)
    {
        foreach (var row in rows)
        {
            _rows[KeyOf(row)] = row;
        }
    }

    public void Apply(string operation, byte[] row)
    {
        var key = KeyOf(row);
        if (operation == "delete")
        {
            _rows.Remove(key);
        }
        else
        {
            _rows[key] = row;
        }
    }

    /// <summary>Writes the table (replacing what was there); returns the files written.</summary>
    public async Task<int> WriteAsync(LakePaths paths, CancellationToken cancellationToken)
    {
        if (Directory.Exists(paths.Iceberg))
        {
            Directory.Delete(paths.Iceberg, recursive: true);
        }

        var layout = ParquetLayout.Iceberg(_contract);
        var spec = _contract.PartitionSpec.Count > 0 ? _contract.PartitionSpec[0] : null;
        var files = 0;
        foreach (var partition in _rows.Values.GroupBy(row => PartitionOf(row, spec)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var folder = partition.Key.Length == 0 ? paths.Iceberg : Path.Combine(paths.Iceberg, partition.Key);
            Directory.CreateDirectory(folder);
            await using var file = File.Create(Path.Combine(folder, $"00000-{files:D5}-{Guid.NewGuid():N}.parquet"));
            await layout.WriteAsync(partition.ToList(), file, cancellationToken);
            files++;
        }

        return files;
    }

    private string KeyOf(byte[] row)
    {
        var reader = new Utf8JsonReader(row);
        var keyName = _contract.UniqueKey[0].Name;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(keyName);
            reader.Read();
            if (match)
            {
                return reader.TokenType == JsonTokenType.String ? reader.GetString()! : System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
            }

            reader.Skip();
        }

        throw new PipelineException($"a Transform row has no {keyName}");
    }

    private static string PartitionOf(byte[] row, PartitionField? spec)
    {
        if (spec is null || spec.Transform != "day")
        {
            return "";
        }

        var reader = new Utf8JsonReader(row);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(spec.Source.Name);
            reader.Read();
            if (match)
            {
                return reader.TokenType == JsonTokenType.Number
                    ? $"{spec.Name}={DateTime.UnixEpoch.AddTicks(reader.GetInt64() * 10):yyyy-MM-dd}"
                    : $"{spec.Name}=null";
            }

            reader.Skip();
        }

        return $"{spec.Name}=null";
    }
}
