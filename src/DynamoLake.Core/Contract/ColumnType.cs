namespace DynamoLake.Core.Contract;

/// <summary>An Iceberg type: a primitive, decimal(p,s), a struct of columns, or a list of an element type.</summary>
public sealed class ColumnType
{
    private ColumnType(ColumnKind kind, int precision, int scale, FieldSet? fields, ColumnType? element, bool elementRequired)
    {
        Kind = kind;
        Precision = precision;
        Scale = scale;
        Fields = fields;
        Element = element;
        ElementRequired = elementRequired;
    }

    public ColumnKind Kind { get; }

    /// <summary>Decimal precision (total digits); 0 for other kinds.</summary>
    public int Precision { get; }

    /// <summary>Decimal scale (digits after the point); 0 for other kinds.</summary>
    public int Scale { get; }

    /// <summary>The fields of a struct; null for other kinds.</summary>
    public FieldSet? Fields { get; }

    /// <summary>The element type of a list; null for other kinds.</summary>
    public ColumnType? Element { get; }

    public bool ElementRequired { get; }

    /// <summary>Element field id of a list (assigned with the contract's field ids).</summary>
    public int ElementId { get; internal set; }

    public bool IsPrimitive => Kind is not (ColumnKind.Struct or ColumnKind.List);

    public static ColumnType Primitive(ColumnKind kind)
    {
        if (kind is ColumnKind.Struct or ColumnKind.List or ColumnKind.Decimal)
        {
            throw new ArgumentException($"{kind} is not a plain primitive.", nameof(kind));
        }

        return new ColumnType(kind, 0, 0, null, null, false);
    }

    public static ColumnType Decimal(int precision, int scale) => new(ColumnKind.Decimal, precision, scale, null, null, false);

    public static ColumnType Struct(FieldSet fields) => new(ColumnKind.Struct, 0, 0, fields, null, false);

    public static ColumnType List(ColumnType element, bool elementRequired) => new(ColumnKind.List, 0, 0, null, element, elementRequired);

    /// <summary>The Iceberg name of a primitive type (string, long, decimal(12,2), timestamptz …).</summary>
    public string IcebergPrimitiveName => Kind switch
    {
        ColumnKind.String => "string",
        ColumnKind.Int => "int",
        ColumnKind.Long => "long",
        ColumnKind.Boolean => "boolean",
        ColumnKind.Float => "float",
        ColumnKind.Double => "double",
        ColumnKind.Decimal => $"decimal({Precision},{Scale})",
        ColumnKind.Date => "date",
        ColumnKind.Timestamp => "timestamp",
        ColumnKind.TimestampTz => "timestamptz",
        ColumnKind.Binary => "binary",
        _ => throw new InvalidOperationException($"{Kind} is not a primitive type."),
    };

    public override string ToString() => Kind switch
    {
        ColumnKind.Struct => $"struct<{string.Join(", ", Fields!.Columns.Select(c => $"{c.Name}: {c.Type}"))}>",
        ColumnKind.List => $"list<{Element}>",
        _ => IcebergPrimitiveName,
    };
}
