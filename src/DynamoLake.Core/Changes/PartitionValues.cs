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
                "year" => FloorDiv(Month(a), 12) == FloorDiv(Month(b), 12),
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

    // Months since 1970-01 of an instant, by the proleptic Gregorian calendar, for any day a long can hold
    // (DateTime stops at year 9999; a timestamp the row accepts may lie beyond it).
    private static long Month(long micros)
    {
        // Days since 0000-03-01, so that a leap day ends its year; 146,097 days make 400 years.
        var days = FloorDiv(micros, MicrosPerDay) + 719_468;
        var era = FloorDiv(days, 146_097);
        var dayOfEra = days - (era * 146_097);
        var yearOfEra = (dayOfEra - (dayOfEra / 1_460) + (dayOfEra / 36_524) - (dayOfEra / 146_096)) / 365;
        var dayOfYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
        var monthFromMarch = ((5 * dayOfYear) + 2) / 153;
        var month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
        var year = yearOfEra + (era * 400) + (month <= 2 ? 1 : 0);
        return ((year - 1970) * 12) + month - 1;
    }
}
