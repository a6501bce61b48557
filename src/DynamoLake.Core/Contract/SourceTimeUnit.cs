namespace DynamoLake.Core.Contract;

/// <summary>How a timestamp column's value is stored in the DynamoDB item.</summary>
public enum SourceTimeUnit
{
    /// <summary>Epoch seconds (a number, fractions allowed down to the microsecond).</summary>
    Seconds,

    /// <summary>Epoch milliseconds (a number).</summary>
    Milliseconds,

    /// <summary>Epoch microseconds (a number).</summary>
    Microseconds,

    /// <summary>An ISO-8601 string with an offset, e.g. 2026-11-23T10:00:00Z.</summary>
    Iso8601,
}
