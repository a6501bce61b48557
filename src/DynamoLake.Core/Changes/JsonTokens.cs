using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text.Json;

namespace DynamoLake.Core.Changes;

/// <summary>
/// The part of <see cref="Utf8JsonReader"/> the change reader uses, so that one reading of a change record
/// (<see cref="ChangeRecordReader"/>, <see cref="RowWriter"/>) runs on either tokeniser: <see cref="FastTokens"/>
/// first, <see cref="SystemTokens"/> when the fast one steps aside. Specialised per type by the JIT: no calls
/// through the interface.
/// </summary>
internal interface IJsonTokens<TSelf>
    where TSelf : IJsonTokens<TSelf>, allows ref struct
{
    JsonTokenType TokenType { get; }

    /// <summary>A string's or property name's text between the quotes (escapes as written); a number's text.</summary>
    ReadOnlySpan<byte> ValueSpan { get; }

    bool ValueIsEscaped { get; }

    /// <summary>The tokeniser stepped aside (<see cref="FastTokens"/>): what was read from it decides nothing.</summary>
    bool SteppedAside { get; }

    /// <summary>Where the current token starts (a string's opening quote).</summary>
    long TokenStartIndex { get; }

    /// <summary>Where the text after the current token starts.</summary>
    long BytesConsumed { get; }

    /// <summary>Reads the next token; false at the end of the value (or, for <see cref="FastTokens"/>, when it steps aside).</summary>
    bool Read();

    /// <summary>On a property name, reads its value; on a start of an object or array, reads to its end.</summary>
    void Skip();

    /// <summary>A tokeniser of the same kind over <paramref name="json"/> (an image found earlier by its offsets).</summary>
    static abstract TSelf Over(ReadOnlySpan<byte> json);

    /// <summary>
    /// On an AttributeValue's StartObject, or on the property name before it: when it is the common <c>{"S":"text"}</c>, <c>{"N":…}</c> or
    /// <c>{"B":…}</c>, reads it to its EndObject in one step and gives the tag and the text (the tokens
    /// PropertyName, String and EndObject would have said the same). Otherwise false, and nothing is read.
    /// </summary>
    bool TryScalarAttribute(out AttributeTag tag, out ReadOnlySpan<byte> text);
}

/// <summary><see cref="Utf8JsonReader"/> itself: every JSON text, escapes and all; throws <see cref="JsonException"/> on malformed text.</summary>
internal ref struct SystemTokens : IJsonTokens<SystemTokens>
{
    private Utf8JsonReader _reader;

    public SystemTokens(ReadOnlySpan<byte> json) => _reader = new Utf8JsonReader(json, Options);

    /// <summary>How every change record is read: as deep as a DynamoDB item may nest.</summary>
    public static JsonReaderOptions Options { get; } = new() { MaxDepth = 256 };

    public readonly JsonTokenType TokenType => _reader.TokenType;

    public readonly ReadOnlySpan<byte> ValueSpan => _reader.ValueSpan;

    public readonly bool ValueIsEscaped => _reader.ValueIsEscaped;

    public readonly bool SteppedAside => false; // it throws instead

    public readonly long TokenStartIndex => _reader.TokenStartIndex;

    public readonly long BytesConsumed => _reader.BytesConsumed;

    public static SystemTokens Over(ReadOnlySpan<byte> json) => new(json);

    public bool Read() => _reader.Read();

    public void Skip() => _reader.Skip();

    public bool TryScalarAttribute(out AttributeTag tag, out ReadOnlySpan<byte> text)
    {
        tag = AttributeTag.Unknown;
        text = default;
        return false; // token by token, escapes and all
    }
}

/// <summary>
/// A tokeniser for the JSON change records really are: objects, arrays, strings without escapes or control
/// characters, numbers, true, false, null, nested at most 64 deep, one value. It accepts only JSON that
/// <see cref="Utf8JsonReader"/> accepts, and reads it into the same tokens; on anything else — an escape, a
/// malformed or unexpected byte, text after the value — it steps aside: <see cref="Read"/> returns false from
/// then on and <see cref="SteppedAside"/> is true, and the caller reads the record again with
/// <see cref="SystemTokens"/>, which decides. The text must be valid UTF-8 (checked before, once).
/// </summary>
internal ref struct FastTokens : IJsonTokens<FastTokens>
{
    private const int MostDepth = 64;

    private readonly ReadOnlySpan<byte> _json;
    private int _position;
    private int _tokenStart;
    private int _valueStart;
    private int _valueLength;
    private JsonTokenType _type;
    private State _state;
    private int _depth;
    private ulong _inObject; // bit d-1: the container at depth d is an object
    private bool _steppedAside;

    public FastTokens(ReadOnlySpan<byte> json)
    {
        _json = json;
        _state = State.Start;
    }

    private enum State : byte
    {
        Start,        // the one value of the text
        ObjectFirst,  // after '{': a name or '}'
        Value,        // after a name and ':': a value
        ArrayFirst,   // after '[': a value or ']'
        AfterValue,   // after a value: ',' or the container's end (or, at depth 0, the end of the text)
        Done,
    }

    /// <summary>The text held something this tokeniser does not read: read it with <see cref="SystemTokens"/>.</summary>
    public readonly bool SteppedAside => _steppedAside;

    public readonly JsonTokenType TokenType => _type;

    public readonly ReadOnlySpan<byte> ValueSpan => _json.Slice(_valueStart, _valueLength);

    public readonly bool ValueIsEscaped => false;

    public readonly long TokenStartIndex => _tokenStart;

    public readonly long BytesConsumed => _position;

    public static FastTokens Over(ReadOnlySpan<byte> json) => new(json);

    public bool Read()
    {
        var json = _json;
        var at = SkipWhitespace(json, _position);
        switch (_state)
        {
            case State.AfterValue:
                if (at >= json.Length)
                {
                    return _depth == 0 ? End(at) : StepAside();
                }

                var separator = json[at];
                if (_depth == 0)
                {
                    return StepAside(); // text after the value
                }

                var inObject = (_inObject & (1UL << (_depth - 1))) != 0;
                if (separator == (byte)',')
                {
                    at = SkipWhitespace(json, at + 1);
                    return inObject ? Name(json, at) : Value(json, at);
                }

                return separator == (inObject ? (byte)'}' : (byte)']') ? Close(at, inObject) : StepAside();
            case State.ObjectFirst:
                return at < json.Length && json[at] == (byte)'}' ? Close(at, inObject: true) : Name(json, at);
            case State.ArrayFirst:
                return at < json.Length && json[at] == (byte)']' ? Close(at, inObject: false) : Value(json, at);
            case State.Start:
            case State.Value:
                return Value(json, at);
            default:
                return false;
        }
    }

    public void Skip()
    {
        // A plain AttributeValue after a name is read whole (TryScalarAttribute), here and inside what is skipped.
        if (_type == JsonTokenType.PropertyName && !TryScalarAttribute(out _, out _) && !Read())
        {
            return;
        }

        if (_type is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            var depth = _depth;
            while (Read() && _depth >= depth)
            {
                if (_type == JsonTokenType.PropertyName)
                {
                    TryScalarAttribute(out _, out _);
                }
            }
        }
    }

    public bool TryScalarAttribute(out AttributeTag tag, out ReadOnlySpan<byte> text)
    {
        tag = AttributeTag.Unknown;
        text = default;
        if (_type == JsonTokenType.StartObject)
        {
            return TryScalarBody(_json, _position, out tag, out text);
        }

        // From the attribute's name: the value's '{' is read here too.
        return _type == JsonTokenType.PropertyName && TryScalarValue(_json, _position, out tag, out text);
    }

    // {"S"|"N"|"B": text} from 'at' (before its '{'), read whole: the state is then its EndObject's, at the depth it started.
    private bool TryScalarValue(ReadOnlySpan<byte> json, int at, out AttributeTag tag, out ReadOnlySpan<byte> text)
    {
        tag = AttributeTag.Unknown;
        text = default;
        var open = SkipWhitespace(json, at);
        if (open >= json.Length || json[open] != (byte)'{' || _depth == MostDepth)
        {
            return false;
        }

        _depth++; // as if its StartObject had been read; TryScalarBody closes it
        if (TryScalarBody(json, open + 1, out tag, out text))
        {
            return true;
        }

        _depth--;
        return false;
    }

    // "S"|"N"|"B": text} from 'at' (after the '{' of an AttributeValue at the current depth), read to its '}'.
    private bool TryScalarBody(ReadOnlySpan<byte> json, int at, out AttributeTag tag, out ReadOnlySpan<byte> text)
    {
        tag = AttributeTag.Unknown;
        text = default;
        at = SkipWhitespace(json, at);

        // As AWS writes it, no whitespace: "S":" in one read of eight bytes.
        if ((uint)(at + 8) <= (uint)json.Length)
        {
            var eight = BinaryPrimitives.ReadUInt64LittleEndian(json.Slice(at, 8));
            if ((eight & 0xFF_FF_FF_00_FFUL) == 0x22_3A_22_00_22UL)
            {
                var plain = (byte)(eight >> 8) switch
                {
                    (byte)'S' => AttributeTag.S,
                    (byte)'N' => AttributeTag.N,
                    (byte)'B' => AttributeTag.B,
                    _ => AttributeTag.Unknown,
                };
                var stringEnd = plain == AttributeTag.Unknown ? -1 : StringEnd(json, at + 5);
                if (stringEnd >= 0 && (uint)(stringEnd + 1) < (uint)json.Length && json[stringEnd + 1] == (byte)'}')
                {
                    tag = plain;
                    text = json.Slice(at + 5, stringEnd - at - 5);
                    return Close(stringEnd + 1, inObject: true);
                }
            }
        }

        if (at + 3 >= json.Length || json[at] != (byte)'"' || json[at + 2] != (byte)'"')
        {
            return false;
        }

        var found = json[at + 1] switch
        {
            (byte)'S' => AttributeTag.S,
            (byte)'N' => AttributeTag.N,
            (byte)'B' => AttributeTag.B,
            _ => AttributeTag.Unknown,
        };
        var colon = SkipWhitespace(json, at + 3);
        if (found == AttributeTag.Unknown || colon >= json.Length || json[colon] != (byte)':')
        {
            return false;
        }

        var quote = SkipWhitespace(json, colon + 1);
        if (quote >= json.Length || json[quote] != (byte)'"')
        {
            return false;
        }

        var end = StringEnd(json, quote + 1);
        var close = end < 0 ? -1 : SkipWhitespace(json, end + 1);
        if (close < 0 || close >= json.Length || json[close] != (byte)'}')
        {
            return false; // an escape, a second member, malformed text: token by token
        }

        tag = found;
        text = json.Slice(quote + 1, end - quote - 1);
        return Close(close, inObject: true);
    }

    private bool End(int at)
    {
        _position = at;
        _state = State.Done;
        _type = JsonTokenType.None;
        return false;
    }

    private bool StepAside()
    {
        _steppedAside = true;
        _state = State.Done;
        _type = JsonTokenType.None;
        return false;
    }

    private bool Close(int at, bool inObject)
    {
        (_tokenStart, _valueStart, _valueLength) = (at, at, 1);
        _position = at + 1;
        _depth--;
        _type = inObject ? JsonTokenType.EndObject : JsonTokenType.EndArray;
        _state = State.AfterValue;
        return true;
    }

    private bool Name(ReadOnlySpan<byte> json, int at)
    {
        if (at >= json.Length || json[at] != (byte)'"')
        {
            return StepAside();
        }

        var end = StringEnd(json, at + 1);
        if (end < 0)
        {
            return StepAside();
        }

        var colon = SkipWhitespace(json, end + 1);
        if (colon >= json.Length || json[colon] != (byte)':')
        {
            return StepAside();
        }

        (_tokenStart, _valueStart, _valueLength) = (at, at + 1, end - at - 1);
        _position = colon + 1;
        _type = JsonTokenType.PropertyName;
        _state = State.Value;
        return true;
    }

    private bool Value(ReadOnlySpan<byte> json, int at)
    {
        if (at >= json.Length)
        {
            return StepAside();
        }

        _tokenStart = at;
        var c = json[at];
        switch (c)
        {
            case (byte)'{':
            case (byte)'[':
                if (_depth == MostDepth)
                {
                    return StepAside();
                }

                var isObject = c == (byte)'{';
                _inObject = isObject ? _inObject | (1UL << _depth) : _inObject & ~(1UL << _depth);
                _depth++;
                (_valueStart, _valueLength) = (at, 1);
                _position = at + 1;
                _type = isObject ? JsonTokenType.StartObject : JsonTokenType.StartArray;
                _state = isObject ? State.ObjectFirst : State.ArrayFirst;
                return true;
            case (byte)'"':
                var end = StringEnd(json, at + 1);
                if (end < 0)
                {
                    return StepAside();
                }

                (_valueStart, _valueLength) = (at + 1, end - at - 1);
                _position = end + 1;
                _type = JsonTokenType.String;
                break;
            case (byte)'t':
                return Literal(json, at, "true"u8, JsonTokenType.True);
            case (byte)'f':
                return Literal(json, at, "false"u8, JsonTokenType.False);
            case (byte)'n':
                return Literal(json, at, "null"u8, JsonTokenType.Null);
            default:
                var numberEnd = NumberEnd(json, at);
                if (numberEnd < 0)
                {
                    return StepAside();
                }

                (_valueStart, _valueLength) = (at, numberEnd - at);
                _position = numberEnd;
                _type = JsonTokenType.Number;
                break;
        }

        _state = State.AfterValue;
        return true;
    }

    private bool Literal(ReadOnlySpan<byte> json, int at, ReadOnlySpan<byte> literal, JsonTokenType type)
    {
        if (!json[at..].StartsWith(literal))
        {
            return StepAside();
        }

        (_valueStart, _valueLength) = (at, literal.Length);
        _position = at + literal.Length;
        _type = type;
        _state = State.AfterValue;
        return true;
    }

    // The index of the closing quote of a string whose text starts at 'at', or -1 for an escape, a control
    // character or no closing quote.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int StringEnd(ReadOnlySpan<byte> json, int at)
    {
        // Sixteen bytes at a time: one bit a byte that stops the text (unsigned: bytes from 0x80 never do).
        var i = at;
        while ((uint)(i + 16) <= (uint)json.Length)
        {
            var sixteen = Vector128.Create(json.Slice(i, 16));
            var found = (Vector128.Equals(sixteen, Vector128.Create((byte)'"')) | Vector128.Equals(sixteen, Vector128.Create((byte)'\\'))
                | Vector128.LessThan(sixteen, Vector128.Create((byte)' '))).ExtractMostSignificantBits();
            if (found != 0)
            {
                i += BitOperations.TrailingZeroCount(found);
                return json[i] == (byte)'"' ? i : -1;
            }

            i += 16;
        }

        // Then eight: a byte that stops the text sets its top bit in 'stops'. Below the first such byte no
        // subtraction borrows, so the lowest bit set is exactly the first stop (bits above it may be false).
        while ((uint)(i + 8) <= (uint)json.Length)
        {
            var eight = BinaryPrimitives.ReadUInt64LittleEndian(json.Slice(i, 8));
            var stops = ZeroBytes(eight ^ 0x2222222222222222UL) // '"'
                | ZeroBytes(eight ^ 0x5C5C5C5C5C5C5C5CUL)       // '\'
                | ((eight - 0x2020202020202020UL) & ~eight & 0x8080808080808080UL); // below ' '
            if (stops != 0)
            {
                i += BitOperations.TrailingZeroCount(stops) >> 3;
                return json[i] == (byte)'"' ? i : -1;
            }

            i += 8;
        }

        var table = StringStops;
        while ((uint)i < (uint)json.Length && table[json[i]] == 0)
        {
            i++;
        }

        return (uint)i < (uint)json.Length && json[i] == (byte)'"' ? i : -1;
    }

    // The top bit of each zero byte of 'value' up to the lowest one, exactly; above it a byte may be flagged falsely.
    private static ulong ZeroBytes(ulong value) => (value - 0x0101010101010101UL) & ~value & 0x8080808080808080UL;

    // 1 for what ends a string's plain text: its closing quote, or what makes it not plain (an escape, a control character).
    private static ReadOnlySpan<byte> StringStops =>
    [
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    // RFC 8259's number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?; the index after it, or -1.
    private static int NumberEnd(ReadOnlySpan<byte> json, int at)
    {
        var i = at;
        if (i < json.Length && json[i] == (byte)'-')
        {
            i++;
        }

        if (i >= json.Length || !IsDigit(json[i]))
        {
            return -1;
        }

        if (json[i] == (byte)'0')
        {
            i++;
        }
        else
        {
            i = Digits(json, i);
        }

        if (i < json.Length && json[i] == (byte)'.')
        {
            var fraction = Digits(json, i + 1);
            if (fraction == i + 1)
            {
                return -1;
            }

            i = fraction;
        }

        if (i < json.Length && (json[i] | 0x20) == (byte)'e')
        {
            i++;
            if (i < json.Length && json[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }

            var exponent = Digits(json, i);
            if (exponent == i)
            {
                return -1;
            }

            i = exponent;
        }

        // A number runs to a delimiter: "01", "1x" or "1-" is not a number followed by something else.
        return i < json.Length && !IsDelimiter(json[i]) ? -1 : i;
    }

    private static int Digits(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && IsDigit(json[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static bool IsDelimiter(byte b) => b is (byte)',' or (byte)'}' or (byte)']' or (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipWhitespace(ReadOnlySpan<byte> json, int at)
    {
        if ((uint)at < (uint)json.Length && json[at] > (byte)' ')
        {
            return at; // nearly always: AWS writes no whitespace
        }

        while (at < json.Length && json[at] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            at++;
        }

        return at;
    }
}
