using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DynamoLake.Core.Contract;

/// <summary>
/// The columns of a table or a struct, with a lookup from an item attribute name (UTF-8 bytes) to the
/// column, that allocates nothing.
/// </summary>
public sealed class FieldSet
{
    // The sourced columns by the hash of their attribute name (its length, first and last eight bytes), linear
    // probing, at most a quarter full: a lookup is one hash, one slot and one comparison. The constructor looks
    // for a seed that gives every name its own slot.
    private readonly Column?[] _slots;
    private readonly ulong _seed;
    private readonly int _shift;
    private bool _numbered;

    internal FieldSet(IReadOnlyList<Column> columns)
    {
        All = [.. columns];
        Columns = All;
        for (var i = 0; i < All.Length; i++)
        {
            All[i].Index = i;
        }

        DerivedColumns = [.. columns.Where(c => c.Derived != DerivedField.None)];

        var sourced = columns.Where(c => c.Derived == DerivedField.None).ToArray();
        var bits = 3;
        while ((1 << bits) < 4 * sourced.Length)
        {
            bits++;
        }

        (_slots, _seed, _shift) = Place(sourced, bits);
    }

    public IReadOnlyList<Column> Columns { get; }

    /// <summary><see cref="Columns"/> as an array, for the loops a record runs (no interface calls).</summary>
    internal Column[] All { get; }

    /// <summary>The derived columns, in order.</summary>
    internal Column[] DerivedColumns { get; }

    public int Count => All.Length;

    /// <summary>The column fed by the attribute with this UTF-8 name, or null when the contract does not declare it.</summary>
    public Column? FindBySource(ReadOnlySpan<byte> attributeName)
    {
        var (head, tail) = Words(attributeName);
        return Lookup(attributeName, head, tail);
    }

    /// <summary>
    /// Where this set's hints start in a contract's hints (<see cref="TableContract.NewColumnHints"/>): one for
    /// a map's first attribute, then one after each column.
    /// </summary>
    internal int HintsStart { get; private set; }

    /// <summary>
    /// <see cref="FindBySource(ReadOnlySpan{byte})"/> for the attribute after <paramref name="previous"/>'s in a map
    /// (null: the map's first attribute, or none of this set's before it), checking first the column that came
    /// after it in the last map read (<paramref name="hints"/>, one invocation's; null: none), and teaching it.
    /// Items of one table mostly list their attributes in one order; the hint is known before the name is read,
    /// so when it is right nothing waits for the hash. A wrong hint costs one comparison, never a wrong column.
    /// </summary>
    internal Column? FindBySource(ReadOnlySpan<byte> attributeName, Column? previous, Column?[]? hints)
    {
        var (head, tail) = Words(attributeName);
        if (hints is null)
        {
            return Lookup(attributeName, head, tail);
        }

        var at = HintsStart + (previous is null ? 0 : previous.Index + 1);
        var hint = hints[at];
        if (hint is not null && hint.IsSource(attributeName, head, tail))
        {
            return hint;
        }

        var column = Lookup(attributeName, head, tail);
        if (column is not null)
        {
            hints[at] = column;
        }

        return column;
    }

    /// <summary>Numbers this set's hints and its structs', from <paramref name="next"/> on (once, when its contract is made).</summary>
    internal void NumberHints(ref int next)
    {
        // A set numbered twice (shared by two contracts, say) would have another contract's hints read as its own.
        if (_numbered)
        {
            throw new InvalidOperationException("A field set's hints are numbered once, by the one contract it belongs to.");
        }

        _numbered = true;
        HintsStart = next;
        next += All.Length + 1;
        foreach (var column in All)
        {
            for (var type = column.Type; type is not null; type = type.Element)
            {
                type.Fields?.NumberHints(ref next);
            }
        }
    }

    private Column? Lookup(ReadOnlySpan<byte> attributeName, ulong head, ulong tail)
    {
        var mask = _slots.Length - 1;
        for (var index = (int)(Hash(head, tail, attributeName.Length, _seed) >> _shift); ; index = (index + 1) & mask)
        {
            var column = _slots[index];
            if (column is null || column.IsSource(attributeName, head, tail))
            {
                return column;
            }
        }
    }

    public Column? Find(string name) => Columns.FirstOrDefault(c => c.Name == name);

    /// <summary>The first and last (up to) eight bytes of a name: with its length, the whole name up to 16 bytes.</summary>
    internal static (ulong Head, ulong Tail) Words(ReadOnlySpan<byte> name)
    {
        ref var first = ref MemoryMarshal.GetReference(name);
        var length = name.Length;
        if (length >= 8)
        {
            return (Unsafe.ReadUnaligned<ulong>(ref first), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref first, length - 8)));
        }

        if (length >= 4)
        {
            return (Unsafe.ReadUnaligned<uint>(ref first), Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref first, length - 4)));
        }

        return (length == 0 ? 0 : first | ((ulong)Unsafe.Add(ref first, length >> 1) << 8) | ((ulong)Unsafe.Add(ref first, length - 1) << 16), 0);
    }

    private static ulong Hash(ulong head, ulong tail, int length, ulong seed) =>
        ((head ^ seed) * 0x9E3779B97F4A7C15UL) ^ ((tail + (ulong)length) * 0xC2B2AE3D27D4EB4FUL);

    /// <summary>
    /// The slots for <paramref name="columns"/>: the first of some seeds that gives every name its own slot, else the
    /// seed whose names stand fewest slots away from their own (names alike in length, first and last eight bytes
    /// share a hash whatever the seed: the lookup then probes on).
    /// </summary>
    private static (Column?[] Slots, ulong Seed, int Shift) Place(Column[] columns, int bits)
    {
        var shift = 64 - bits;
        (Column?[] Slots, ulong Seed, int Away) best = default;
        for (var attempt = 0UL; attempt < 64; attempt++)
        {
            var seed = attempt * 0x632BE59BD9B4E019UL;
            var slots = new Column?[1 << bits];
            var away = 0;
            foreach (var column in columns)
            {
                var index = (int)(Hash(column.SourceHead, column.SourceTail, column.Utf8Source.Length, seed) >> shift);
                while (slots[index] is not null)
                {
                    index = (index + 1) & (slots.Length - 1);
                    away++;
                }

                slots[index] = column;
            }

            if (best.Slots is null || away < best.Away)
            {
                best = (slots, seed, away);
            }

            if (away == 0)
            {
                break;
            }
        }

        return (best.Slots!, best.Seed, shift);
    }
}
