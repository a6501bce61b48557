using System.Buffers.Text;
using DynamoLake.Core.Buffers;
using DynamoLake.Core.Changes;

namespace PartitionKeys;

/// <summary>
/// The S3 change-log policy: every change is kept (no collapsing; a REMOVE is a row from OldImage with
/// <c>_op</c> = delete), each row is followed by "\n", and <c>metadata.partitionKeys</c> carries the keys.
/// </summary>
internal sealed class PartitionKeysPolicy(PartitionKeysSettings settings) : IRowPolicy
{
    public string FunctionName => settings.FunctionName;

    /// <summary>The change log appends every change; a row's partition never has to be found again.</summary>
    public bool PartitionScoped => false;

    public bool JsonLines => true;

    public void SelectDropped(ChangeBatch batch, Span<bool> dropped)
    {
        // An append-only change log: nothing is dropped.
    }

    public ReasonCode Render(ChangeBatch batch, int index, ByteBuffer scratch, out ReadOnlyMemory<byte> payload, out ReadOnlyMemory<byte> metadata)
    {
        payload = batch.RowMemory(index); // a line: the response writer adds its newline
        metadata = default;

        var time = default(TimeParts?);
        scratch.Write("{\"partitionKeys\":{"u8);
        var keys = settings.Keys;
        for (var k = 0; k < keys.Count; k++)
        {
            var key = keys[k];
            if (k > 0)
            {
                scratch.Write((byte)',');
            }

            scratch.Write(key.Utf8Member);
            if (key.Part == DatePart.None)
            {
                var start = scratch.Length;
                var reason = PartitionValue.Write(batch.ColumnValue(index, key.Column!), scratch);
                if (reason != ReasonCode.None)
                {
                    return reason;
                }

                // Athena projects a categorical key as an enum of its declared values: any other value would
                // be written where no query ever looks. Fail it instead, into the error output.
                if (key.EscapedValues is { } declared && !IsDeclared(declared, scratch.WrittenMemory.Span[start..]))
                {
                    return ReasonCode.InvalidPartitionValue;
                }
            }
            else
            {
                time ??= Time(batch.ColumnValue(index, settings.TimeColumn));
                if (time is not { } t)
                {
                    return ReasonCode.MissingPartitionValue;
                }

                var (value, width) = key.Part switch
                {
                    DatePart.Year => (t.Year, 4),
                    DatePart.Month => (t.Month, 2),
                    DatePart.Day => (t.Day, 2),
                    _ => (t.Hour, 2),
                };
                var digits = scratch.GetSpan(width);
                for (var d = width - 1; d >= 0; d--, value /= 10)
                {
                    digits[d] = (byte)('0' + (value % 10)); // years 1 to 9999: four digits; the rest two
                }

                scratch.Advance(width);
            }

            scratch.Write((byte)'"');
        }

        scratch.Write("}}"u8);
        metadata = scratch.WrittenMemory;
        return ReasonCode.None;
    }

    private static bool IsDeclared(byte[][] declared, ReadOnlySpan<byte> value)
    {
        foreach (var candidate in declared)
        {
            if (value.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The UTC instant of an epoch-µs row value; null when absent or outside years 1–9999.</summary>
    private static TimeParts? Time(ReadOnlySpan<byte> rawMicros)
    {
        if (!Utf8Parser.TryParse(rawMicros, out long micros, out var consumed) || consumed != rawMicros.Length)
        {
            return null;
        }

        var ticks = DateTime.UnixEpoch.Ticks + (Math.Clamp(micros, long.MinValue / 20, long.MaxValue / 20) * 10);
        if (ticks is < 0 or > 3155378975999999999)
        {
            return null;
        }

        // The date's parts worked out once (each of DateTime's Year, Month and Day works them out again).
        var time = new DateTime(ticks, DateTimeKind.Utc);
        var (year, month, day) = DateOnly.FromDateTime(time);
        return new TimeParts(year, month, day, time.Hour);
    }

    private readonly record struct TimeParts(int Year, int Month, int Day, int Hour);
}
