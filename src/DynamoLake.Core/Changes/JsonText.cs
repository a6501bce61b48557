using System.Text.Json;

namespace DynamoLake.Core.Changes;

/// <summary>
/// JSON string text as the reader saw it, made safe and comparable: names and values are compared by their
/// unescaped value (<c>"\u0049NSERT"</c> is INSERT), strings copied into a row are written in one canonical
/// form (so <c>"k"</c> and <c>"\u006b"</c> are the same key), and an escaped lone surrogate (<c>\ud800</c>),
/// which is not Unicode text, fails the record instead of reaching a row or throwing out of the handler.
/// Text without a backslash — nearly all of it — takes the fast path untouched.
/// </summary>
internal static class JsonText
{
    private const int ScratchLength = 128;

    /// <summary>The current property name or string value, unescaped; a lone surrogate throws <see cref="JsonException"/> (the record is invalid_json).</summary>
    public static ReadOnlySpan<byte> Unescaped(scoped ref readonly Utf8JsonReader reader, Span<byte> scratch) =>
        Unescaped(reader.ValueSpan, reader.ValueIsEscaped, scratch);

    /// <summary>A tokeniser's current property name or string value (its ValueSpan and ValueIsEscaped), unescaped (see the other overload).</summary>
    public static ReadOnlySpan<byte> Unescaped(ReadOnlySpan<byte> value, bool escaped, Span<byte> scratch) =>
        escaped ? Unescape(value, scratch) : value;

    /// <summary>Unescapes JSON string text (between the quotes) into <paramref name="scratch"/>, or a new array when it is too small.</summary>
    public static ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> escaped, Span<byte> scratch)
    {
        if (HasLoneSurrogate(escaped))
        {
            throw new JsonException("an escaped lone surrogate is not Unicode text");
        }

        var quoted = new byte[escaped.Length + 2];
        quoted[0] = (byte)'"';
        escaped.CopyTo(quoted.AsSpan(1));
        quoted[^1] = (byte)'"';
        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        var buffer = escaped.Length <= scratch.Length ? scratch : new byte[escaped.Length];
        try
        {
            return buffer[..reader.CopyString(buffer)];
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException("the string is not valid Unicode text", e);
        }
    }

    /// <summary>A stack buffer size good for every name we compare.</summary>
    public static int ScratchSize => ScratchLength;

    /// <summary>Whether JSON string text (between the quotes) is Unicode text: valid UTF-8 and no escaped lone surrogate.</summary>
    public static bool IsUnicodeText(ReadOnlySpan<byte> raw) => System.Text.Unicode.Utf8.IsValid(raw) && !HasLoneSurrogate(raw);

    /// <summary>Whether escaped JSON string text holds a <c>\uD800</c>–<c>\uDFFF</c> escape that is not half of a pair.</summary>
    public static bool HasLoneSurrogate(ReadOnlySpan<byte> escaped)
    {
        var i = escaped.IndexOf((byte)'\\');
        if (i < 0)
        {
            return false;
        }

        while (i < escaped.Length)
        {
            if (escaped[i] != (byte)'\\')
            {
                i++;
                continue;
            }

            if (i + 1 >= escaped.Length || escaped[i + 1] != (byte)'u')
            {
                i += 2;
                continue;
            }

            var unit = Hex4(escaped, i + 2);
            if (unit is >= 0xDC00 and <= 0xDFFF or < 0)
            {
                return true; // a low surrogate with no high one before it (or a malformed escape)
            }

            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                var next = i + 6;
                if (next + 1 >= escaped.Length || escaped[next] != (byte)'\\' || escaped[next + 1] != (byte)'u' || Hex4(escaped, next + 2) is not (>= 0xDC00 and <= 0xDFFF))
                {
                    return true;
                }

                i = next + 6;
                continue;
            }

            i += 6;
        }

        return false;
    }

    /// <summary>
    /// Writes string text (as the reader saw it, between the quotes) as a JSON string in canonical form:
    /// unescaped, then only <c>"</c>, <c>\</c> and control characters escaped (the short forms where JSON has them). Text without escapes is
    /// copied as is. A lone surrogate is <see cref="ReasonCode.InvalidJson"/>. The text comes from a record whose
    /// UTF-8 <see cref="ChangeRecordReader.Read"/> has already checked, once, as a whole.
    /// </summary>
    public static ReasonCode WriteCanonical(ReadOnlySpan<byte> raw, Buffers.ByteBuffer output)
    {
        if (raw.IndexOf((byte)'\\') < 0)
        {
            WriteQuoted(raw, output);
            return ReasonCode.None;
        }

        ReadOnlySpan<byte> unescaped;
        try
        {
            unescaped = Unescape(raw, []);
        }
        catch (JsonException)
        {
            return ReasonCode.InvalidJson;
        }

        output.Write((byte)'"');
        foreach (var b in unescaped)
        {
            switch (b)
            {
                case (byte)'"':
                    output.Write("\\\""u8);
                    break;
                case (byte)'\\':
                    output.Write("\\\\"u8);
                    break;
                case (byte)'\b':
                    output.Write("\\b"u8);
                    break;
                case (byte)'\f':
                    output.Write("\\f"u8);
                    break;
                case (byte)'\n':
                    output.Write("\\n"u8);
                    break;
                case (byte)'\r':
                    output.Write("\\r"u8);
                    break;
                case (byte)'\t':
                    output.Write("\\t"u8);
                    break;
                case < 0x20:
                    var escape = output.GetSpan(6);
                    "\\u00"u8.CopyTo(escape);
                    escape[4] = HexDigit(b >> 4);
                    escape[5] = HexDigit(b & 0xF);
                    output.Advance(6);
                    break;
                default:
                    output.Write(b);
                    break;
            }
        }

        output.Write((byte)'"');
        return ReasonCode.None;
    }

    /// <summary>Writes string text that has no escape (a tokeniser said so) as it is, between quotes: its canonical form.</summary>
    public static void WriteQuoted(ReadOnlySpan<byte> plain, Buffers.ByteBuffer output)
    {
        var span = output.GetSpan(plain.Length + 2);
        span[0] = (byte)'"';
        plain.CopyTo(span[1..]);
        span[plain.Length + 1] = (byte)'"';
        output.Advance(plain.Length + 2);
    }

    private static byte HexDigit(int value) => (byte)(value < 10 ? '0' + value : 'a' + value - 10);

    private static int Hex4(ReadOnlySpan<byte> s, int at)
    {
        if (at + 4 > s.Length)
        {
            return -1;
        }

        var value = 0;
        for (var k = at; k < at + 4; k++)
        {
            var c = s[k];
            var digit = c is >= (byte)'0' and <= (byte)'9' ? c - '0'
                : c is >= (byte)'a' and <= (byte)'f' ? c - 'a' + 10
                : c is >= (byte)'A' and <= (byte)'F' ? c - 'A' + 10
                : -1;
            if (digit < 0)
            {
                return -1;
            }

            value = (value << 4) | digit;
        }

        return value;
    }
}
