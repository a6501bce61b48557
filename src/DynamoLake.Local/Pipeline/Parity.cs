using System.Globalization;
using System.Text.Json;
using DynamoLake.Core.Contract;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// The lake against the source, column by column, with its own reading of both sides (not the row
/// writer's): source items as DynamoDB JSON, read by DuckDB's JSON reader against the contract's
/// attributes, and lake rows as DuckDB reads them back from the Parquet files. Decimals compare exactly
/// as numbers, timestamps in microseconds, structs field by field. Everything runs in DuckDB, whose
/// memory is bounded when the database is (<see cref="LakeDatabase.Bound"/>): the source is read once, as a
/// stream, and only rows that differ come back.
/// </summary>
internal static class Parity
{
    private const string Null = "∅";

    /// <summary>What a report shows for a value it may not show.</summary>
    public const string Hidden = "(hidden)";

    /// <summary>Rows per slice of a comparison: what one join or one EXCEPT holds, whatever the lake's size.</summary>
    public const long SliceRows = 250_000;

    /// <summary>
    /// Differences between the source's items and a lake relation (a table, a view or a parenthesised
    /// query), leaf column by leaf column; empty when equal.
    /// </summary>
    /// <returns>How many items the source has, and the first differences in key order ("…" last when there are more).</returns>
    public static async Task<(long SourceRows, List<string> Differences)> CompareAsync(
        TableContract contract, IAsyncEnumerable<KeyValuePair<string, byte[]>> source, LakeDatabase lake, string relation, CancellationToken cancellationToken, int limit = 20, long sliceRows = SliceRows)
    {
        var (sourceRows, differences) = await CompareAsync(contract, source, lake, [Relation.Table(relation)], Count(lake, relation), cancellationToken, limit, sliceRows);
        return (sourceRows, differences[0]);
    }

    /// <summary>
    /// Differences between the source's items and each lake relation, the source read once. The comparison
    /// runs a slice of keys at a time, each slice at most <paramref name="sliceRows"/> of
    /// <paramref name="expectedRows"/> (the most rows any relation reads, e.g. the change log under its view).
    /// </summary>
    public static async Task<(long SourceRows, List<string>[] Differences)> CompareAsync(
        TableContract contract, IAsyncEnumerable<KeyValuePair<string, byte[]>> source, LakeDatabase lake, IReadOnlyList<Relation> relations, long expectedRows, CancellationToken cancellationToken, int limit = 20, long sliceRows = SliceRows)
    {
        var report = await CompareAsync(contract, source, lake, relations, expectedRows, new Options { Limit = limit, SliceRows = sliceRows }, cancellationToken);
        return (report.SourceRows, report.Differences);
    }

    /// <summary>
    /// As the comparison above, with <see cref="Options"/>: keys known to be changing (in flight) are counted
    /// apart from the differences, and values may be hidden from the report.
    /// </summary>
    public static async Task<Report> CompareAsync(
        TableContract contract, IAsyncEnumerable<KeyValuePair<string, byte[]>> source, LakeDatabase lake, IReadOnlyList<Relation> relations, long expectedRows, Options options, CancellationToken cancellationToken)
    {
        var leaves = Leaves(contract);
        // The key: one column, or a table's partition key and sort key, whose texts are joined by U+001F.
        var keyLeaves = contract.UniqueKey.Select(k => leaves.FindIndex(l => l.Path.Length == 1 && l.Path[0] == k.Name)).ToArray();
        var numberKeys = keyLeaves.Select(k => leaves[k].Type.Kind is ColumnKind.Decimal or ColumnKind.Int or ColumnKind.Long).ToArray();
        var lakeKey = KeySql(keyLeaves.Select(k => $"CAST({leaves[k].LakeColumn} AS VARCHAR)"));
        var limit = options.Limit;
        var sliceRows = options.SliceRows;
        var differences = relations.Select(_ => new Differences(limit, options.ShowValues)).ToArray();
        var inFlight = relations.Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();

        // The source's items go to files of JSON lines, a file per slice of keys, that DuckDB reads as it joins
        // them with the same slice of the lake: nothing of the source stays in memory, and no join is larger than a slice.
        var slices = (int)Math.Clamp((expectedRows + sliceRows - 1) / sliceRows, 1, 256);
        var files = Enumerable.Range(0, slices).Select(i => lake.ScratchFile($"parity-source-{i}.jsonl")).ToArray();
        long sourceRows = 0;
        var splits = new System.Runtime.CompilerServices.StrongBox<int>(0);
        try
        {
            var writers = files.Select(f => new FileStream(f, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16)).ToArray();
            try
            {
                await foreach (var (key, item) in source.WithCancellation(cancellationToken))
                {
                    var writer = writers[slices == 1 ? 0 : SliceOf(NormalKey(key, numberKeys)) % slices];
                    writer.Write(item);
                    writer.WriteByte((byte)'\n');
                    sourceRows++;
                }
            }
            finally
            {
                foreach (var writer in writers)
                {
                    await writer.DisposeAsync();
                }
            }

            // The relations are looked at only once the source has been read: a source may be the one that
            // makes them (verify's scan waits for the lake's export), and may name the keys in flight as it ends.
            var duplicated = new HashSet<string>[relations.Count];
            var hasInFlight = options.InFlight.Count > 0;
            try
            {
                for (var r = 0; r < relations.Count; r++)
                {
                    duplicated[r] = relations[r].CheckDuplicates ? Duplicates(lake, relations[r].Over(relations[r].Stored), lakeKey, limit, differences[r]) : [];
                }

                if (hasInFlight)
                {
                    InFlightTable(lake, options.InFlight, numberKeys);
                }
            }
            catch (DuckDB.NET.Data.DuckDBException e)
            {
                throw new PipelineException($"parity could not read the lake: {e.Message}");
            }

            // Each stored relation is cut into its slices once (one pass, written under the work folder), so
            // that a slice's comparison reads only its own rows.
            var storedKey = KeySql(contract.UniqueKey.Select((k, i) => numberKeys[i] ? Leaf.Normal($"CAST({LakeDatabase.Quote(k.Name)} AS VARCHAR)") : $"CAST({LakeDatabase.Quote(k.Name)} AS VARCHAR)"));
            var sourceKey = KeySql(keyLeaves.Select((k, i) => numberKeys[i] ? Leaf.Normal($"raw[{k + 1}]") : $"raw[{k + 1}]"));
            var stored = relations.Select(r => r.Stored).Distinct(StringComparer.Ordinal).ToDictionary(b => b, b => slices == 1 ? null : Cut(lake, b, storedKey, slices), StringComparer.Ordinal);
            for (var slice = 0; slice < slices; slice++)
            {
                for (var r = 0; r < relations.Count; r++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var part = stored[relations[r].Stored] is { } folder ? SliceOfStored(folder, relations[r].Stored, slice) : relations[r].Stored;
                    var slicing = new Slicing(files[slice], part, storedKey, sourceKey, []);
                    try
                    {
                        CompareFitting(lake, leaves, keyLeaves, slicing, relations[r], duplicated[r], differences[r], hasInFlight ? inFlight[r] : null, splits);
                    }
                    catch (DuckDB.NET.Data.DuckDBException e)
                    {
                        throw new PipelineException($"parity with {relations[r].Stored}, slice {slice + 1} of {slices}: {e.Message}");
                    }
                }
            }

            foreach (var folder in stored.Values.OfType<string>())
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        finally
        {
            foreach (var file in files)
            {
                File.Delete(file);
            }
        }

        return new Report(sourceRows, differences.Select(d => d.Listed()).ToArray(), inFlight, splits.Value);
    }

    // The keys in flight as a table the comparison leaves out (number keys as Leaf.Normal makes them).
    private static void InFlightTable(LakeDatabase lake, IReadOnlyCollection<string> keys, bool[] numberKeys)
    {
        var file = lake.ScratchFile("parity-in-flight.jsonl");
        try
        {
            using (var writer = new StreamWriter(file))
            {
                foreach (var key in keys)
                {
                    writer.WriteLine(new System.Text.Json.Nodes.JsonObject { ["k"] = NormalKey(key, numberKeys) }.ToJsonString());
                }
            }

            lake.Execute($"CREATE OR REPLACE TEMP TABLE parity_in_flight AS SELECT DISTINCT k FROM read_ndjson('{LakeDatabase.Escape(file)}', columns = {{k: 'VARCHAR'}})");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// The current-state view over the S3 change log, compared like the table: the view's query (generated,
    /// as deployed) over the change log or a slice of it, its timestamps compared as the epoch µs they are
    /// stored as on the S3 path (ADR 0003).
    /// </summary>
    public static Relation CurrentView(TableContract contract) =>
        new(LakeSchema.ChangeLogTable(contract), changes => $"({LakeSchema.CurrentStateQuery(contract, changes)})", CheckDuplicates: false, InstantsAsMicros: true);

    // Writes a stored relation's rows as Parquet by slice of key text (one pass; a NULL key in slice 0); returns the folder.
    private static string Cut(LakeDatabase lake, string relation, string keyText, int slices)
    {
        var folder = lake.ScratchFile("slices");
        lake.Execute($"COPY (SELECT *, coalesce({SliceSql(keyText)} % {slices}, 0) AS parity_slice FROM {relation}) TO '{LakeDatabase.Escape(folder)}' (FORMAT parquet, PARTITION_BY (parity_slice), ROW_GROUP_SIZE 16384)");
        return folder;
    }

    private static string SliceOfStored(string folder, string relation, int slice)
    {
        var part = Path.Combine(folder, $"parity_slice={slice}");
        return Directory.Exists(part)
            ? $"read_parquet('{LakeDatabase.Escape(Path.Combine(part, "*.parquet"))}', hive_partitioning = false)"
            : $"(SELECT * FROM {relation} LIMIT 0)";
    }

    // How many rows a relation has.
    private static long Count(LakeDatabase lake, string relation)
    {
        using var reader = lake.Query($"SELECT count(*) FROM {relation} AS lake");
        reader.Read();
        return Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
    }

    // Keys the relation holds more than once (the first ones), each reported.
    private static HashSet<string> Duplicates(LakeDatabase lake, string relation, string lakeKey, int limit, Differences differences)
    {
        var duplicated = new HashSet<string>(StringComparer.Ordinal);
        using var reader = lake.Query($"SELECT {lakeKey} FROM {relation} AS lake GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT {limit + 1}");
        while (reader.Read())
        {
            var key = reader.IsDBNull(0) ? Null : reader.GetString(0);
            duplicated.Add(key);
            differences.Add($"{Display(key)}: more than one row in the lake");
        }

        return duplicated;
    }

    /// <summary>
    /// The slice (0–255) a key falls in: the first byte of the MD5 of its text, the same in .NET as in
    /// DuckDB (<see cref="SliceSql"/>), so that the source's files and the lake's rows are cut alike.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "A hash DuckDB computes alike, to cut keys into slices; it secures nothing.")]
    internal static int SliceOf(string key) => System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(key))[0];

    /// <summary>The separator of a composite key's parts in its text (U+001F, the unit separator).</summary>
    internal const char KeySeparator = DynamoLake.Core.Changes.ItemKey.Separator;

    // A composite key as a person reads it: its parts joined by " | ".
    private static string Display(string key) => key.Replace(KeySeparator.ToString(), " | ", StringComparison.Ordinal);

    // A key's parts joined as KeyText in SQL (one part: itself).
    private static string KeySql(IEnumerable<string> parts)
    {
        var list = parts.ToList();
        // || is NULL when a part is, as a key that is missing is (concat_ws would make it '').
        return list.Count == 1 ? list[0] : "(" + string.Join(" || chr(31) || ", list) + ")";
    }

    /// <summary>A key's text as parity reads it: its parts joined by <see cref="KeySeparator"/>, number parts as Leaf.Normal makes them.</summary>
    internal static string NormalKey(string key, bool[] numberParts)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(numberParts);
        if (numberParts.Length == 1)
        {
            return numberParts[0] ? NormalNumber(key) : key;
        }

        var parts = key.Split(KeySeparator);
        return string.Join(KeySeparator, parts.Select((p, i) => i < numberParts.Length && numberParts[i] ? NormalNumber(p) : p));
    }

    // A number key's text as Leaf.Normal makes it in SQL, so that both sides slice it alike.
    internal static string NormalNumber(string text)
    {
        var trimmed = text.Contains('.', StringComparison.Ordinal) ? text.TrimEnd('0').TrimEnd('.') : text;
        return trimmed == "-0" ? "0" : trimmed;
    }

    /// <summary>Byte <paramref name="at"/> (0 first) of the MD5 of <paramref name="key"/>'s text, in SQL; byte 0 is <see cref="SliceOf"/>.</summary>
    internal static string SliceSql(string key, int at = 0) =>
        $"((instr('0123456789abcdef', substr(md5({key}), {(2 * at) + 1}, 1)) - 1) * 16 + instr('0123456789abcdef', substr(md5({key}), {(2 * at) + 2}, 1)) - 1)";

    /// <summary>How many times a slice that does not fit in DuckDB's memory is cut again, each time into <see cref="SubSlices"/>.</summary>
    internal const int MaxSplits = 3;

    internal const int SubSlices = 4;

    // The largest item as DynamoDB JSON: 400 KB of item, each character escaped at worst (\uXXXX, 6 bytes).
    // DuckDB's JSON reader holds twice this per thread; its default (16 MB) would take 64 MB of the limit.
    private const int MaximumItemJsonBytes = 4 << 20;

    // Compares a slice; one that does not fit in DuckDB's memory is cut into sub-slices by a further byte of
    // the key's MD5 — the stored relation before the relation's query runs over it (a view's window then sees
    // only its sub-slice), the source's items alike — and each is compared on its own.
    private static void CompareFitting(LakeDatabase lake, List<Leaf> leaves, int[] keyLeaves, Slicing slicing, Relation relation, HashSet<string> duplicated, Differences differences, HashSet<string>? inFlight, System.Runtime.CompilerServices.StrongBox<int> splits)
    {
        var listed = differences.Count;
        try
        {
            var stored = slicing.Path.Count == 0 ? slicing.Stored : $"(SELECT * FROM {slicing.Stored} WHERE {SubSliceFilter(slicing.StoredKey, slicing.Path)})";
            CompareSlice(lake, leaves, keyLeaves, slicing.Items, SubSliceFilter(slicing.SourceKey, slicing.Path), relation.Over(stored), relation.InstantsAsMicros, duplicated, differences, inFlight);
        }
        catch (DuckDB.NET.Data.DuckDBException e) when (slicing.Path.Count < MaxSplits && e.Message.Contains("Out of Memory", StringComparison.OrdinalIgnoreCase))
        {
            differences.Rewind(listed);
            splits.Value++;
            for (var part = 0; part < SubSlices; part++)
            {
                CompareFitting(lake, leaves, keyLeaves, slicing with { Path = [.. slicing.Path, part] }, relation, duplicated, differences, inFlight, splits);
            }
        }
    }

    // One slice to compare: the source's items file, the stored relation's part, how each side's key text is
    // read, and which sub-slice of it (MD5 byte 1 + depth, in SubSlices parts; empty for the whole slice).
    private sealed record Slicing(string Items, string Stored, string StoredKey, string SourceKey, IReadOnlyList<int> Path);

    private static string SubSliceFilter(string keyText, IReadOnlyList<int> path) =>
        path.Count == 0
            ? "true"
            : string.Join(" AND ", path.Select((part, depth) => $"coalesce({SliceSql(keyText, depth + 1)} % {SubSlices}, 0) = {part}"));

    // Reports the slice's differences, and adds its differing keys that are in flight to inFlight (when given).
    private static void CompareSlice(LakeDatabase lake, List<Leaf> leaves, int[] keyLeaves, string items, string itemFilter, string relation, bool instantsAsMicros, HashSet<string> duplicated, Differences differences, HashSet<string>? inFlight)
    {
        var hasInFlight = inFlight is not null;
        // Per leaf: the source's value and the lake's in the form compared (s_i, l_i). Each item is parsed once
        // (every leaf's path in one extraction); texts for the report are made only for the rows that differ.
        var paths = string.Join(", ", leaves.Select(l => $"'{LakeDatabase.Escape(l.SourcePath)}'"));
        var differing = $"""
            WITH s AS (
                SELECT {string.Join(", ", leaves.Select((l, i) => $"{l.SourceValue($"raw[{i + 1}]")} AS s_{i}"))}
                FROM (SELECT json_extract_string(json, [{paths}]) AS raw FROM read_ndjson_objects('{LakeDatabase.Escape(items)}', maximum_object_size = {MaximumItemJsonBytes}))
                WHERE {itemFilter}),
            l AS (
                SELECT {string.Join(", ", leaves.Select((l, i) => $"{l.LakeValue(instantsAsMicros)} AS l_{i}"))}
                FROM {relation} AS lake)
            SELECT coalesce({KeySql(keyLeaves.Select(k => Leaf.Text($"s.s_{k}")))}, {KeySql(keyLeaves.Select(k => Leaf.Text($"l.l_{k}")))}) AS parity_key, s.s_{keyLeaves[0]} IS NULL AS lake_only, l.l_{keyLeaves[0]} IS NULL AS source_only,
                   {string.Join(", ", leaves.Select((l, i) => $"{l.Differs($"s.s_{i}", $"l.l_{i}")}, {l.SourceShown($"s.s_{i}")}, {l.LakeShown($"l.l_{i}")}"))}
            FROM s FULL OUTER JOIN l ON {string.Join(" AND ", keyLeaves.Select(k => $"s.s_{k} = l.l_{k}"))}
            WHERE s.s_{keyLeaves[0]} IS NULL OR l.l_{keyLeaves[0]} IS NULL OR {string.Join(" OR ", leaves.Select((l, i) => l.Differs($"s.s_{i}", $"l.l_{i}")))}
            """;
        var notInFlight = hasInFlight ? " WHERE parity_key IS NULL OR parity_key NOT IN (SELECT k FROM parity_in_flight)" : "";
        using (var reader = lake.Query($"SELECT * FROM ({differing}){notInFlight} ORDER BY 1 LIMIT {differences.Limit + duplicated.Count + 1}"))
        {
            while (reader.Read())
            {
                var key = reader.IsDBNull(0) ? Null : reader.GetString(0);
                if (reader.GetBoolean(1))
                {
                    differences.Add($"{Display(key)}: in the lake but not in the source");
                }
                else if (reader.GetBoolean(2))
                {
                    differences.Add($"{Display(key)}: in the source but not in the lake");
                }
                else if (!duplicated.Contains(key))
                {
                    for (var i = 0; i < leaves.Count; i++)
                    {
                        var at = 3 + (3 * i);
                        if (reader.GetBoolean(at))
                        {
                            differences.Add($"{Display(key)}.{leaves[i].Name}: source {differences.Shown(Text(reader, at + 1))}, lake {differences.Shown(Text(reader, at + 2))}");
                        }
                    }
                }
            }
        }

        if (inFlight is null)
        {
            return;
        }

        // The differing keys in flight: at most the keys the caller named, which it holds anyway.
        using var keys = lake.Query($"SELECT DISTINCT parity_key FROM ({differing}) WHERE parity_key IN (SELECT k FROM parity_in_flight)");
        while (keys.Read())
        {
            inFlight.Add(keys.GetString(0));
        }
    }

    /// <summary>How many differences several lists hold in all, each list's first ones with "…" last when it had more.</summary>
    public static string Summary(IEnumerable<List<string>> lists)
    {
        var listed = 0L;
        var more = false;
        foreach (var list in lists)
        {
            more |= list.Count > 0 && list[^1] == "…";
            listed += list.Count(d => d != "…");
        }

        return (more ? "more than " : "") + Counted.Of(listed, "difference");
    }

    /// <summary>How many differences there are in all (Compare lists the first ones).</summary>
    public static string Summary(List<string> differences) => Summary([differences]);

    /// <summary>The columns parity compares: every column the item carries (not the change-data ones).</summary>
    internal static List<Column> Compared(TableContract contract) => contract.Columns.Columns.Where(c => c.Derived == DerivedField.None).ToList();

    /// <summary>Every primitive leaf of the compared columns (struct fields one by one), with its SQL.</summary>
    private static List<Leaf> Leaves(TableContract contract)
    {
        var leaves = new List<Leaf>();
        foreach (var column in Compared(contract))
        {
            Add([column], column.Type);
        }

        return leaves;

        void Add(Column[] path, ColumnType type)
        {
            if (type.Kind == ColumnKind.Struct)
            {
                foreach (var field in type.Fields!.Columns)
                {
                    Add([.. path, field], field.Type);
                }

                return;
            }

            leaves.Add(new Leaf(path, type));
        }
    }

    private static string Text(System.Data.Common.DbDataReader reader, int column) => reader.IsDBNull(column) ? Null : reader.GetString(column);

    // The first differences in key order, up to a limit, with "…" after them when there were more. Each
    // slice's query returns at most the limit's worth of rows, so that what is gathered stays small.
    private sealed class Differences(int limit, bool showValues)
    {
        private readonly List<string> _found = [];

        public int Limit => limit;

        /// <summary>A value as the report shows it: itself, or hidden (a missing value stays ∅, which is no customer data).</summary>
        public string Shown(string value) => showValues || value == Null ? value : Hidden;

        public void Add(string difference) => _found.Add(difference);

        public int Count => _found.Count;

        /// <summary>Forgets what was added after <paramref name="count"/> (a comparison that is done again in parts).</summary>
        public void Rewind(int count) => _found.RemoveRange(count, _found.Count - count);

        public List<string> Listed()
        {
            var listed = _found.Order(StringComparer.Ordinal).Take(limit).ToList();
            if (_found.Count > limit)
            {
                listed.Add("…");
            }

            return listed;
        }
    }

    /// <summary>How a comparison reports.</summary>
    public sealed record Options
    {
        /// <summary>How many differences are listed (the first ones, in key order).</summary>
        public int Limit { get; init; } = 20;

        /// <summary>Rows per slice of the comparison.</summary>
        public long SliceRows { get; init; } = Parity.SliceRows;

        /// <summary>Keys being changed while the comparison runs: they are counted, not reported as differences.</summary>
        public IReadOnlyCollection<string> InFlight { get; init; } = [];

        /// <summary>Whether the report shows values, or only keys and columns.</summary>
        public bool ShowValues { get; init; } = true;
    }

    /// <summary>What a comparison found, per relation compared.</summary>
    /// <param name="SourceRows">Items the source has.</param>
    /// <param name="Differences">The first differences, in key order ("…" last when there are more).</param>
    /// <param name="InFlight">The keys that differ but are in flight (number keys as compared: normalised).</param>
    /// <param name="SplitSlices">How many slices did not fit in DuckDB's memory and were cut again.</param>
    public sealed record Report(long SourceRows, List<string>[] Differences, HashSet<string>[] InFlight, int SplitSlices = 0);

    /// <summary>
    /// A lake relation to compare with the source: a query <see cref="Over"/> a stored relation (a table or
    /// view over files), which is what gets cut into slices. Duplicates are looked for in the whole relation first.
    /// </summary>
    /// <param name="InstantsAsMicros">Whether the relation stores instants as epoch µs (bigint), as the S3 change log does (ADR 0003).</param>
    public sealed record Relation(string Stored, Func<string, string> Over, bool CheckDuplicates, bool InstantsAsMicros = false)
    {
        /// <summary>A stored relation compared as it is (the Iceberg table, or a query over it).</summary>
        public static Relation Table(string sql) => new(sql, stored => stored, CheckDuplicates: true);
    }

    private sealed record Leaf(Column[] Columns, ColumnType Type)
    {
        public string[] Path { get; } = [.. Columns.Select(c => c.Name)];

        public string Name => string.Join('.', Path);

        /// <summary>The column in the lake relation (aliased <c>lake</c>).</summary>
        public string LakeColumn => "lake." + string.Join('.', Path.Select(LakeDatabase.Quote));

        /// <summary>
        /// The lake's value in the form compared: numbers as exact text without trailing zeros (12.30 and 12.3
        /// are one number), timestamps as epoch µs (already so where instants are stored as micros), dates and
        /// binaries as the item's text; lists element by element, structs in lists field by field. A list is
        /// a pair: in order, and sorted (for a source that is a DynamoDB set, whose order means nothing).
        /// </summary>
        public string LakeValue(bool instantsAsMicros) => Type.Kind == ColumnKind.List
            ? $"struct_pack(o := {LakeForm(Type, LakeColumn, instantsAsMicros, 0)}, s := list_sort({LakeForm(Type, LakeColumn, instantsAsMicros, 0)}))"
            : LakeForm(Type, LakeColumn, instantsAsMicros, 0);

        private static string LakeForm(ColumnType type, string x, bool micros, int depth) => type.Kind switch
        {
            ColumnKind.Decimal or ColumnKind.Int or ColumnKind.Long => Normal($"CAST({x} AS VARCHAR)"),
            ColumnKind.Timestamp or ColumnKind.TimestampTz => micros ? $"CAST({x} AS BIGINT)" : $"epoch_us({x})",
            ColumnKind.Date => $"strftime({x}, '%Y-%m-%d')",
            ColumnKind.Binary => $"to_base64({x})",
            ColumnKind.Float => $"CAST({x} AS FLOAT)",
            ColumnKind.Double => $"CAST({x} AS DOUBLE)",
            ColumnKind.List => $"list_transform({x}, lambda e{depth}: {LakeForm(type.Element!, $"e{depth}", micros, depth + 1)})",
            ColumnKind.Struct => $"CASE WHEN {x} IS NOT NULL THEN struct_pack({string.Join(", ", type.Fields!.Columns.Select(f => $"{LakeDatabase.Quote(f.Name)} := {LakeForm(f.Type, $"{x}.{LakeDatabase.Quote(f.Name)}", micros, depth)}"))}) END",
            _ => x,
        };

        /// <summary>Where the value lies in the item's DynamoDB JSON (JSONPath): the attribute, through maps, and the type descriptor the column expects (a list's: its whole attribute value).</summary>
        public string SourcePath => "$." + string.Join(".M.", Columns.Select(c => PathQuote(c.Source))) + (Type.Kind == ColumnKind.List ? "" : "." + Descriptor(Type, Columns[^1].SourceUnit));

        private static string Descriptor(ColumnType type, SourceTimeUnit unit) => type.Kind switch
        {
            ColumnKind.Binary => "B",
            ColumnKind.Boolean => "BOOL",
            ColumnKind.String or ColumnKind.Date => "S",
            ColumnKind.Timestamp or ColumnKind.TimestampTz when unit == SourceTimeUnit.Iso8601 => "S",
            _ => "N",
        };

        /// <summary>
        /// The item's value (its text at <see cref="SourcePath"/>) in the form compared. Plain numbers are
        /// compared as text, exactly; other spellings (1.5E+3) go through DECIMAL(38,18) first. Instants are
        /// epoch µs, through DECIMAL(38,6) only when they have a fraction. A list is its elements in order
        /// (an L) or sorted (a set: SS, NS, BS), with whether it was a set.
        /// </summary>
        public string SourceValue(string raw) => Type.Kind == ColumnKind.List
            ? $"struct_pack(is_set := NOT json_exists(CAST({raw} AS JSON), '$.L'), v := {SourceForm(Type, Columns[^1].SourceUnit, $"CAST({raw} AS JSON)", 0, sortSets: true)})"
            : SourceScalar(Type, Columns[^1].SourceUnit, raw);

        // j is an attribute value's DynamoDB JSON ({"N": "1"}, {"L": [...]}, {"M": {...}}, {"NULL": true}).
        private static string SourceForm(ColumnType type, SourceTimeUnit unit, string j, int depth, bool sortSets = false)
        {
            switch (type.Kind)
            {
                case ColumnKind.List:
                    var element = type.Element!;
                    var e = $"e{depth}";
                    var list = $"WHEN json_exists({j}, '$.L') THEN list_transform(CAST(json_extract({j}, '$.L') AS JSON[]), lambda {e}: {SourceForm(element, unit, e, depth + 1)})";
                    var set = element.Kind == ColumnKind.Boolean || !element.IsPrimitive ? "" : Descriptor(element, unit) + "S";
                    var setForm = $"list_transform(CAST(json_extract({j}, '$.{set}') AS VARCHAR[]), lambda {e}: {SourceScalar(element, unit, e)})";
                    return set.Length == 0
                        ? $"CASE {list} END"
                        : $"CASE {list} WHEN json_exists({j}, '$.{set}') THEN {(sortSets ? $"list_sort({setForm})" : setForm)} END";
                case ColumnKind.Struct:
                    return $"CASE WHEN json_exists({j}, '$.M') THEN struct_pack({string.Join(", ", type.Fields!.Columns.Select(f => $"{LakeDatabase.Quote(f.Name)} := {SourceForm(f.Type, f.SourceUnit, $"json_extract({j}, '$.M.{PathQuote(f.Source).Replace("'", "''", StringComparison.Ordinal)}')", depth)}"))}) END";
                default:
                    return SourceScalar(type, unit, $"json_extract_string({j}, '$.{Descriptor(type, unit)}')");
            }
        }

        private static string SourceScalar(ColumnType type, SourceTimeUnit unit, string raw) => type.Kind switch
        {
            ColumnKind.String or ColumnKind.Date or ColumnKind.Binary => raw,
            ColumnKind.Boolean => $"TRY_CAST({raw} AS BOOLEAN)",
            ColumnKind.Float => $"TRY_CAST({raw} AS FLOAT)",
            ColumnKind.Double => $"TRY_CAST({raw} AS DOUBLE)",
            ColumnKind.Timestamp or ColumnKind.TimestampTz => unit switch
            {
                SourceTimeUnit.Seconds => Micros(raw, 12, "1000000"),
                SourceTimeUnit.Milliseconds => Micros(raw, 15, "1000"),
                SourceTimeUnit.Iso8601 => $"epoch_us(TRY_CAST({raw} AS TIMESTAMPTZ))",
                _ => Micros(raw, 18, "1"),
            },
            _ => Normal($"CASE WHEN regexp_full_match({raw}, '-?(0|[1-9][0-9]*)(\\.[0-9]+)?') THEN {raw} ELSE CAST(TRY_CAST({raw} AS DECIMAL(38,18)) AS VARCHAR) END"),
        };

        /// <summary>Whether the source's value (s) and the lake's (l) differ; a list compares sorted when the source was a set.</summary>
        public string Differs(string s, string l) => Type.Kind == ColumnKind.List
            ? $"{s}.v IS DISTINCT FROM (CASE WHEN {s}.is_set THEN {l}.s ELSE {l}.o END)"
            : $"{s} IS DISTINCT FROM {l}";

        /// <summary>The source's value as the report shows it.</summary>
        public string SourceShown(string s) => Text(Type.Kind == ColumnKind.List ? $"{s}.v" : s);

        /// <summary>The lake's value as the report shows it (a list as it is stored).</summary>
        public string LakeShown(string l) => Text(Type.Kind == ColumnKind.List ? $"{l}.o" : l);

        /// <summary>A compared value as the report shows it.</summary>
        public static string Text(string value) => $"CAST({value} AS VARCHAR)";

        private static string Micros(string raw, int digits, string factor) =>
            $"CASE WHEN regexp_full_match({raw}, '-?[0-9]{{1,{digits}}}') THEN CAST({raw} AS BIGINT) * {factor} ELSE TRY_CAST(trunc(TRY_CAST({raw} AS DECIMAL(38,6)) * {factor}) AS BIGINT) END";

        /// <summary>
        /// A number's text without trailing fractional zeros, -0 as 0, and a leading zero before the point
        /// (DuckDB writes a DECIMAL(4,4) as .1742): the same number as the lake's, whatever its spelling.
        /// </summary>
        public static string Normal(string text)
        {
            var trimmed = $"(CASE WHEN contains({text}, '.') THEN rtrim(rtrim({text}, '0'), '.') ELSE {text} END)";
            return $"(CASE WHEN {trimmed} IN ('', '-', '-0') THEN '0' WHEN starts_with({trimmed}, '-.') THEN '-0' || substr({trimmed}, 2) WHEN starts_with({trimmed}, '.') THEN '0' || {trimmed} ELSE {trimmed} END)";
        }


        // A name in a JSONPath: quoted, with backslash escapes (not SQL's doubling).
        private static string PathQuote(string name) => "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}
