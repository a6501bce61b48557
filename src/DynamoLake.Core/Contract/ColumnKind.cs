namespace DynamoLake.Core.Contract;

/// <summary>The Iceberg types a contract column can declare.</summary>
public enum ColumnKind
{
    String,
    Int,
    Long,
    Boolean,
    Float,
    Double,
    Decimal,
    Date,
    Timestamp,
    TimestampTz,
    Binary,
    Struct,
    List,
}
