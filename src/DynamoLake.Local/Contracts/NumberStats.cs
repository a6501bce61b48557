using System.Text;
using DynamoLake.Core.Changes;

namespace DynamoLake.Local.Contracts;

/// <summary>
/// The digits DynamoDB numbers need, read from their text as DynamoDB keeps it (up to 38 significant digits,
/// an exponent allowed): the most digits before the point, the most after it (trailing zeros do not count),
/// and whether every value is whole and fits a long.
/// </summary>
internal sealed class NumberStats
{
    public long Count { get; private set; }

    public int MaxIntegerDigits { get; private set; }

    public int MaxScale { get; private set; }

    public bool AllWhole { get; private set; } = true;

    public bool AllFitLong { get; private set; } = true;

    /// <summary>Values that are not numbers at all (DynamoDB never stores such; an export could hold them).</summary>
    public long Unreadable { get; private set; }

    public void Add(string text)
    {
        if (!TryDigits(text, out var integerDigits, out var scale, out var fitsLong))
        {
            Unreadable++;
            return;
        }

        Count++;
        MaxIntegerDigits = Math.Max(MaxIntegerDigits, integerDigits);
        MaxScale = Math.Max(MaxScale, scale);
        AllWhole &= scale == 0;
        AllFitLong &= fitsLong;
    }

    /// <summary>
    /// Digits before the point (leading zeros dropped) and after it (trailing zeros dropped) of a number's
    /// text, read by the record path's own parser (<see cref="NumberText"/>), so that what is measured is
    /// what the row writer will convert.
    /// </summary>
    internal static bool TryDigits(string text, out int integerDigits, out int scale, out bool fitsLong)
    {
        ArgumentNullException.ThrowIfNull(text);
        integerDigits = 0;
        scale = 0;
        fitsLong = false;
        var bytes = Encoding.UTF8.GetBytes(text);
        var digits = new byte[bytes.Length];
        if (!NumberText.TryParse(bytes, digits, out _, out var count, out var exponent))
        {
            return false;
        }

        // value = ±digits × 10^exponent, the digits without leading or trailing zeros (none for zero).
        if (count > 0)
        {
            integerDigits = Math.Max(0, count + exponent);
            scale = Math.Max(0, -exponent);
        }

        fitsLong = NumberText.TryToInt64(bytes, shift: 0, long.MinValue, long.MaxValue, truncate: false, out _) == ReasonCode.None;
        return true;
    }
}
