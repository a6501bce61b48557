using System.Buffers;
using System.Text.Json;
using DynamoLake.Core.Buffers;
using DynamoLake.Core.Changes;

namespace PartitionKeys;

/// <summary>
/// Turns a row's JSON value into an S3-prefix-safe partition value. Characters that could break a path
/// or a Hive partition (<c>/ = % " ' # * : ? \ { [ ] ^</c>, control characters, DEL) are escaped as
/// <c>%XX</c> — the escaping Hive and Athena undo when they read partition values — so every value keeps
/// its identity. Empty and null values are refused (<c>missing_partition_value</c>), and so are values
/// longer than <see cref="MaxBytes"/> after escaping (<c>invalid_partition_value</c>).
/// </summary>
internal static class PartitionValue
{
    public const int MaxBytes = 512;

    private static ReadOnlySpan<byte> Hex => "0123456789ABCDEF"u8;

    private static readonly SearchValues<byte> s_needsEscape =
        SearchValues.Create([.. Enumerable.Range(0, 256).Select(b => (byte)b).Where(NeedsEscape)]);

    /// <summary>Writes the escaped value of <paramref name="rawJsonValue"/> (a string, number or boolean) to <paramref name="output"/>.</summary>
    public static ReasonCode Write(ReadOnlySpan<byte> rawJsonValue, ByteBuffer output)
    {
        if (rawJsonValue.IsEmpty || rawJsonValue.SequenceEqual("null"u8))
        {
            return ReasonCode.MissingPartitionValue;
        }

        ReadOnlySpan<byte> value = rawJsonValue;
        if (value[0] == (byte)'"')
        {
            value = value[1..^1];
            if (value.Contains((byte)'\\'))
            {
                var reader = new Utf8JsonReader(rawJsonValue);
                reader.Read();
                var unescaped = new byte[value.Length];
                value = unescaped.AsSpan(0, reader.CopyString(unescaped));
            }
        }

        if (value.IsEmpty)
        {
            return ReasonCode.MissingPartitionValue;
        }

        var start = output.Length;
        if (value.IndexOfAny(s_needsEscape) < 0)
        {
            output.Write(value); // the usual value: nothing to escape
        }
        else
        {
            WriteEscaped(value, output);
        }

        if (output.Length - start > MaxBytes)
        {
            output.Length = start;
            return ReasonCode.InvalidPartitionValue;
        }

        return ReasonCode.None;
    }

    private static void WriteEscaped(ReadOnlySpan<byte> value, ByteBuffer output)
    {
        foreach (var b in value)
        {
            if (NeedsEscape(b))
            {
                var span = output.GetSpan(3);
                span[0] = (byte)'%';
                span[1] = Hex[b >> 4];
                span[2] = Hex[b & 0xF];
                output.Advance(3);
            }
            else
            {
                output.Write(b);
            }
        }
    }

    private static bool NeedsEscape(byte b) => b < 0x20 || b == 0x7F || b is (byte)'/' or (byte)'=' or (byte)'%' or (byte)'"' or (byte)'\''
        or (byte)'#' or (byte)'*' or (byte)':' or (byte)'?' or (byte)'\\' or (byte)'{' or (byte)'[' or (byte)']' or (byte)'^';
}
