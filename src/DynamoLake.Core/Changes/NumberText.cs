using DynamoLake.Core.Buffers;

namespace DynamoLake.Core.Changes;

/// <summary>
/// Exact handling of DynamoDB number text ("-12.50", "1E+2", "0.000001"): the digits are kept, never
/// passed through a binary float. A number is parsed into its significant digits and a power of ten,
/// then written in the column's form or refused with a reason.
/// </summary>
internal static class NumberText
{
    /// <summary>Exponents beyond this are out of every column's range (DynamoDB allows 1E-130 … 1E+126).</summary>
    private const int ExponentCap = 100_000;

    /// <summary>
    /// Whether <paramref name="text"/> is an integer as the formatter writes it — an optional '-', then digits with no
    /// leading zero ("0" alone, never "-0") — of at most <paramref name="maxDigits"/> digits.
    /// </summary>
    public static bool IsCanonicalInteger(ReadOnlySpan<byte> text, int maxDigits)
    {
        var digits = !text.IsEmpty && text[0] == (byte)'-' ? text[1..] : text;
        if (digits.IsEmpty || digits.Length > maxDigits || (digits[0] == (byte)'0' && (digits.Length > 1 || digits.Length != text.Length)))
        {
            return false;
        }

        foreach (var c in digits)
        {
            if ((uint)(c - '0') > 9)
            {
                return false;
            }
        }

        return true;
    }

    // The common case, read directly: an optional minus, then 1 to 18 digits without a leading zero (or "0"
    // alone), shifted by at most 18 digits in all. Anything else (a plus, an exponent, a fraction, leading
    // zeros, more digits) is left to the general reading, which gives the same value for these.
    private static bool TryPlainInteger(ReadOnlySpan<byte> text, int shift, out long value)
    {
        value = 0;
        if (shift < 0 || !IsCanonicalInteger(text, 18 - shift))
        {
            return false; // "-0" too: the general reading makes it 0
        }

        var negative = text[0] == (byte)'-';
        long magnitude = 0;
        foreach (var c in negative ? text[1..] : text)
        {
            magnitude = (magnitude * 10) + (c - '0');
        }

        for (var k = 0; k < shift; k++)
        {
            magnitude *= 10;
        }

        value = negative ? -magnitude : magnitude;
        return true;
    }

    /// <summary>
    /// Parses <paramref name="text"/> into significant digits (ASCII, written to <paramref name="digits"/>,
    /// no leading or trailing zeros; none for zero) and an exponent: value = ±digits × 10^exponent.
    /// <paramref name="digits"/> must be at least as long as <paramref name="text"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, Span<byte> digits, out bool negative, out int digitCount, out int exponent)
    {
        negative = false;
        digitCount = 0;
        exponent = 0;
        var i = 0;
        if (i < text.Length && (text[i] == (byte)'-' || text[i] == (byte)'+'))
        {
            negative = text[i] == (byte)'-';
            i++;
        }

        var anyDigit = false;
        var inFraction = false;
        var fractionDigits = 0;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if ((uint)(c - '0') <= 9)
            {
                anyDigit = true;
                if (inFraction)
                {
                    fractionDigits++;
                }

                if (digitCount == 0 && c == (byte)'0')
                {
                    continue; // leading zero
                }

                digits[digitCount++] = c;
            }
            else if (c == (byte)'.' && !inFraction)
            {
                inFraction = true;
            }
            else
            {
                break;
            }
        }

        if (!anyDigit)
        {
            return false;
        }

        long written = 0;
        if (i < text.Length)
        {
            if (text[i] is not ((byte)'e' or (byte)'E'))
            {
                return false;
            }

            i++;
            var exponentNegative = false;
            if (i < text.Length && (text[i] == (byte)'-' || text[i] == (byte)'+'))
            {
                exponentNegative = text[i] == (byte)'-';
                i++;
            }

            if (i == text.Length)
            {
                return false;
            }

            for (; i < text.Length; i++)
            {
                var c = text[i];
                if ((uint)(c - '0') > 9)
                {
                    return false;
                }

                if (written < ExponentCap)
                {
                    written = (written * 10) + (c - '0');
                }
            }

            if (exponentNegative)
            {
                written = -written;
            }
        }

        var e = written - fractionDigits;
        while (digitCount > 0 && digits[digitCount - 1] == (byte)'0')
        {
            digitCount--;
            e++;
        }

        if (digitCount == 0)
        {
            negative = false;
            e = 0;
        }

        exponent = (int)Math.Clamp(e, -ExponentCap, ExponentCap);
        return true;
    }

    /// <summary>Writes the number as decimal(precision, scale) with exactly <paramref name="scale"/> fraction digits.</summary>
    public static ReasonCode WriteDecimal(ReadOnlySpan<byte> text, int precision, int scale, ByteBuffer output)
    {
        Span<byte> digits = text.Length <= 128 ? stackalloc byte[128] : new byte[text.Length];
        if (!TryParse(text, digits, out var negative, out var count, out var exponent))
        {
            return ReasonCode.InvalidValue;
        }

        if (count > 0 && exponent < -scale)
        {
            return ReasonCode.InexactNumber;
        }

        var integerDigits = count + exponent;
        if (count > 0 && integerDigits > precision - scale)
        {
            return ReasonCode.Overflow;
        }

        var span = output.GetSpan(precision + 3);
        var n = 0;
        if (negative)
        {
            span[n++] = (byte)'-';
        }

        if (count == 0 || integerDigits <= 0)
        {
            span[n++] = (byte)'0';
        }
        else
        {
            for (var k = 0; k < integerDigits; k++)
            {
                span[n++] = k < count ? digits[k] : (byte)'0';
            }
        }

        if (scale > 0)
        {
            span[n++] = (byte)'.';
            for (var j = 0; j < scale; j++)
            {
                var position = integerDigits + j;
                span[n++] = count > 0 && position >= 0 && position < count ? digits[position] : (byte)'0';
            }
        }

        output.Advance(n);
        return ReasonCode.None;
    }

    /// <summary>
    /// Converts the number × 10^<paramref name="shift"/> to a long in [min, max]. With
    /// <paramref name="truncate"/>, fraction digits are cut off; otherwise they are refused.
    /// </summary>
    public static ReasonCode TryToInt64(ReadOnlySpan<byte> text, int shift, long min, long max, bool truncate, out long value)
    {
        if (TryPlainInteger(text, shift, out value))
        {
            return value < min || value > max ? ReasonCode.Overflow : ReasonCode.None;
        }

        value = 0;
        Span<byte> digits = text.Length <= 128 ? stackalloc byte[128] : new byte[text.Length];
        if (!TryParse(text, digits, out var negative, out var count, out var exponent))
        {
            return ReasonCode.InvalidValue;
        }

        if (count == 0)
        {
            return ReasonCode.None;
        }

        exponent += shift;
        if (exponent < 0)
        {
            if (!truncate)
            {
                return ReasonCode.InexactNumber;
            }

            count += exponent; // drop digits below the unit
            exponent = 0;
            if (count <= 0)
            {
                return ReasonCode.None;
            }
        }

        if (count + exponent > 20)
        {
            return ReasonCode.Overflow;
        }

        ulong magnitude = 0;
        for (var k = 0; k < count + exponent; k++)
        {
            var digit = k < count ? (uint)(digits[k] - '0') : 0u;
            if (magnitude > (ulong.MaxValue - digit) / 10)
            {
                return ReasonCode.Overflow;
            }

            magnitude = (magnitude * 10) + digit;
        }

        if (negative)
        {
            if (magnitude > (ulong)-(min + 1) + 1)
            {
                return ReasonCode.Overflow;
            }

            value = magnitude == (ulong)-(min + 1) + 1 ? min : -(long)magnitude;
        }
        else
        {
            if (magnitude > (ulong)max)
            {
                return ReasonCode.Overflow;
            }

            value = (long)magnitude;
        }

        return ReasonCode.None;
    }
}
