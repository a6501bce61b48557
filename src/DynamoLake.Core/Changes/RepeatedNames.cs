namespace DynamoLake.Core.Changes;

/// <summary>
/// Notices a property name met twice in one of the change record's own objects (the envelope, <c>dynamodb</c>,
/// <c>userIdentity</c>), compared after unescaping: a record that says a thing twice is refused, whichever
/// field it is. Names are kept as 64-bit hashes (length, first and last eight bytes) in a small fixed set (those objects have a handful of
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

    // The length and the first and last eight bytes (all of a shorter name), mixed: AWS's field names differ in these.
    private static ulong Hash(ReadOnlySpan<byte> name)
    {
        ulong hash;
        if (name.Length >= 8)
        {
            hash = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(name)
                ^ ulong.RotateLeft(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(name[^8..]), 29)
                ^ ((ulong)name.Length << 56);
        }
        else
        {
            hash = 0;
            foreach (var b in name)
            {
                hash = (hash << 8) | b;
            }

            hash |= (ulong)name.Length << 56; // exact: up to seven bytes, then the length
        }

        return hash * 0x9E3779B97F4A7C15UL;
    }
}
