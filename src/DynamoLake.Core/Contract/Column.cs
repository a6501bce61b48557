using System.Text;

namespace DynamoLake.Core.Contract;

/// <summary>One declared column (or struct field) of the table contract.</summary>
public sealed class Column
{
    internal Column(string name, ColumnType type, bool required, string source, SourceTimeUnit sourceUnit, DerivedField derived, string? doc)
    {
        Name = name;
        Type = type;
        Required = required;
        Source = source;
        SourceUnit = sourceUnit;
        Derived = derived;
        Doc = doc;
        Utf8Name = Encoding.UTF8.GetBytes(name);
        Utf8Source = Encoding.UTF8.GetBytes(source);
        (SourceHead, SourceTail) = FieldSet.Words(Utf8Source);
        JsonPropertyPrefix = Encoding.UTF8.GetBytes($"\"{name}\":");
    }

    /// <summary>Lowercase column name: the first-level JSON key of a row.</summary>
    public string Name { get; }

    public ColumnType Type { get; }

    public bool Required { get; }

    /// <summary>The item attribute the value comes from (the column name unless declared otherwise).</summary>
    public string Source { get; }

    /// <summary>For timestamp columns: how the item stores the instant.</summary>
    public SourceTimeUnit SourceUnit { get; }

    public DerivedField Derived { get; }

    public string? Doc { get; }

    /// <summary>
    /// For a categorical string column, every value it may hold (declared in the contract); null when any
    /// value is allowed. A partition key on such a column is projected as an enum in Athena.
    /// </summary>
    public IReadOnlyList<string>? Values { get; init; }

    /// <summary>
    /// Declared never to change for a key once the item exists (<c>"immutable": true</c>): what an Iceberg
    /// partition may be computed from, because Firehose applies a change's delete in the partition of the
    /// record it carries. The Transform fails a MODIFY whose old and new images would lie in different partitions.
    /// </summary>
    public bool Immutable { get; init; }

    /// <summary>Iceberg field id (top-level columns first, then nested fields breadth-first).</summary>
    public int Id { get; internal set; }

    /// <summary>Position among its siblings.</summary>
    public int Index { get; internal set; }

    internal byte[] Utf8Name { get; }

    internal byte[] Utf8Source { get; }

    // The attribute name's first and last (up to) eight bytes: with its length, the whole name up to 16 bytes.
    internal readonly ulong SourceHead;
    internal readonly ulong SourceTail;

    /// <summary>Whether <paramref name="attributeName"/>, whose <see cref="FieldSet.Words"/> are given, is this column's source.</summary>
    internal bool IsSource(ReadOnlySpan<byte> attributeName, ulong head, ulong tail) =>
        SourceHead == head && SourceTail == tail && Utf8Source.Length == attributeName.Length
        && (attributeName.Length <= 16 || attributeName.SequenceEqual(Utf8Source));

    /// <summary><c>"name":</c> as UTF-8, ready to write.</summary>
    internal byte[] JsonPropertyPrefix { get; }

    /// <summary>
    /// The DynamoDB key type of the attribute this column reads, when it is a key: S for a string, a date and
    /// an ISO-8601 instant; N for an integer, a decimal and an instant in epoch units; B for a binary. Null:
    /// no DynamoDB key holds it (a boolean, a float, a double, a struct or a list). The one mapping the
    /// template, <c>seed --create-table</c> and the workload use.
    /// </summary>
    public string? DynamoDbKeyType => Type.Kind switch
    {
        ColumnKind.String or ColumnKind.Date => "S",
        ColumnKind.Timestamp or ColumnKind.TimestampTz => SourceUnit == SourceTimeUnit.Iso8601 ? "S" : "N",
        ColumnKind.Int or ColumnKind.Long or ColumnKind.Decimal => "N",
        ColumnKind.Binary => "B",
        _ => null,
    };

    public override string ToString() => $"{Name} {Type}{(Required ? " required" : string.Empty)}";
}
