using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using DynamoLake.Core.Buffers;
using DynamoLake.Core.Contract;

namespace DynamoLake.Core.Changes;

/// <summary>
/// Converts DynamoDB AttributeValue JSON into row JSON of the declared column types, reading with
/// <see cref="Utf8JsonReader"/> and writing raw UTF-8 straight into the row buffer (no DOM, no strings).
/// Stateless: everything it needs comes from the contract's <see cref="FieldSet"/> and the arguments.
/// </summary>
internal static class RowWriter
{
    private const int NameScratchLength = 256;

    /// <summary>
    /// Writes the attributes of one map (reader on its StartObject) as properties of the current JSON
    /// object, in document order, then <c>null</c> for every absent optional column. Undeclared attributes
    /// are skipped and counted. When <paramref name="slices"/> is not empty (the top level), the position
    /// and length of each column's value in <paramref name="output"/> are recorded there.
    /// </summary>
    /// <param name="reader">On the map's StartObject.</param>
    /// <param name="fields">The declared columns (or struct fields).</param>
    /// <param name="output">Where the row goes.</param>
    /// <param name="first">Whether nothing has been written in the current object yet.</param>
    /// <param name="slices">Top level only: where each column's value lands.</param>
    /// <param name="undeclared">Counts the attributes not declared.</param>
    /// <param name="keysOnly">
    /// The map is a change's <c>Keys</c> (a REMOVE without OldImage): only these key columns must be present;
    /// every other column is written as null.
    /// </param>
    public static ReasonCode WriteFields<T>(ref T reader, FieldSet fields, ByteBuffer output, ref bool first, Span<int> slices, ref int undeclared, IReadOnlyList<Column>? keysOnly = null, Column?[]? hints = null)
        where T : IJsonTokens<T>, allows ref struct
    {
        Span<bool> seen = fields.Count <= 256 ? stackalloc bool[256] : new bool[fields.Count];
        seen = seen[..fields.Count];
        seen.Clear();
        Span<byte> nameScratch = stackalloc byte[NameScratchLength];
        HashSet<string>? undeclaredNames = null;
        Column? previous = null;

        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return WriteAbsent(fields, seen, output, ref first, keysOnly);
            }

            var name = JsonText.Unescaped(reader.ValueSpan, reader.ValueIsEscaped, nameScratch);
            var column = fields.FindBySource(name, previous, hints);
            if (column is null)
            {
                // Not in the row, but a map that names an attribute twice is still not a DynamoDB item.
                // (The record is valid UTF-8, checked up front, so the name's text is exact.)
                undeclaredNames ??= new HashSet<string>(StringComparer.Ordinal);
                if (!undeclaredNames.Add(System.Text.Encoding.UTF8.GetString(name)))
                {
                    return ReasonCode.InvalidJson;
                }
                undeclared++;
                reader.Read();
                reader.Skip();
                continue;
            }

            if (seen[column.Index])
            {
                return ReasonCode.InvalidJson; // the same attribute twice in one map
            }

            seen[column.Index] = true;
            previous = column;

            // The value: the common {"S"|"N"|"B": text} in one step, else token by token from its StartObject.
            var scalar = reader.TryScalarAttribute(out var tag, out var text);
            if (!scalar && (!reader.Read() || reader.TokenType != JsonTokenType.StartObject))
            {
                return ReasonCode.InvalidAttributeValue;
            }

            if (!first)
            {
                output.Write((byte)',');
            }

            first = false;
            output.Write(column.JsonPropertyPrefix);
            var start = output.Length;
            var reason = scalar
                ? WriteScalar(tag, text, escaped: false, column.Type, column.SourceUnit, output)
                : WriteTokens(ref reader, column.Type, column.SourceUnit, column.Required, output, ref undeclared, hints);
            if (reason != ReasonCode.None)
            {
                return reason;
            }

            if (!slices.IsEmpty)
            {
                slices[2 * column.Index] = start;
                slices[(2 * column.Index) + 1] = output.Length - start;
            }
        }

        return ReasonCode.InvalidJson;
    }

    private static ReasonCode WriteAbsent(FieldSet fields, ReadOnlySpan<bool> seen, ByteBuffer output, ref bool first, IReadOnlyList<Column>? keysOnly)
    {
        var columns = fields.All;
        for (var i = 0; i < seen.Length; i++)
        {
            if (seen[i] || columns[i].Derived != DerivedField.None)
            {
                continue;
            }

            if (keysOnly is null ? columns[i].Required : keysOnly.Contains(columns[i]))
            {
                return ReasonCode.MissingRequiredColumn;
            }

            if (!first)
            {
                output.Write((byte)',');
            }

            first = false;
            output.Write(columns[i].JsonPropertyPrefix);
            output.Write("null"u8);
        }

        return ReasonCode.None;
    }

    /// <summary>Writes one AttributeValue (reader on its StartObject; left on its EndObject) as a value of <paramref name="type"/>.</summary>
    public static ReasonCode WriteAttributeValue<T>(ref T reader, ColumnType type, SourceTimeUnit unit, bool required, ByteBuffer output, ref int undeclared, Column?[]? hints = null)
        where T : IJsonTokens<T>, allows ref struct =>
        reader.TryScalarAttribute(out var scalar, out var text)
            ? WriteScalar(scalar, text, escaped: false, type, unit, output)
            : WriteTokens(ref reader, type, unit, required, output, ref undeclared, hints);

    // WriteAttributeValue token by token (the one-step read of a plain value was tried, or does not apply).
    private static ReasonCode WriteTokens<T>(ref T reader, ColumnType type, SourceTimeUnit unit, bool required, ByteBuffer output, ref int undeclared, Column?[]? hints)
        where T : IJsonTokens<T>, allows ref struct
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
        {
            return ReasonCode.InvalidAttributeValue;
        }

        var tag = ReadTag(ref reader);
        reader.Read();
        ReasonCode reason;
        switch (tag)
        {
            case AttributeTag.S:
            case AttributeTag.N:
            case AttributeTag.B:
                reason = reader.TokenType == JsonTokenType.String
                    ? WriteScalar(ref reader, tag, type, unit, output)
                    : ReasonCode.InvalidAttributeValue;
                break;
            case AttributeTag.Bool:
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                {
                    return ReasonCode.InvalidAttributeValue;
                }

                if (type.Kind != ColumnKind.Boolean)
                {
                    return ReasonCode.TypeMismatch;
                }

                output.Write(reader.TokenType == JsonTokenType.True ? "true"u8 : "false"u8);
                reason = ReasonCode.None;
                break;
            case AttributeTag.Null:
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                {
                    return ReasonCode.InvalidAttributeValue;
                }

                if (required)
                {
                    return ReasonCode.MissingRequiredColumn;
                }

                output.Write("null"u8);
                reason = ReasonCode.None;
                break;
            case AttributeTag.M:
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return ReasonCode.InvalidAttributeValue;
                }

                if (type.Kind != ColumnKind.Struct)
                {
                    return ReasonCode.TypeMismatch;
                }

                output.Write((byte)'{');
                var first = true;
                reason = WriteFields(ref reader, type.Fields!, output, ref first, [], ref undeclared, hints: hints);
                output.Write((byte)'}');
                break;
            case AttributeTag.L:
                reason = WriteList(ref reader, type, unit, output, ref undeclared, hints);
                break;
            case AttributeTag.SS:
            case AttributeTag.NS:
            case AttributeTag.BS:
                reason = WriteSet(ref reader, tag, type, unit, output);
                break;
            default:
                return ReasonCode.InvalidAttributeValue;
        }

        if (reason != ReasonCode.None)
        {
            return reason;
        }

        // Exactly one type per AttributeValue.
        return reader.Read() && reader.TokenType == JsonTokenType.EndObject ? ReasonCode.None : ReasonCode.InvalidAttributeValue;
    }

    private static ReasonCode WriteList<T>(ref T reader, ColumnType type, SourceTimeUnit unit, ByteBuffer output, ref int undeclared, Column?[]? hints)
        where T : IJsonTokens<T>, allows ref struct
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return ReasonCode.InvalidAttributeValue;
        }

        if (type.Kind != ColumnKind.List)
        {
            return ReasonCode.TypeMismatch;
        }

        output.Write((byte)'[');
        var first = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return ReasonCode.InvalidAttributeValue;
            }

            if (!first)
            {
                output.Write((byte)',');
            }

            first = false;
            var reason = WriteAttributeValue(ref reader, type.Element!, unit, type.ElementRequired, output, ref undeclared, hints);
            if (reason != ReasonCode.None)
            {
                return reason;
            }
        }

        output.Write((byte)']');
        return ReasonCode.None;
    }

    private static ReasonCode WriteSet<T>(ref T reader, AttributeTag setTag, ColumnType type, SourceTimeUnit unit, ByteBuffer output)
        where T : IJsonTokens<T>, allows ref struct
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return ReasonCode.InvalidAttributeValue;
        }

        if (type.Kind != ColumnKind.List)
        {
            return ReasonCode.TypeMismatch;
        }

        var elementTag = setTag switch
        {
            AttributeTag.SS => AttributeTag.S,
            AttributeTag.NS => AttributeTag.N,
            _ => AttributeTag.B,
        };
        output.Write((byte)'[');
        var first = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return ReasonCode.InvalidAttributeValue;
            }

            if (!first)
            {
                output.Write((byte)',');
            }

            first = false;
            var reason = WriteScalar(ref reader, elementTag, type.Element!, unit, output);
            if (reason != ReasonCode.None)
            {
                return reason;
            }
        }

        output.Write((byte)']');
        return ReasonCode.None;
    }

    private static AttributeTag ReadTag<T>(ref T reader)
        where T : IJsonTokens<T>, allows ref struct
    {
        Span<byte> scratch = stackalloc byte[16];
        var name = JsonText.Unescaped(reader.ValueSpan, reader.ValueIsEscaped, scratch);
        return name.Length switch
        {
            1 => name[0] switch
            {
                (byte)'S' => AttributeTag.S,
                (byte)'N' => AttributeTag.N,
                (byte)'B' => AttributeTag.B,
                (byte)'M' => AttributeTag.M,
                (byte)'L' => AttributeTag.L,
                _ => AttributeTag.Unknown,
            },
            2 when name.SequenceEqual("SS"u8) => AttributeTag.SS,
            2 when name.SequenceEqual("NS"u8) => AttributeTag.NS,
            2 when name.SequenceEqual("BS"u8) => AttributeTag.BS,
            4 when name.SequenceEqual("BOOL"u8) => AttributeTag.Bool,
            4 when name.SequenceEqual("NULL"u8) => AttributeTag.Null,
            _ => AttributeTag.Unknown,
        };
    }

    /// <summary>Writes an S, N or B value (reader on the string token) as <paramref name="type"/>.</summary>
    private static ReasonCode WriteScalar<T>(ref T reader, AttributeTag tag, ColumnType type, SourceTimeUnit unit, ByteBuffer output)
        where T : IJsonTokens<T>, allows ref struct =>
        WriteScalar(tag, reader.ValueSpan, reader.ValueIsEscaped, type, unit, output);

    /// <summary>Writes an S, N or B value's string text (as written, between the quotes) as <paramref name="type"/>.</summary>
    private static ReasonCode WriteScalar(AttributeTag tag, ReadOnlySpan<byte> text, bool escaped, ColumnType type, SourceTimeUnit unit, ByteBuffer output)
    {
        if (type.Kind == ColumnKind.String)
        {
            // Copied in canonical form: escapes resolved, so equal text is equal bytes (keys, partitions).
            if (tag != AttributeTag.S)
            {
                return ReasonCode.TypeMismatch;
            }

            if (escaped)
            {
                return JsonText.WriteCanonical(text, output);
            }

            JsonText.WriteQuoted(text, output); // no escape: already canonical
            return ReasonCode.None;
        }

        // Everything else is compared by its unescaped text ("\u0031" is the digit 1).
        Span<byte> scratch = stackalloc byte[NameScratchLength];
        var raw = JsonText.Unescaped(text, escaped, scratch);
        switch (type.Kind)
        {
            case ColumnKind.Date:
                if (tag != AttributeTag.S)
                {
                    return ReasonCode.TypeMismatch;
                }

                return IsIsoDate(raw) ? JsonText.WriteCanonical(raw, output) : ReasonCode.InvalidValue;
            case ColumnKind.Binary:
                if (tag != AttributeTag.B)
                {
                    return ReasonCode.TypeMismatch;
                }

                // Base64.IsValid skips whitespace; a binary value with any is not DynamoDB's base64 (and a raw
                // newline must never reach a row).
                return raw.IndexOfAny(" \t\r\n"u8) < 0 && Base64.IsValid(raw) ? JsonText.WriteCanonical(raw, output) : ReasonCode.InvalidValue;
            case ColumnKind.Int:
            case ColumnKind.Long:
                return tag != AttributeTag.N ? ReasonCode.TypeMismatch
                    : type.Kind == ColumnKind.Int ? WriteInteger(raw, 0, int.MinValue, int.MaxValue, safeDigits: 9, output)
                    : WriteInteger(raw, 0, long.MinValue, long.MaxValue, safeDigits: 18, output);
            case ColumnKind.Decimal:
                return tag != AttributeTag.N ? ReasonCode.TypeMismatch
                    : NumberText.WriteDecimal(raw, type.Precision, type.Scale, output);
            case ColumnKind.Float:
            case ColumnKind.Double:
                return tag != AttributeTag.N ? ReasonCode.TypeMismatch
                    : WriteFloating(raw, type.Kind == ColumnKind.Float, output);
            case ColumnKind.Timestamp:
            case ColumnKind.TimestampTz:
                if (unit == SourceTimeUnit.Iso8601)
                {
                    return tag != AttributeTag.S ? ReasonCode.TypeMismatch : WriteIsoTimestamp(raw, output);
                }

                return tag != AttributeTag.N ? ReasonCode.TypeMismatch
                    : WriteInteger(raw, MicrosecondShift(unit), long.MinValue, long.MaxValue, safeDigits: 18, output);
            default:
                return ReasonCode.TypeMismatch;
        }
    }

    internal static int MicrosecondShift(SourceTimeUnit unit) => unit switch
    {
        SourceTimeUnit.Seconds => 6,
        SourceTimeUnit.Milliseconds => 3,
        _ => 0,
    };

    // safeDigits: every value of that many digits, and its negative, is within [min, max] (9 for an int, 18 for a long).
    private static ReasonCode WriteInteger(ReadOnlySpan<byte> raw, int shift, long min, long max, int safeDigits, ByteBuffer output)
    {
        // Canonical digits that surely fit are the value's own text (with the unit's zeros): copied, not parsed and
        // formatted again.
        if ((uint)shift <= 6 && NumberText.IsCanonicalInteger(raw, safeDigits - shift))
        {
            output.Write(raw);
            if (raw[0] != (byte)'0')
            {
                output.Write("000000"u8[..shift]);
            }

            return ReasonCode.None;
        }

        var reason = NumberText.TryToInt64(raw, shift, min, max, truncate: false, out var value);
        if (reason == ReasonCode.None)
        {
            WriteInt64(value, output);
        }

        return reason;
    }

    internal static void WriteInt64(long value, ByteBuffer output)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
    }

    private static ReasonCode WriteFloating(ReadOnlySpan<byte> raw, bool single, ByteBuffer output)
    {
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return ReasonCode.InvalidValue;
        }

        var span = output.GetSpan(32);
        int written;
        if (single)
        {
            var f = (float)value;
            if (!float.IsFinite(f))
            {
                return ReasonCode.Overflow;
            }

            f.TryFormat(span, out written, "R", CultureInfo.InvariantCulture);
        }
        else
        {
            if (!double.IsFinite(value))
            {
                return ReasonCode.Overflow;
            }

            value.TryFormat(span, out written, "R", CultureInfo.InvariantCulture);
        }

        output.Advance(written);
        return ReasonCode.None;
    }

    private static ReasonCode WriteIsoTimestamp(ReadOnlySpan<byte> unescaped, ByteBuffer output)
    {
        var text = System.Text.Encoding.UTF8.GetString(unescaped);
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return ReasonCode.InvalidValue;
        }

        var ticks = instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        if (ticks % 10 != 0)
        {
            return ReasonCode.InexactNumber;
        }

        WriteInt64(ticks / 10, output);
        return ReasonCode.None;
    }

    /// <summary>yyyy-MM-dd naming a real calendar day.</summary>
    internal static bool IsIsoDate(ReadOnlySpan<byte> s)
    {
        if (s.Length != 10 || s[4] != (byte)'-' || s[7] != (byte)'-')
        {
            return false;
        }

        if (!TryDigits(s[..4], out var year) || !TryDigits(s.Slice(5, 2), out var month) || !TryDigits(s.Slice(8, 2), out var day))
        {
            return false;
        }

        return year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
    }

    private static bool TryDigits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var c in s)
        {
            if ((uint)(c - '0') > 9)
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
