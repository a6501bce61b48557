namespace PartitionKeys;

/// <summary>Which UTC date part a key takes from the time column; <see cref="None"/> for a column key.</summary>
public enum DatePart
{
    None,
    Year,
    Month,
    Day,
    Hour,
}
