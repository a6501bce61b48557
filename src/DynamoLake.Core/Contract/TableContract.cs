namespace DynamoLake.Core.Contract;

/// <summary>
/// The declared table contract (schema/transactions.json): columns with Iceberg types, the unique key and
/// the partition spec. Loaded once per container; immutable. Everything derived from it — row conversion,
/// the Iceberg schema, Glue columns, views — is generated from this model.
/// </summary>
public sealed partial class TableContract
{
    /// <summary>Resource name of the embedded default contract.</summary>
    public const string EmbeddedResourceName = "schema/transactions.json";

    private readonly int _hintCount;

    private TableContract(string source, string table, string? doc, FieldSet columns, IReadOnlyList<Column> uniqueKey, IReadOnlyList<PartitionField> partitionSpec, int lastColumnId, Column? timeToLive)
    {
        TimeToLive = timeToLive;
        SourceName = source;
        Table = table;
        Doc = doc;
        Columns = columns;
        UniqueKey = uniqueKey;
        PartitionSpec = partitionSpec;
        LastColumnId = lastColumnId;
        PartitionFieldOf = new PartitionField?[columns.Count];
        var hints = 0;
        columns.NumberHints(ref hints);
        _hintCount = hints;
        foreach (var field in partitionSpec)
        {
            PartitionFieldOf[field.Source.Index] ??= field;
        }
    }

    /// <summary>
    /// Room for one invocation's learnt order of attributes, for every field set of the contract (see
    /// <see cref="FieldSet.FindBySource(ReadOnlySpan{byte}, Column?, Column?[])"/>): made per request, so nothing
    /// learnt in one invocation reaches the next.
    /// </summary>
    internal Column?[] NewColumnHints() => new Column?[_hintCount];

    /// <summary>Where the contract was read from (file path or resource name), for messages.</summary>
    public string SourceName { get; }

    public string Table { get; }

    public string? Doc { get; }

    public FieldSet Columns { get; }

    public IReadOnlyList<Column> UniqueKey { get; }

    public IReadOnlyList<PartitionField> PartitionSpec { get; }

    /// <summary>By column index: the (first) partition field the column is the source of, or null.</summary>
    internal PartitionField?[] PartitionFieldOf { get; }

    /// <summary>The DynamoDB TTL attribute's column (epoch seconds), if the table has one.</summary>
    public Column? TimeToLive { get; }

    /// <summary>
    /// The DynamoDB table whose changes become this contract's rows (<c>source.table</c>), or null: the
    /// stream's table (SOURCE_TABLE_NAME), or any table.
    /// </summary>
    public string? SourceTable { get; private init; }

    /// <summary>Which of the source table's items are this contract's (<c>source.entity</c>, single-table design), or null: all of them.</summary>
    public EntityRule? Entity { get; private init; }

    /// <summary>The highest Iceberg field id assigned.</summary>
    public int LastColumnId { get; }

    /// <summary>The contract shipped inside the core library (schema/transactions.json).</summary>
    public static TableContract LoadEmbedded()
    {
        using var stream = typeof(TableContract).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new TableContractException($"{EmbeddedResourceName}: the embedded table contract is missing from {typeof(TableContract).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Parse(copy.ToArray(), EmbeddedResourceName);
    }

    /// <summary>The environment variable that names a deployed function's contract file, relative to its package root.</summary>
    public const string FileVariable = "CONTRACT";

    /// <summary>The sample's contract file in every function package (schema/transactions.json in the repository).</summary>
    public const string SampleFile = "contracts/transactions.json";

    /// <summary>
    /// The contract a deployed function reads: the file <see cref="FileVariable"/> names (relative to the
    /// package root, or absolute), else the sample's. Every function package carries the repository's
    /// schema/*.json under contracts/; a missing or invalid file throws, naming the file and the rule broken.
    /// </summary>
    /// <exception cref="TableContractException">The file is missing or invalid, or <see cref="FileVariable"/> names several (see <see cref="ContractSet.FromEnvironment"/>).</exception>
    public static TableContract FromEnvironment(Func<string, string?> environment)
    {
        var files = Files(environment);
        return files.Count == 1
            ? LoadFile(files[0])
            : throw new TableContractException($"{FileVariable} names {files.Count} contracts ({string.Join(", ", files)}); this function reads one.");
    }

    /// <summary>The contract files <see cref="FileVariable"/> names, separated by commas (the sample's when it names none).</summary>
    internal static IReadOnlyList<string> Files(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var named = environment(FileVariable)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        return named.Length == 0 ? [SampleFile] : named;
    }

    internal static TableContract LoadFile(string file)
    {
        var path = Path.IsPathRooted(file) ? file : Path.Combine(AppContext.BaseDirectory, file);
        return File.Exists(path)
            ? Load(path)
            : throw new TableContractException($"{file}: no such contract file in the package ({path}); {FileVariable} names a file under contracts/, which carries the repository's schema/*.json.");
    }

    /// <summary>Reads a contract file; a malformed file throws <see cref="TableContractException"/> naming the file, column and problem.</summary>
    public static TableContract Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TableContractException($"{path}: cannot read the table contract: {e.Message}", e);
        }

        return Parse(bytes, path);
    }
}
