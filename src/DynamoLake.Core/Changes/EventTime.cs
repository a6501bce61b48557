namespace DynamoLake.Core.Changes;

/// <summary>
/// ApproximateCreationDateTime comes as epoch seconds (DynamoDB Streams, possibly with a fraction),
/// milliseconds or microseconds (Kinesis Data Streams for DynamoDB, by its precision setting). The unit is
/// told apart by magnitude: below 1e11 seconds, below 1e14 milliseconds, else microseconds (each
/// boundary is the year 5138 in the smaller unit).
/// </summary>
public static class EventTime
{
    public static ReasonCode TryToMicroseconds(ReadOnlySpan<byte> numberText, out long micros)
    {
        micros = 0;
        Span<byte> digits = stackalloc byte[64];
        if (numberText.Length > digits.Length || !NumberText.TryParse(numberText, digits, out var negative, out var count, out var exponent) || negative)
        {
            return ReasonCode.InvalidValue;
        }

        var integerDigits = count + exponent;
        var shift = integerDigits <= 11 ? 6 : integerDigits <= 14 ? 3 : 0;

        // Sub-microsecond fractions of an approximate time are cut off, not refused.
        return NumberText.TryToInt64(numberText, shift, 0, long.MaxValue, truncate: true, out micros);
    }
}
