namespace DynamoLake.Core.Contract;

/// <summary>
/// The columns of a table or a struct, with a lookup from an item attribute name (UTF-8 bytes) to the
/// column, that allocates nothing.
/// </summary>
public sealed class FieldSet
{
    private readonly Column[][] _bySourceLength;

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
        var maxLength = sourced.Length == 0 ? 0 : sourced.Max(c => c.Utf8Source.Length);
        _bySourceLength = new Column[maxLength + 1][];
        for (var length = 0; length <= maxLength; length++)
        {
            _bySourceLength[length] = sourced.Where(c => c.Utf8Source.Length == length).ToArray();
        }
    }

    public IReadOnlyList<Column> Columns { get; }

    /// <summary><see cref="Columns"/> as an array, for the loops a record runs (no interface calls).</summary>
    internal Column[] All { get; }

    /// <summary>The derived columns, in order.</summary>
    internal Column[] DerivedColumns { get; }

    public int Count => Columns.Count;

    /// <summary>The column fed by the attribute with this UTF-8 name, or null when the contract does not declare it.</summary>
    public Column? FindBySource(ReadOnlySpan<byte> attributeName)
    {
        if (attributeName.Length >= _bySourceLength.Length)
        {
            return null;
        }

        foreach (var column in _bySourceLength[attributeName.Length])
        {
            if (attributeName.SequenceEqual(column.Utf8Source))
            {
                return column;
            }
        }

        return null;
    }

    public Column? Find(string name) => Columns.FirstOrDefault(c => c.Name == name);
}
