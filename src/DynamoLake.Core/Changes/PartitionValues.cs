using System.Buffers.Text;
using DynamoLake.Core.Contract;

namespace DynamoLake.Core.Changes;

/// <summary>Whether two converted column values (row JSON) fall in the same partition of a partition field.</summary>
internal static class PartitionValues
{
    private const long MicrosPerHour = 3_600_000_000L;
    private const long MicrosPerDay = 24 * MicrosPerHour;

    /// <summary>
    /// Same partition: equal transformed values. Time transforms are computed (timestamps are epoch µs, dates
    /// yyyy-MM-dd); any other transform (identity, bucket, truncate) is taken as moving on any change of value.
    /// A null on either side is not compared: an image without a value was never a row in a partition.
    /// </summary>
    public static bool Same(PartitionField field, ReadOnlySpan<byte> before, ReadOnlySpan<byte> after)
    {
        if (before.SequenceEqual(after) || before.SequenceEqual("null"u8) || after.SequenceEqual("null"u8))
        {
            return true;
        }

        var kind = field.Source.Type.Kind;
        if (kind is ColumnKind.Timestamp or ColumnKind.TimestampTz
            && Utf8Parser.TryParse(before, out long a, out var usedA) && usedA == before.Length
            && Utf8Parser.TryParse(after, out long b, out var usedB) && usedB == after.Length)
        {
            return field.Transform switch
            {
                "hour" => FloorDiv(a, MicrosPerHour) == FloorDiv(b, MicrosPerHour),
                "day" => FloorDiv(a, MicrosPerDay) == FloorDiv(b, MicrosPerDay),
                "month" => Month(a) == Month(b),
                "year" => Month(a) / 12 == Month(b) / 12,
                _ => false,
            };
        }

        if (kind is ColumnKind.Date && before.Length == 12 && after.Length == 12)
        {
            // "yyyy-MM-dd" with its quotes: a month is its first 7 characters, a year its first 4.
            return field.Transform switch
            {
                "month" => before[..8].SequenceEqual(after[..8]),
                "year" => before[..5].SequenceEqual(after[..5]),
                _ => false,
            };
        }

        return false;
    }

    private static long FloorDiv(long value, long by) => (value / by) - (value % by < 0 ? 1 : 0);

    private static long Month(long micros)
    {
        var date = DateTime.UnixEpoch.AddDays(FloorDiv(micros, MicrosPerDay));
        return ((date.Year - 1970) * 12L) + date.Month - 1;
    }
}
