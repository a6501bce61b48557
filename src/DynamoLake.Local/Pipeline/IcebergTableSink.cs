using System.Text;
using System.Text.Json;
using DynamoLake.Core.Contract;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// What S3 Tables would hold: the Transform's rows applied by unique key in delivery order — insert and
/// update replace the row, delete removes it (Firehose's Iceberg delivery with UniqueKeys) — written as
/// Parquet partitioned by the contract's partition spec (day of timestamp).
/// As Firehose documents for Iceberg, every operation applies only within the partition of the row that
/// carries it: "All files written by Firehose are computed using the partition that is present in the
/// record. This also applies to deleted files." A delete whose row has no timestamp removes nothing outside
/// the null partition, and an update that moved a key to another day leaves the old day's row in place.
/// </summary>
/// <remarks>
/// Memory stays bounded whatever the run's size: operations wait on disk in buckets by a hash of the
/// unique key (every operation on a key lands in one bucket, in arrival order), and a bucket is applied
/// on its own. A bucket too large to apply in memory is split again first. The surviving rows wait on disk
/// by partition and are written a chunk at a time.
/// </remarks>
internal sealed class IcebergTableSink : IDisposable
{
    /// <summary>What one bucket may hold when it is applied (its operations, as spilled); larger ones are split first.</summary>
    public const long DefaultMaxBucketBytes = 96L << 20;

    /// <summary>How much may wait in memory before it is appended to the spill files.</summary>
    public const long DefaultSpillBudgetBytes = 32L << 20;

    /// <summary>Parquet files written at once (each holds a chunk of rows): a bound, not the core count.</summary>
    public const int WriterParallelism = 2;

    private const int Buckets = 128;
    private const int SplitInto = 8;
    private const int ChunkBytes = 8 << 20;
    private const byte Put = 0;
    private const byte Delete = 1;

    // The hand-off of a snapshot (ADR 0018), as Athena runs it: the load reads (is the key absent, and has the
    // stream never mentioned it?), then commits its rows — appended, as an INSERT of MERGE's WHEN NOT MATCHED
    // is, beside whatever Firehose committed meanwhile — and the repair deletes the snapshot rows of keys the
    // stream has mentioned by then. A stream image is the whole item, so a key the stream mentions is the stream's.
    private const byte LoadRead = 2;
    private const byte LoadCommit = 3;
    private const byte Repair = 4;

    // A plain INSERT of a snapshot row, with no check at all: what a naive load does (for the hazard tests).
    private const byte NaiveAppend = 5;

    // Marks a put or delete that arrived once the hand-off began: the stream has mentioned its key.
    private const byte SinceSnapshot = 0x10;

    private readonly TableContract _contract;
    private readonly string _spillFolder;
    private readonly PartitionedSpill _operations;
    private readonly byte[][] _keyNames;
    private readonly long _maxBucketBytes;
    private readonly long _spillBudgetBytes;
    private readonly PartitionField? _spec;
    private bool _handingOff;

    /// <param name="contract">The table contract.</param>
    /// <param name="spillFolder">Where operations and rows wait until the table is written (deleted on dispose).</param>
    /// <param name="maxBucketBytes">What one bucket may hold when it is applied.</param>
    /// <param name="spillBudgetBytes">How much may wait in memory before it goes to disk.</param>
    public IcebergTableSink(TableContract contract, string spillFolder, long maxBucketBytes = DefaultMaxBucketBytes, long spillBudgetBytes = DefaultSpillBudgetBytes)
    {
        _contract = contract;
        _spillFolder = spillFolder;
        _maxBucketBytes = maxBucketBytes;
        _spillBudgetBytes = spillBudgetBytes;
        _operations = new PartitionedSpill(Path.Combine(spillFolder, "operations"), spillBudgetBytes);
        _keyNames = [.. contract.UniqueKey.Select(c => Encoding.UTF8.GetBytes(c.Name))];
        _spec = contract.PartitionSpec.Count > 0 ? contract.PartitionSpec[0] : null;

        // Deletes apply within a partition, so the partitions must be computed as the table's: this model knows
        // the day transform only; any other spec would put every row in one partition and delete table-wide.
        if (contract.PartitionSpec.Count > 1 || _spec is { Transform: not "day" })
        {
            throw new PipelineException($"the local Iceberg table computes a single day() partition only; the contract's partition spec is {string.Join(", ", contract.PartitionSpec.Select(p => $"{p.Transform}({p.Source.Name})"))}");
        }
    }

    /// <summary>How many buckets were too large to apply at once and were split (for tests and figures).</summary>
    public int Splits { get; private set; }

    /// <summary>The most operation bytes any one applied bucket held (for tests and figures).</summary>
    public long LargestAppliedBytes { get; private set; }

    /// <summary>Rows in the table: those loaded until it is written, then those written.</summary>
    public long Count { get; private set; }

    /// <summary>What the hand-off did, once the table is written: snapshot rows loaded, skipped, and removed by the repair.</summary>
    public HandOffCounts HandOff { get; } = new();

    /// <summary>
    /// From now on, every change the stream delivers marks its key as the stream's: the load skips such keys,
    /// and the repair removes their snapshot rows. Call it before the first change is delivered (capture start).
    /// </summary>
    public void BeginHandOff() => _handingOff = true;

    /// <summary>The load's read of a snapshot row's key (MERGE … WHEN NOT MATCHED, evaluated now).</summary>
    public void ReadForLoad(byte[] row) => Add(LoadRead, row, withRow: false);

    /// <summary>The load's commit of a snapshot row: appended if its read found the key absent and unchanged since the snapshot.</summary>
    public void CommitLoad(byte[] row) => Add(LoadCommit, row, withRow: true);

    /// <summary>The repair: the snapshot rows of this row's key go if the stream has mentioned the key.</summary>
    public void RepairLoad(byte[] row) => Add(Repair, row, withRow: false);

    /// <summary>A naive load's INSERT of a snapshot row: appended whatever the table holds (what the hand-off exists to avoid).</summary>
    public void AppendNaively(byte[] row) => Add(NaiveAppend, row, withRow: true);

    /// <summary>Starts from rows already in the lake (redrive, backfill).</summary>
    public void Load(IEnumerable<byte[]> rows)
    {
        foreach (var row in rows)
        {
            Apply("insert", row);
            Count++;
        }
    }

    public void Apply(string operation, byte[] row)
    {
        var op = operation == "delete" ? Delete : Put;
        if (_handingOff)
        {
            op |= SinceSnapshot;
        }

        Add(op, row, withRow: (op & ~SinceSnapshot) == Put);
    }

    private void Add(byte op, byte[] row, bool withRow)
    {
        var key = KeyOf(row);
        var partition = Encoding.UTF8.GetBytes(PartitionOf(row, _spec));

        // Spilled as: operation, key length, key, partition length, partition, then the row (only for a put).
        var length = 9 + key.Length + partition.Length;
        Span<byte> head = length <= 1024 ? stackalloc byte[length] : new byte[length];
        head[0] = op;
        BitConverter.TryWriteBytes(head[1..], key.Length);
        key.CopyTo(head[5..]);
        BitConverter.TryWriteBytes(head[(5 + key.Length)..], partition.Length);
        partition.CopyTo(head[(9 + key.Length)..]);
        _operations.Add(BucketOf(key, 0, Buckets), head, withRow ? row : default);
    }


    /// <summary>
    /// Writes the table, replacing what was there only once the new one is complete (a failure or Ctrl+C
    /// meanwhile leaves the old table as it was); returns the files written.
    /// </summary>
    public async Task<int> WriteAsync(LakePaths paths, CancellationToken cancellationToken)
    {
        using var rows = new PartitionedSpill(Path.Combine(_spillFolder, "rows"), _spillBudgetBytes);
        foreach (var bucket in _operations.Partitions.ToList())
        {
            ApplyBucket(_operations, bucket, level: 0, rows, cancellationToken);
        }

        var layout = ParquetLayout.Iceberg(_contract);
        var partitions = rows.Partitions.Order(StringComparer.Ordinal).ToList();
        var table = Path.Combine(_spillFolder, "table");
        var files = 0;
        long written = 0;
        await Parallel.ForEachAsync(
            partitions.Select((partition, index) => (partition, index)),
            new ParallelOptions { MaxDegreeOfParallelism = WriterParallelism, CancellationToken = cancellationToken },
            async (p, token) =>
            {
                var folder = p.partition.Length == 0 ? table : Path.Combine(table, p.partition);
                Directory.CreateDirectory(folder);
                var count = await layout.WriteAsync(
                    rows.Read(p.partition, ChunkBytes),
                    () => File.Create(Path.Combine(folder, $"00000-{p.index:D5}-{Guid.NewGuid():N}.parquet")),
                    token);
                Interlocked.Add(ref written, count);
                Interlocked.Increment(ref files);
            });

        if (Directory.Exists(paths.Iceberg))
        {
            Directory.Delete(paths.Iceberg, recursive: true);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(paths.Iceberg)!);
        if (Directory.Exists(table))
        {
            Directory.Move(table, paths.Iceberg);
        }

        Count = written;
        return files;
    }

    public void Dispose()
    {
        _operations.Dispose();
        if (Directory.Exists(_spillFolder))
        {
            Directory.Delete(_spillFolder, recursive: true);
        }
    }

    // Applies one bucket's operations in order and hands the surviving rows to their partitions.
    private void ApplyBucket(PartitionedSpill spill, string bucket, int level, PartitionedSpill rows, CancellationToken cancellationToken)
    {
        if (spill.BytesOf(bucket) > _maxBucketBytes && level < 8)
        {
            Splits++;
            using var split = new PartitionedSpill(Path.Combine(_spillFolder, $"split-{level + 1}-{bucket}"), _spillBudgetBytes);
            foreach (var chunk in spill.Read(bucket, ChunkBytes))
            {
                foreach (var record in chunk)
                {
                    split.Add(BucketOf(record.AsSpan(5, BitConverter.ToInt32(record, 1)), level + 1, SplitInto), record);
                }
            }

            spill.Remove(bucket);
            foreach (var part in split.Partitions.ToList())
            {
                ApplyBucket(split, part, level + 1, rows, cancellationToken);
            }

            return;
        }

        LargestAppliedBytes = Math.Max(LargestAppliedBytes, spill.BytesOf(bucket));

        // (partition, key) → the operations that hold its rows: a delete or an update finds the key only in the
        // partition of its own row, as Firehose's delete files do. Firehose keeps one row per key; a load's
        // commit may append a second beside it, as Athena's would.
        var table = new Dictionary<(string Partition, string Key), List<byte[]>>();
        var mentioned = new HashSet<string>(StringComparer.Ordinal);
        var loads = new Dictionary<(string Partition, string Key), bool>();
        foreach (var chunk in spill.Read(bucket, ChunkBytes))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var record in chunk)
            {
                var keyLength = BitConverter.ToInt32(record, 1);
                var partitionLength = BitConverter.ToInt32(record, 5 + keyLength);
                var at = (Encoding.UTF8.GetString(record, 9 + keyLength, partitionLength), Encoding.UTF8.GetString(record, 5, keyLength));
                if ((record[0] & SinceSnapshot) != 0)
                {
                    mentioned.Add(at.Item2);
                }

                switch (record[0] & ~SinceSnapshot)
                {
                    case Delete:
                        table.Remove(at);
                        break;
                    case Put:
                        table[at] = [record];
                        break;
                    case LoadRead:
                        loads[at] = !table.ContainsKey(at) && !mentioned.Contains(at.Item2);
                        break;
                    case LoadCommit when loads.Remove(at, out var absent) && absent:
                        Append(at, record);
                        break;
                    case LoadCommit:
                        HandOff.Skipped++;
                        break;
                    case NaiveAppend:
                        Append(at, record);
                        break;
                    case Repair when mentioned.Contains(at.Item2) && table.TryGetValue(at, out var kept):
                        HandOff.Repaired += kept.RemoveAll(r => r[0] == LoadCommit);
                        if (kept.Count == 0)
                        {
                            table.Remove(at);
                        }

                        break;
                }
            }
        }

        // A snapshot row appended beside what the key holds, as an INSERT is.
        void Append((string Partition, string Key) at, byte[] record)
        {
            (table.TryGetValue(at, out var held) ? held : table[at] = []).Add(record);
            HandOff.Loaded++;
        }

        spill.Remove(bucket);
        foreach (var ((partition, _), held) in table)
        {
            foreach (var record in held)
            {
                var keyLength = BitConverter.ToInt32(record, 1);
                var start = 9 + keyLength + BitConverter.ToInt32(record, 5 + keyLength);
                rows.Add(partition, record.AsSpan(start));
            }
        }
    }

    // A well-mixed hash of the key's UTF-8 bytes, seeded by level so that a split spreads a bucket's keys
    // anew (HashCode: xxHash32 with a per-process seed; buckets live only as long as the run).
    private static string BucketOf(ReadOnlySpan<byte> key, int level, int buckets)
    {
        var hash = new HashCode();
        hash.Add(level);
        hash.AddBytes(key);
        return ((uint)hash.ToHashCode() % (uint)buckets).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    // The unique key's values as UTF-8 (unescaped), the parts of a composite key joined by U+001F, so that
    // one key is one bucket whatever its JSON spelling.
    private byte[] KeyOf(byte[] row)
    {
        var parts = new byte[_keyNames.Length][];
        var found = 0;
        var reader = new Utf8JsonReader(row);
        reader.Read();
        while (found < parts.Length && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var part = -1;
            for (var k = 0; k < _keyNames.Length && part < 0; k++)
            {
                part = reader.ValueTextEquals(_keyNames[k]) ? k : -1;
            }

            reader.Read();
            if (part >= 0 && parts[part] is null)
            {
                parts[part] = reader.TokenType == JsonTokenType.String ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan.ToArray();
                found++;
                continue;
            }

            reader.Skip();
        }

        if (found < parts.Length)
        {
            throw new PipelineException($"a Transform row has no {_contract.UniqueKey[Array.IndexOf(parts, null)].Name}");
        }

        return parts.Length == 1 ? parts[0] : [.. parts.SelectMany((p, i) => i == 0 ? p : [(byte)Parity.KeySeparator, .. p])];
    }

    private static string PartitionOf(ReadOnlySpan<byte> row, PartitionField? spec)
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

/// <summary>What a snapshot hand-off did to the table (ADR 0018).</summary>
internal sealed class HandOffCounts
{
    /// <summary>Snapshot rows appended: their key was absent and unchanged since the snapshot when the load read.</summary>
    public long Loaded { get; set; }

    /// <summary>Snapshot rows not loaded: their key was in the table, or changed since the snapshot, when the load read.</summary>
    public long Skipped { get; set; }

    /// <summary>Snapshot rows the repair removed: the stream changed their key after the load read it.</summary>
    public long Repaired { get; set; }
}
