namespace DynamoLake.Core.Changes;

/// <summary>
/// Notices a property name met twice in one of the change record's own objects (the envelope, <c>dynamodb</c>,
/// <c>userIdentity</c>), compared after unescaping: a record that says a thing twice is refused, whichever
/// field it is. Names are kept as 64-bit hashes (exact up to seven bytes) in a small fixed set (those objects have a handful of
/// names, all AWS's); past it, in a HashSet. A hash, not the text: two different names with one hash would be
/// taken for one — no two of AWS's field names do. Item attributes (customer-chosen names) are compared exactly
/// (RowWriter, ChangeRecordReader.CheckOtherImage).
/// </summary>
internal ref struct RepeatedNames
{
    private readonly Span<ulong> _hashes;
    private int _count;
    private HashSet<ulong>? _more;

    public RepeatedNames(Span<ulong> hashes)
    {
        _hashes = hashes;
        _count = 0;
        _more = null;
    }

    /// <summary>Adds an unescaped name; false when the object already had it.</summary>
    public bool Add(ReadOnlySpan<byte> name)
    {
        var hash = Hash(name);

        for (var i = 0; i < _count; i++)
        {
            if (_hashes[i] == hash)
            {
                return false;
            }
        }

        if (_more is not null)
        {
            return _more.Add(hash);
        }

        if (_count < _hashes.Length)
        {
            _hashes[_count++] = hash;
            return true;
        }

        _more = [hash];
        return true;
    }

    // Up to seven bytes: the bytes and the length, exactly. Up to sixteen: the length and the first and last eight
    // bytes, each mixed before they are combined. Longer: FNV-1a over every byte.
    private static ulong Hash(ReadOnlySpan<byte> name)
    {
        ulong hash;
        if (name.Length > 16)
        {
            hash = 14695981039346656037UL;
            foreach (var b in name)
            {
                hash = (hash ^ b) * 1099511628211UL;
            }

            return hash;
        }

        if (name.Length >= 8)
        {
            var head = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(name) * 0x9E3779B97F4A7C15UL;
            var tail = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(name[^8..]) * 0xC2B2AE3D27D4EB4FUL;
            hash = head ^ ulong.RotateLeft(tail, 31) ^ (ulong)name.Length;
        }
        else
        {
            hash = 0;
            foreach (var b in name)
            {
                hash = (hash << 8) | b;
            }

            hash |= (ulong)name.Length << 56;
        }

        return hash * 0x9E3779B97F4A7C15UL;
    }
}
