namespace DynamoLake.Core.Contract;

/// <summary>
/// Which items of a table are one entity's (single-table design): those whose attribute equals a value, or
/// whose attribute begins with a prefix (a key such as <c>pk</c> = <c>ORDER#…</c>). Read from the item's
/// new image, else its old image, else its key.
/// </summary>
/// <param name="Attribute">The DynamoDB attribute read (a string, or for <paramref name="Value"/> a number's text).</param>
/// <param name="Value">The value the attribute equals (<c>"equals"</c>), or null.</param>
/// <param name="Prefix">The text the attribute begins with, or null.</param>
public sealed record EntityRule(string Attribute, string? Value, string? Prefix)
{
    /// <summary>Whether an attribute's text (a string's value or a number's digits) matches.</summary>
    public bool Matches(ReadOnlySpan<char> value) => Prefix is not null ? value.StartsWith(Prefix, StringComparison.Ordinal) : value.SequenceEqual(Value);

    /// <summary>Whether an item could match both rules (the same attribute, and values that overlap).</summary>
    public bool Overlaps(EntityRule other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Attribute != other.Attribute)
        {
            return false;
        }

        var mine = Prefix ?? Value!;
        var theirs = other.Prefix ?? other.Value!;
        return (Prefix is not null && theirs.StartsWith(Prefix, StringComparison.Ordinal))
            || (other.Prefix is not null && mine.StartsWith(other.Prefix, StringComparison.Ordinal))
            || (Prefix is null && other.Prefix is null && mine == theirs);
    }

    /// <summary>The rule as the contract writes it, for messages.</summary>
    public override string ToString() => Prefix is not null ? $"{Attribute} beginning \"{Prefix}\"" : $"{Attribute} = \"{Value}\"";
}
