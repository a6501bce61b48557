using System.Globalization;
using System.Text.Json;
using DynamoLake.Core.Contract;
using Parquet.Schema;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// The contract's columns as Parquet, in the two layouts of the lake: the Iceberg table (timestamps as
/// timestamp µs UTC, as S3 Tables stores them) and the S3 change log as Firehose's Parquet conversion
/// writes it against the Glue columns (timestamps as bigint epoch µs, ADR 0003). Converts a row (the
/// functions' JSON) into the values Parquet.Net writes.
/// </summary>
internal sealed partial class ParquetLayout
{
    private readonly TableContract _contract;
    private readonly bool _timestampsAsBigint;

    private ParquetLayout(TableContract contract, bool timestampsAsBigint)
    {
        _contract = contract;
        _timestampsAsBigint = timestampsAsBigint;
        Schema = new ParquetSchema(contract.Columns.Columns.Select(Field).ToArray());
    }

    public ParquetSchema Schema { get; }

    public static ParquetLayout Iceberg(TableContract contract) => new(contract, timestampsAsBigint: false);

    public static ParquetLayout ChangeLog(TableContract contract) => new(contract, timestampsAsBigint: true);

    /// <summary>The widest decimal System.Decimal holds exactly (28 significant digits).</summary>
    private const int MaxSystemDecimalDigits = 28;

    private Field Field(Column column) => Field(column.Name, column.Type);

    // Every field is nullable: a delete row may miss values, and Iceberg's required flag is the table's business.
    private Field Field(string name, ColumnType type) => type.Kind switch
    {
        ColumnKind.String => new DataField<string>(name, nullable: true),
        ColumnKind.Int => new DataField<int?>(name),
        ColumnKind.Long => new DataField<long?>(name),
        ColumnKind.Boolean => new DataField<bool?>(name),
        ColumnKind.Float => new DataField<float?>(name),
        ColumnKind.Double => new DataField<double?>(name),
        // System.Decimal holds 28 digits: wider decimals are written from their exact digits.
        ColumnKind.Decimal when type.Precision > MaxSystemDecimalDigits => new BigDecimalDataField(name, type.Precision, type.Scale, isNullable: true),
        ColumnKind.Decimal => new DecimalDataField(name, type.Precision, type.Scale, forceByteArrayEncoding: false, isNullable: true),
        ColumnKind.Date => new DateTimeDataField(name, DateTimeFormat.Date, isNullable: true),
        ColumnKind.Timestamp or ColumnKind.TimestampTz when _timestampsAsBigint => new DataField<long?>(name),
        ColumnKind.Timestamp or ColumnKind.TimestampTz => new DateTimeDataField(name, DateTimeFormat.Timestamp, isNullable: true, unit: DateTimeTimeUnit.Micros, isAdjustedToUTC: type.Kind == ColumnKind.TimestampTz),
        ColumnKind.Binary => new DataField<byte[]>(name, nullable: true),
        ColumnKind.Struct => new StructField(name, type.Fields!.Columns.Select(c => Field(c.Name, c.Type)).ToArray()),
        // Parquet's three-level list (list/element), as Iceberg writes it.
        _ => new ListField(name, Field("element", type.Element!)),
    };
}
