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
        var root = Node.Root(_contract.Columns, byPath);
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
                    ReadObject(ref reader, root, i, rep: 0, def: 0);
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
    // (no string per property name); anything else is looked up, and unknown names are skipped. A top-level
    // column of a primitive type is set by row; a struct or a list is shredded into its leaves' values with
    // definition and repetition levels (Parquet's nested encoding), and whatever an object lacks is written
    // as absent, so that a null struct or list is null and not a struct of nulls.
    private static void ReadObject(ref Utf8JsonReader reader, Node node, int row, int rep, int def)
    {
        Span<bool> seen = node.HasNested ? stackalloc bool[node.Children.Length] : default;
        var next = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = -1;
            if (next < node.Children.Length && reader.ValueTextEquals(node.Children[next].Utf8Name))
            {
                index = next++;
            }
            else
            {
                var name = reader.GetString();
                index = Array.FindIndex(node.Children, c => c.Name == name);
                next = index < 0 ? next : index + 1;
            }

            reader.Read();
            if (index < 0)
            {
                reader.Skip();
                continue;
            }

            var child = node.Children[index];
            if (!seen.IsEmpty)
            {
                seen[index] = true;
            }

            if (child.HasNested)
            {
                Shred(ref reader, child, rep, def);
            }
            else if (reader.TokenType != JsonTokenType.Null)
            {
                child.Leaf?.Set(row, ref reader);
            }
        }

        for (var i = 0; i < seen.Length; i++)
        {
            if (!seen[i])
            {
                node.Children[i].Absent(rep, def);
            }
        }
    }

    // A value inside a struct or a list: def is its parent's definition level, rep the repetition level of
    // its first entry. A null is absent at def; a struct, a struct field and a list element add one level,
    // a list two (itself, then an element present).
    private static void Shred(ref Utf8JsonReader reader, Node node, int rep, int def)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            node.Absent(rep, def);
        }
        else if (node.Leaf is { } leaf)
        {
            leaf.Add(rep, def + 1, ref reader);
        }
        else if (node.Element is { } element)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new PipelineException($"a row holds something other than a list in its list column '{node.Name}'");
            }

            var first = rep;
            var empty = true;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                Shred(ref reader, element, first, def + 2);
                first = node.Depth;
                empty = false;
            }

            if (empty)
            {
                element.Absent(rep, def + 1);
            }
        }
        else
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new PipelineException($"a row holds something other than an object in its struct column '{node.Name}'");
            }

            ReadObject(ref reader, node, row: -1, rep, def + 1);
        }
    }

    // A column, a struct field or a list's element. Depth is how many lists hold it (for a list, including
    // itself): the repetition level of its repeated entries.
    private sealed class Node
    {
        private Node(string name, int depth)
        {
            Name = name;
            Utf8Name = System.Text.Encoding.UTF8.GetBytes(name);
            Depth = depth;
        }

        public string Name { get; }

        public byte[] Utf8Name { get; }

        public int Depth { get; }

        public Leaf? Leaf { get; private init; }

        public Node[] Children { get; private init; } = [];

        /// <summary>A list's element.</summary>
        public Node? Element { get; private init; }

        /// <summary>Whether this node is or holds leaves written with levels (a struct or a list, or inside one).</summary>
        public bool HasNested => NestedLeaves.Length > 0;

        private Leaf[] NestedLeaves { get; init; } = [];

        public void Absent(int rep, int def)
        {
            foreach (var leaf in NestedLeaves)
            {
                leaf.AddNull(rep, def);
            }
        }

        public static Node Root(FieldSet fields, Dictionary<string, Leaf> byPath) => Struct("", fields, null, 0, nested: false, byPath);

        private static Node Struct(string name, FieldSet fields, string? path, int depth, bool nested, Dictionary<string, Leaf> byPath)
        {
            var children = fields.Columns.Select(c => Of(c.Name, c.Type, path is null ? c.Name : path + "." + c.Name, depth, nested, byPath)).ToArray();
            return new Node(name, depth) { Children = children, NestedLeaves = [.. children.SelectMany(c => c.NestedLeaves)] };
        }

        private static Node Of(string name, ColumnType type, string path, int depth, bool nested, Dictionary<string, Leaf> byPath)
        {
            if (type.Kind == ColumnKind.Struct)
            {
                return Struct(name, type.Fields!, path, depth, nested: true, byPath);
            }

            if (type.Kind == ColumnKind.List)
            {
                var element = Of("element", type.Element!, path + ".list.element", depth + 1, nested: true, byPath);
                return new Node(name, depth + 1) { Element = element, NestedLeaves = element.NestedLeaves };
            }

            var leaf = byPath[path];
            if (leaf.Nested != nested)
            {
                throw new InvalidOperationException($"the Parquet field {path} has levels the contract does not give it");
            }

            return new Node(name, depth) { Leaf = leaf, NestedLeaves = nested ? [leaf] : [] };
        }
    }

    private List<Leaf> Leaves()
    {
        var leaves = new List<Leaf>();
        foreach (var field in Schema.GetDataFields())
        {
            var names = Enumerable.Range(0, field.Path.Length).Select(i => field.Path[i]).ToList();
            var type = _contract.Columns.Find(names[0])!.Type;
            for (var i = 1; i < names.Count; i++)
            {
                if (type.Kind == ColumnKind.List)
                {
                    // Parquet's three-level list: the element lies under list/element.
                    type = type.Element!;
                    i++;
                }
                else
                {
                    type = type.Fields!.Find(names[i])!.Type;
                }
            }

            leaves.Add(new Leaf(string.Join('.', names), field, type));
        }

        return leaves;
    }

    // A leaf column's values for one row group. A top-level column: one value per row (null when absent).
    // In a struct or a list: entries in order with their definition and repetition levels, a value where
    // the definition level is the field's maximum.
    private sealed class Leaf(string path, DataField field, ColumnType type)
    {
        private readonly ColumnKind _kind = type.Kind;
        private readonly bool _nested = field.MaxDefinitionLevel > 1 || field.MaxRepetitionLevel > 0;
        private Array _values = Array.Empty<object>();
        private int[] _definitions = [];
        private int[] _repetitions = [];
        private int _entries;

        public string Path { get; } = path;

        /// <summary>Whether the leaf lies in a struct or a list, and is written with levels.</summary>
        public bool Nested => _nested;

        public void Allocate(int rows)
        {
            _values = Make(rows);
            if (_nested)
            {
                _definitions = new int[rows];
                _repetitions = new int[rows];
                _entries = 0;
            }
        }

        private Array Make(int size) => _kind switch
        {
            ColumnKind.String => new string?[size],
            ColumnKind.Int => new int?[size],
            ColumnKind.Long => new long?[size],
            ColumnKind.Boolean => new bool?[size],
            ColumnKind.Float => new float?[size],
            ColumnKind.Double => new double?[size],
            ColumnKind.Decimal when type.Precision > MaxSystemDecimalDigits => new BigDecimal?[size],
            ColumnKind.Decimal => new decimal?[size],
            ColumnKind.Date => new DateTime?[size],
            ColumnKind.Timestamp or ColumnKind.TimestampTz when field.ClrType == typeof(long) => new long?[size],
            ColumnKind.Timestamp or ColumnKind.TimestampTz => new DateTime?[size],
            ColumnKind.Binary => new byte[]?[size],
            _ => throw new PipelineException($"the local lake does not write {_kind} columns"),
        };

        /// <summary>A value in a struct or a list, at the field's maximum definition level.</summary>
        public void Add(int rep, int def, ref Utf8JsonReader reader)
        {
            Set(Next(rep, def), ref reader);
        }

        /// <summary>An absent value in a struct or a list (or the struct or list itself absent, null or empty), at the level where it ends.</summary>
        public void AddNull(int rep, int def) => Next(rep, def);

        private int Next(int rep, int def)
        {
            if (_entries == _definitions.Length)
            {
                var size = Math.Max(16, _entries * 2);
                var grown = Make(size);
                Array.Copy(_values, grown, _entries);
                _values = grown;
                Array.Resize(ref _definitions, size);
                Array.Resize(ref _repetitions, size);
            }

            _definitions[_entries] = def;
            _repetitions[_entries] = rep;
            return _entries++;
        }

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

        public Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken) => _nested
            ? WriteNestedAsync(group, cancellationToken)
            : WriteRowsAsync(group, cancellationToken);

        private async Task WriteRowsAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken)
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

        // With levels, Parquet.Net takes only the values that are there.
        private Task WriteNestedAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken)
        {
            var definitions = new ReadOnlyMemory<int>(_definitions, 0, _entries);
            ReadOnlyMemory<int>? repetitions = field.MaxRepetitionLevel == 0 ? null : new ReadOnlyMemory<int>(_repetitions, 0, _entries);
            return _values switch
            {
                string?[] strings => group.WriteAllPartsAsync(field, Present(strings, s => s!.AsMemory()), definitions, repetitions, cancellationToken),
                byte[]?[] bytes => group.WriteAllPartsAsync(field, Present(bytes, b => new ReadOnlyMemory<byte>(b)), definitions, repetitions, cancellationToken),
                int?[] ints => group.WriteAllPartsAsync(field, Present(ints, v => v!.Value), definitions, repetitions, cancellationToken),
                long?[] longs => group.WriteAllPartsAsync(field, Present(longs, v => v!.Value), definitions, repetitions, cancellationToken),
                bool?[] flags => group.WriteAllPartsAsync(field, Present(flags, v => v!.Value), definitions, repetitions, cancellationToken),
                float?[] floats => group.WriteAllPartsAsync(field, Present(floats, v => v!.Value), definitions, repetitions, cancellationToken),
                double?[] doubles => group.WriteAllPartsAsync(field, Present(doubles, v => v!.Value), definitions, repetitions, cancellationToken),
                decimal?[] decimals => group.WriteAllPartsAsync(field, Present(decimals, v => v!.Value), definitions, repetitions, cancellationToken),
                BigDecimal?[] bigs => group.WriteAllPartsAsync(field, Present(bigs, v => v!.Value), definitions, repetitions, cancellationToken),
                DateTime?[] times => group.WriteAllPartsAsync(field, Present(times, v => v!.Value), definitions, repetitions, cancellationToken),
                _ => Task.CompletedTask,
            };
        }

        // The values of the entries that hold one (at the maximum definition level), in order.
        private ReadOnlyMemory<TOut> Present<TIn, TOut>(TIn[] values, Func<TIn, TOut> convert)
        {
            var present = new List<TOut>(_entries);
            for (var i = 0; i < _entries; i++)
            {
                if (_definitions[i] == field.MaxDefinitionLevel)
                {
                    present.Add(convert(values[i]));
                }
            }

            return present.ToArray();
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
