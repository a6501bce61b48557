using System.Buffers;
using System.Buffers.Binary;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// Records kept by partition on disk, so that a sink holds a bounded amount whatever the run's size:
/// records are buffered in memory per partition, and once the buffers together pass a budget each one is
/// appended to its partition's file (opened, written, closed: no handle stays open, however many
/// partitions). Reading a partition gives its records in the order they were added.
/// </summary>
internal sealed class PartitionedSpill : IDisposable
{
    private readonly string _folder;
    private readonly long _budgetBytes;
    private readonly Dictionary<string, Partition> _partitions = new(StringComparer.Ordinal);
    private long _bufferedBytes;
    private long _files;

    /// <param name="folder">Created if missing; deleted on dispose.</param>
    /// <param name="budgetBytes">How many bytes may wait in memory, all partitions together.</param>
    public PartitionedSpill(string folder, long budgetBytes)
    {
        _folder = folder;
        _budgetBytes = budgetBytes;
        Directory.CreateDirectory(folder);
    }

    /// <summary>The partitions that have records, in the order they were first added.</summary>
    public IEnumerable<string> Partitions => _partitions.Keys;

    /// <summary>Bytes added to one partition so far (record framing included).</summary>
    public long BytesOf(string partition) => _partitions.TryGetValue(partition, out var p) ? p.Bytes : 0;

    /// <summary>Adds one record made of the given parts (stored as one), to be read back whole.</summary>
    public void Add(string partition, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second = default)
    {
        if (!_partitions.TryGetValue(partition, out var p))
        {
            p = new Partition(Path.Combine(_folder, (++_files).ToString(System.Globalization.CultureInfo.InvariantCulture) + ".spill"));
            _partitions[partition] = p;
        }

        var length = first.Length + second.Length;
        var span = p.Buffer.GetSpan(4 + length);
        BinaryPrimitives.WriteInt32LittleEndian(span, length);
        first.CopyTo(span[4..]);
        second.CopyTo(span[(4 + first.Length)..]);
        p.Buffer.Advance(4 + length);
        p.Bytes += 4 + length;
        _bufferedBytes += 4 + length;
        if (_bufferedBytes > _budgetBytes)
        {
            Flush();
        }
    }

    /// <summary>
    /// The partition's records in the order they were added, in chunks of about <paramref name="chunkBytes"/>
    /// (a record larger than that is a chunk of its own). Each chunk's arrays are new: keep them as long as needed.
    /// </summary>
    public IEnumerable<List<byte[]>> Read(string partition, int chunkBytes)
    {
        if (!_partitions.TryGetValue(partition, out var p))
        {
            yield break;
        }

        var chunk = new List<byte[]>();
        var size = 0L;
        if (File.Exists(p.File))
        {
            using var file = new FileStream(p.File, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var header = new byte[4];
            while (file.Read(header, 0, 4) is var got && got > 0)
            {
                if (got < 4)
                {
                    file.ReadExactly(header, got, 4 - got);
                }

                var record = new byte[BinaryPrimitives.ReadInt32LittleEndian(header)];
                file.ReadExactly(record);
                if (Take(record) is { } full)
                {
                    yield return full;
                }
            }
        }

        var buffered = p.Buffer.WrittenMemory;
        while (buffered.Length > 0)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(buffered.Span);
            var record = buffered.Slice(4, length).ToArray();
            buffered = buffered[(4 + length)..];
            if (Take(record) is { } full)
            {
                yield return full;
            }
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }

        List<byte[]>? Take(byte[] record)
        {
            chunk.Add(record);
            size += record.Length;
            if (size < chunkBytes)
            {
                return null;
            }

            var full = chunk;
            chunk = [];
            size = 0;
            return full;
        }
    }

    /// <summary>Forgets a partition that has been read, freeing its buffer and file.</summary>
    public void Remove(string partition)
    {
        if (_partitions.Remove(partition, out var p))
        {
            _bufferedBytes -= p.Buffer.WrittenCount;
            File.Delete(p.File);
        }
    }

    public void Dispose()
    {
        _partitions.Clear();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private void Flush()
    {
        foreach (var p in _partitions.Values)
        {
            if (p.Buffer.WrittenCount == 0)
            {
                continue;
            }

            using (var file = new FileStream(p.File, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(p.Buffer.WrittenSpan);
            }

            // A buffer that grew while its partition was busy is let go: the budget bounds what is kept.
            if (p.Buffer.Capacity > 1 << 16)
            {
                p.Buffer = new ArrayBufferWriter<byte>(256);
            }
            else
            {
                p.Buffer.ResetWrittenCount();
            }
        }

        _bufferedBytes = 0;
    }

    private sealed class Partition(string file)
    {
        public string File { get; } = file;

        public ArrayBufferWriter<byte> Buffer { get; set; } = new(256);

        public long Bytes { get; set; }
    }
}
