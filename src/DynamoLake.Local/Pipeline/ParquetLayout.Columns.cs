using System.Globalization;
using System.Text.Json;
using DynamoLake.Core.Contract;
using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace DynamoLake.Local.Pipeline;

/// <summary>Columnar writing: rows are read once with Utf8JsonReader into one typed array per leaf column.</summary>
internal sealed partial class ParquetLayout
{
    /// <summary>
    /// Writes one Parquet file from chunks of rows (the functions' JSON), each chunk a row group, so that no
    /// more than one chunk is held at a time. Writes nothing when there are no rows.
    /// </summary>
    /// <returns>How many rows were written.</returns>
    public async Task<long> WriteAsync(IEnumerable<IReadOnlyList<byte[]>> chunks, Func<Stream> open, CancellationToken cancellationToken)
    {
        var leaves = Leaves();
        var byPath = leaves.ToDictionary(l => l.Path, StringComparer.Ordinal);
        var root = Node.Tree(_contract.Columns, prefix: null, byPath);
        Stream? file = null;
        ParquetWriter? writer = null;
        long written = 0;
        try
        {
            foreach (var rows in chunks)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (rows.Count == 0)
                {
                    continue;
                }

                foreach (var leaf in leaves)
                {
                    leaf.Allocate(rows.Count);
                }

                for (var i = 0; i < rows.Count; i++)
                {
                    var reader = new Utf8JsonReader(rows[i]);
                    reader.Read();
                    ReadObject(ref reader, root, i);
                }

                file ??= open();
                writer ??= await ParquetWriter.CreateAsync(Schema, file, cancellationToken: cancellationToken);
                using (var group = writer.CreateRowGroup())
                {
                    foreach (var leaf in leaves)
                    {
                        await leaf.WriteAsync(group, cancellationToken);
                    }
                }

                written += rows.Count;
            }
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync();
            }

            if (file is not null)
            {
                await file.DisposeAsync();
            }
        }

        return written;
    }

    // The functions write columns in contract order: each name is matched against the one expected next
    // (no string per property name); anything else is looked up, and unknown names are skipped.
    private static void ReadObject(ref Utf8JsonReader reader, Node node, int row)
    {
        var next = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            Node? child = null;
            if (next < node.Children.Length && reader.ValueTextEquals(node.Children[next].Utf8Name))
            {
                child = node.Children[next++];
            }
            else
            {
                var name = reader.GetString();
                var index = Array.FindIndex(node.Children, c => c.Name == name);
                if (index >= 0)
                {
                    child = node.Children[index];
                    next = index + 1;
                }
            }

            reader.Read();
            if (child is null)
            {
                reader.Skip();
            }
            else if (reader.TokenType == JsonTokenType.StartObject)
            {
                ReadObject(ref reader, child, row);
            }
            else if (child.Leaf is { } leaf && reader.TokenType != JsonTokenType.Null)
            {
                leaf.Set(row, ref reader);
            }
        }
    }

    private sealed class Node(string name, Leaf? leaf, Node[] children)
    {
        public string Name { get; } = name;

        public byte[] Utf8Name { get; } = System.Text.Encoding.UTF8.GetBytes(name);

        public Leaf? Leaf { get; } = leaf;

        public Node[] Children { get; } = children;

        public static Node Tree(FieldSet fields, string? prefix, Dictionary<string, Leaf> byPath) =>
            new(prefix ?? "", null, [.. fields.Columns.Select(c =>
            {
                var path = prefix is null ? c.Name : prefix + "." + c.Name;
                return c.Type.Kind == ColumnKind.Struct
                    ? new Node(c.Name, null, Tree(c.Type.Fields!, path, byPath).Children)
                    : new Node(c.Name, byPath.GetValueOrDefault(path), []);
            })]);
    }

    private List<Leaf> Leaves()
    {
        var leaves = new List<Leaf>();
        foreach (var field in Schema.GetDataFields())
        {
            var names = Enumerable.Range(0, field.Path.Length).Select(i => field.Path[i]).ToList();
            var type = _contract.Columns.Find(names[0])!.Type;
            foreach (var nested in names.Skip(1))
            {
                type = type.Fields!.Find(nested)!.Type;
            }

            leaves.Add(new Leaf(string.Join('.', names), field, type));
        }

        return leaves;
    }

    private sealed class Leaf(string path, DataField field, ColumnType type)
    {
        private readonly ColumnKind _kind = type.Kind;
        private Array _values = Array.Empty<object>();

        public string Path { get; } = path;

        public void Allocate(int rows) => _values = _kind switch
        {
            ColumnKind.String => new string?[rows],
            ColumnKind.Int => new int?[rows],
            ColumnKind.Long => new long?[rows],
            ColumnKind.Boolean => new bool?[rows],
            ColumnKind.Float => new float?[rows],
            ColumnKind.Double => new double?[rows],
            ColumnKind.Decimal when type.Precision > MaxSystemDecimalDigits => new BigDecimal?[rows],
            ColumnKind.Decimal => new decimal?[rows],
            ColumnKind.Date => new DateTime?[rows],
            ColumnKind.Timestamp or ColumnKind.TimestampTz when field.ClrType == typeof(long) => new long?[rows],
            ColumnKind.Timestamp or ColumnKind.TimestampTz => new DateTime?[rows],
            ColumnKind.Binary => new byte[]?[rows],
            _ => throw new PipelineException($"the local lake does not write {_kind} columns yet"),
        };

        public void Set(int row, ref Utf8JsonReader reader)
        {
            switch (_values)
            {
                case string?[] strings:
                    strings[row] = reader.GetString();
                    break;
                case int?[] ints:
                    ints[row] = reader.GetInt32();
                    break;
                case long?[] longs:
                    longs[row] = reader.GetInt64();
                    break;
                case bool?[] flags:
                    flags[row] = reader.GetBoolean();
                    break;
                case float?[] floats:
                    floats[row] = reader.GetSingle();
                    break;
                case double?[] doubles:
                    doubles[row] = reader.GetDouble();
                    break;
                case decimal?[] decimals:
                    decimals[row] = decimal.Parse(reader.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture);
                    break;
                case BigDecimal?[] bigs:
                    bigs[row] = Exact(reader.ValueSpan, type.Precision, type.Scale);
                    break;
                case DateTime?[] times when _kind == ColumnKind.Date:
                    times[row] = DateTime.SpecifyKind(DateTime.ParseExact(reader.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture), DateTimeKind.Utc);
                    break;
                case DateTime?[] times:
                    times[row] = DateTime.UnixEpoch.AddTicks(reader.GetInt64() * 10);
                    break;
                case byte[]?[] bytes:
                    bytes[row] = reader.GetBytesFromBase64();
                    break;
            }
        }

        public async Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken)
        {
            switch (_values)
            {
                case string?[] strings:
                    await group.WriteAsync(field, strings!, null);
                    break;
                case byte[]?[] bytes:
                    await group.WriteAsync(field, bytes!, null);
                    break;
                case int?[] ints:
                    await group.WriteAsync<int>(field, ints, null, null, cancellationToken);
                    break;
                case long?[] longs:
                    await group.WriteAsync<long>(field, longs, null, null, cancellationToken);
                    break;
                case bool?[] flags:
                    await group.WriteAsync<bool>(field, flags, null, null, cancellationToken);
                    break;
                case float?[] floats:
                    await group.WriteAsync<float>(field, floats, null, null, cancellationToken);
                    break;
                case double?[] doubles:
                    await group.WriteAsync<double>(field, doubles, null, null, cancellationToken);
                    break;
                case decimal?[] decimals:
                    await group.WriteAsync<decimal>(field, decimals, null, null, cancellationToken);
                    break;
                case BigDecimal?[] bigs:
                    await group.WriteAsync<BigDecimal>(field, bigs, null, null, cancellationToken);
                    break;
                case DateTime?[] times:
                    await group.WriteAsync<DateTime>(field, times, null, null, cancellationToken);
                    break;
            }
        }

        // The Transform writes a decimal as plain digits with exactly its scale's fraction digits: the
        // unscaled value is those digits without the point, exact at any precision up to 38.
        private static BigDecimal Exact(ReadOnlySpan<byte> text, int precision, int scale)
        {
            var digits = System.Text.Encoding.ASCII.GetString(text);
            var point = digits.IndexOf('.', StringComparison.Ordinal);
            var fraction = point < 0 ? "" : digits[(point + 1)..];
            var unscaled = (point < 0 ? digits : digits[..point]) + fraction.PadRight(scale, '0')[..scale];
            return new BigDecimal(System.Numerics.BigInteger.Parse(unscaled, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), precision, scale);
        }
    }
}
