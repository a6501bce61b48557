using System.Text;
using System.Text.Json;
using DynamoLake.Core.Contract;

namespace DynamoLake.Core.Changes;

/// <summary>
/// Which contract (destination table) each change of a stream becomes a row of: by the table the record
/// names (Kinesis <c>tableName</c>, or the table in a DynamoDB Streams <c>eventSourceARN</c>), then by the
/// entity its item is (single-table design). One contract with no entity needs no reading at all.
/// </summary>
public sealed class ChangeRoutes
{
    /// <summary>What <see cref="Choose"/> returns for a change of a table no contract reads.</summary>
    public const int OtherTable = -1;

    /// <summary>What <see cref="Choose"/> returns for an item of a read table that matches no contract's entity.</summary>
    public const int NoEntity = -2;

    /// <summary>What <see cref="Choose"/> returns for a MODIFY whose old image is another contract's entity than its new image.</summary>
    public const int EntityMoved = -3;

    private readonly byte[]?[] _tables;
    private readonly string[] _attributes;

    public ChangeRoutes(ContractSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        Set = set;
        _tables = [.. set.Contracts.Select(c => set.SourceOf(c) is { } table ? Encoding.UTF8.GetBytes(table) : null)];
        _attributes = [.. set.Contracts.Where(c => c.Entity is not null).Select(c => c.Entity!.Attribute).Distinct(StringComparer.Ordinal)];
        MostColumns = set.Contracts.Max(c => c.Columns.Count);
    }

    /// <summary>Routes of one contract, reading <paramref name="sourceTable"/> (null: any table).</summary>
    public static ChangeRoutes One(TableContract contract, string? sourceTable = null) => new(ContractSet.Of([contract], sourceTable));

    public ContractSet Set { get; }

    public int Count => Set.Count;

    public TableContract this[int route] => Set.Contracts[route];

    /// <summary>The most top-level columns of any contract.</summary>
    public int MostColumns { get; }

    /// <summary>One contract and no entity: every change is that contract's (or another table's, see <see cref="SourceTable"/>).</summary>
    public bool OneContract => Count == 1 && Set.Contracts[0].Entity is null;

    /// <summary>With <see cref="OneContract"/>: the only table read (UTF-8), or null: any.</summary>
    public byte[]? SourceTable => _tables[0];

    /// <summary>
    /// The contract a change record goes to (its index), <see cref="OtherTable"/>, <see cref="NoEntity"/> or
    /// <see cref="EntityMoved"/> (one record cannot delete the row in one table and write it in another). A
    /// record that names no table is every table's; one that cannot be read goes to the first contract that
    /// reads its table, whose conversion then fails with the reason.
    /// </summary>
    public int Choose(ReadOnlySpan<byte> json)
    {
        var (tableStart, tableLength, tableEscaped, tableIsArn, found, images, whole) = Read(json);
        var table = json.Slice(tableStart, tableLength);
        if (!whole)
        {
            // Not a readable change record: the first contract of its table converts it, and names what is wrong.
            return Route(table, tableEscaped, tableIsArn, values: null, anyEntity: true);
        }

        var route = Route(table, tableEscaped, tableIsArn, Values(found, 0, 1, 2));
        if (route >= 0 && images[0] && images[1] && Route(table, tableEscaped, tableIsArn, Values(found, 1, 2)) is var before && before != route && before != NoEntity)
        {
            return EntityMoved;
        }

        return route;
    }

    // Each entity attribute's text from the first of the images that holds it (0 NewImage, 1 OldImage, 2 Keys).
    private string?[]? Values(string?[,]? found, params int[] images)
    {
        if (found is null)
        {
            return null;
        }

        var values = new string?[_attributes.Length];
        for (var a = 0; a < values.Length; a++)
        {
            foreach (var image in images)
            {
                values[a] ??= found[image, a];
            }
        }

        return values;
    }

    private int Route(ReadOnlySpan<byte> table, bool tableEscaped, bool tableIsArn, string?[]? values, bool anyEntity = false)
    {
        var readsTable = false;
        for (var route = 0; route < Count; route++)
        {
            if (_tables[route] is { } expected && table.Length > 0 && ChangeRecordReader.NamesOtherTable(table, tableEscaped, tableIsArn, expected))
            {
                continue;
            }

            readsTable = true;
            if (anyEntity || this[route].Entity is not { } entity || (values?[Array.IndexOf(_attributes, entity.Attribute)] is { } value && entity.Matches(value)))
            {
                return route;
            }
        }

        return readsTable ? NoEntity : OtherTable;
    }

    // The table the record names, each entity attribute's text in each image (NewImage, OldImage, Keys), and which images it has.
    private (int TableStart, int TableLength, bool Escaped, bool IsArn, string?[,]? Found, bool[] Images, bool Whole) Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var (tableStart, tableLength, escaped, isArn) = (0, 0, false, false);
        var found = _attributes.Length == 0 ? null : new string?[3, _attributes.Length];
        var images = new bool[3];
        try
        {
            if (!reader.Read() || (reader.TokenType == JsonTokenType.StartArray && !reader.Read()) || reader.TokenType != JsonTokenType.StartObject)
            {
                return (0, 0, false, false, found, images, false);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isTable = reader.ValueTextEquals("tableName"u8);
                var arn = !isTable && reader.ValueTextEquals("eventSourceARN"u8);
                var dynamodb = !isTable && !arn && found is not null && reader.ValueTextEquals("dynamodb"u8);
                reader.Read();
                if ((isTable || arn) && reader.TokenType == JsonTokenType.String)
                {
                    // The string's raw text, after its opening quote.
                    (tableStart, tableLength, escaped, isArn) = ((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length, reader.ValueIsEscaped, arn);
                }
                else if (dynamodb && reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadImages(ref reader, found!, images);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // What could be read decides the table; the conversion names what is wrong with the rest.
            return (tableStart, tableLength, escaped, isArn, found, images, false);
        }

        return (tableStart, tableLength, escaped, isArn, found, images, true);
    }

    private void ReadImages(ref Utf8JsonReader reader, string?[,] found, bool[] images)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var image = reader.ValueTextEquals("NewImage"u8) ? 0 : reader.ValueTextEquals("OldImage"u8) ? 1 : reader.ValueTextEquals("Keys"u8) ? 2 : -1;
            reader.Read();
            if (image < 0 || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            images[image] = true;

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var attribute = Array.IndexOf(_attributes, reader.GetString());
                reader.Read();
                if (attribute < 0 || reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                // {"S": "text"} or {"N": "digits"}; any other type is no entity's.
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var text = reader.ValueTextEquals("S"u8) || reader.ValueTextEquals("N"u8);
                    reader.Read();
                    if (text && reader.TokenType == JsonTokenType.String)
                    {
                        found[image, attribute] = reader.GetString();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
    }
}
