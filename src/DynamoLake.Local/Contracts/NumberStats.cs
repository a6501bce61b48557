namespace DynamoLake.Local.Contracts;

/// <summary>
/// The digits DynamoDB numbers need, read from their text as DynamoDB keeps it (up to 38 significant digits,
/// an exponent allowed): the most digits before the point, the most after it (trailing zeros do not count),
/// and whether every value is whole and fits a long.
/// </summary>
internal sealed class NumberStats
{
    private static readonly System.Buffers.SearchValues<char> s_digits = System.Buffers.SearchValues.Create("0123456789");

    public long Count { get; private set; }

    public int MaxIntegerDigits { get; private set; }

    public int MaxScale { get; private set; }

    public bool AllWhole { get; private set; } = true;

    public bool AllFitLong { get; private set; } = true;

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
        AllFitLong &= scale == 0 && fitsLong;
    }

    /// <summary>Digits before the point (leading zeros dropped) and after it (trailing zeros dropped) of a number's text.</summary>
    internal static bool TryDigits(string text, out int integerDigits, out int scale, out bool fitsLong)
    {
        integerDigits = 0;
        scale = 0;
        fitsLong = false;
        var span = text.AsSpan().Trim();
        if (span.Length > 0 && span[0] is '-' or '+')
        {
            span = span[1..];
        }

        var exponent = 0;
        var e = span.IndexOfAny('e', 'E');
        if (e >= 0)
        {
            if (!int.TryParse(span[(e + 1)..], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out exponent) || Math.Abs(exponent) > 200)
            {
                return false;
            }

            span = span[..e];
        }

        var point = span.IndexOf('.');
        var whole = point >= 0 ? span[..point] : span;
        var fraction = point >= 0 ? span[(point + 1)..] : [];
        if (whole.Length + fraction.Length == 0 || whole.ContainsAnyExcept(s_digits) || fraction.ContainsAnyExcept(s_digits))
        {
            return false;
        }

        // All the digits, and where the point is among them once the exponent is applied.
        var digits = string.Concat(whole, fraction).TrimStart('0');
        var pointAt = whole.Length + exponent - (whole.Length + fraction.Length - digits.Length);
        digits = digits.TrimEnd('0') is { Length: > 0 } trimmed ? trimmed : "";
        if (digits.Length == 0)
        {
            fitsLong = true;
            return true;
        }

        integerDigits = Math.Max(0, pointAt);
        scale = Math.Max(0, digits.Length - pointAt);
        fitsLong = scale == 0 && (integerDigits < 19 || (integerDigits == 19 && long.TryParse(digits.PadRight(integerDigits, '0'), out _)));
        return true;
    }
}
