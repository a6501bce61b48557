using DynamoLake.Core.Contract;
using DynamoLake.Local.Pipeline;

namespace DynamoLake.Local.Verify;

/// <summary>
/// What verify asks of AWS, written down once: the UNLOAD queries, how their Parquet is read back as a lake
/// relation, and the IAM actions (for --dry-run and the policy in docs/verify.md, which a test holds equal).
/// </summary>
internal static class VerifyPlan
{
    /// <summary>An IAM action verify needs, on what, and why.</summary>
    public sealed record Permission(string Action, string Resource, string Why);

    /// <summary>
    /// The UNLOAD of a lake relation's compared columns. The Iceberg table's instants go out as ISO-8601 text
    /// (to_iso8601 keeps every fractional digit, where a Parquet timestamp written by UNLOAD might not); the
    /// S3 path's are already epoch µs.
    /// </summary>
    public static string Unload(TableContract contract, string from, string to, bool iceberg)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var columns = Parity.Compared(contract).Select(c => iceberg && IsInstant(c) ? $"to_iso8601({LakeDatabase.Quote(c.Name)}) AS {LakeDatabase.Quote(c.Name)}" : LakeDatabase.Quote(c.Name));
        return $"UNLOAD (SELECT {string.Join(", ", columns)} FROM {from}) TO '{to.Replace("'", "''", StringComparison.Ordinal)}' WITH (format = 'PARQUET')";
    }

    /// <summary>
    /// The Parquet an UNLOAD wrote, read as the lake relation parity compares (instants made instants again;
    /// text that is no instant becomes NULL, a difference, rather than an error quoting the value).
    /// </summary>
    public static Parity.Relation Relation(TableContract contract, string folder, bool iceberg)
    {
        var instants = Parity.Compared(contract).Where(IsInstant).ToList();
        var replace = !iceberg || instants.Count == 0 ? "" : " REPLACE (" + string.Join(", ", instants.Select(c => $"TRY_CAST({LakeDatabase.Quote(c.Name)} AS TIMESTAMPTZ) AS {LakeDatabase.Quote(c.Name)}")) + ")";
        var stored = $"read_parquet('{LakeDatabase.Escape(Path.Combine(folder, "*"))}', hive_partitioning = false)";
        return new Parity.Relation(stored, part => $"(SELECT *{replace} FROM {part})", CheckDuplicates: true, InstantsAsMicros: !iceberg);
    }

    /// <summary>
    /// A query with no rows and the UNLOAD's column types, for a lake with no rows (UNLOAD then writes no file,
    /// and DuckDB needs one to know the columns).
    /// </summary>
    public static string Empty(TableContract contract, bool iceberg) =>
        "SELECT " + string.Join(", ", Parity.Compared(contract).Select(c => $"CAST(NULL AS {(IsInstant(c) ? (iceberg ? "VARCHAR" : "BIGINT") : DuckType(c.Type))}) AS {LakeDatabase.Quote(c.Name)}")) + " WHERE false";

    /// <summary>The IAM actions of a run, on the resources of a target (ACCOUNT stands for the account's id).</summary>
    public static IReadOnlyList<Permission> Permissions(VerifyTarget target, string region, string workGroup, string results, TableContract contract)
    {
        ArgumentNullException.ThrowIfNull(target);
        var (bucket, prefix) = S3Location.Parse(results);
        var tableBucket = target.Catalog.StartsWith("s3tablescatalog/", StringComparison.Ordinal) ? target.Catalog["s3tablescatalog/".Length..] : target.Catalog;
        var glue = $"arn:aws:glue:{region}:ACCOUNT";
        var list = new List<Permission>();
        if (target.Stack is { } stack)
        {
            list.Add(new("cloudformation:DescribeStacks", $"arn:aws:cloudformation:{region}:ACCOUNT:stack/{stack}/*", "the stack's outputs and buffer intervals"));
        }

        list.Add(new("dynamodb:DescribeTable", $"arn:aws:dynamodb:{region}:ACCOUNT:table/{target.Table}", "the table exists; its item count for progress"));
        list.Add(new("dynamodb:Scan", $"arn:aws:dynamodb:{region}:ACCOUNT:table/{target.Table}", "the source's items (one consistent, parallel Scan)"));
        if (target.Stream is { } stream)
        {
            foreach (var action in new[] { "kinesis:ListShards", "kinesis:GetShardIterator", "kinesis:GetRecords" })
            {
                list.Add(new(action, $"arn:aws:kinesis:{region}:ACCOUNT:stream/{stream}", "keys changed within the settle window (in flight)"));
            }
        }

        foreach (var action in new[] { "athena:GetWorkGroup", "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:StopQueryExecution" })
        {
            list.Add(new(action, $"arn:aws:athena:{region}:ACCOUNT:workgroup/{workGroup}", "the UNLOAD of the lake"));
        }

        var catalogResources = $"{glue}:catalog, {glue}:catalog/s3tablescatalog, {glue}:catalog/s3tablescatalog/{tableBucket}, {glue}:database/s3tablescatalog/{tableBucket}/{target.Database}, {glue}:table/s3tablescatalog/{tableBucket}/{target.Database}/{target.LakeTable}";
        foreach (var action in new[] { "glue:GetCatalog", "glue:GetDatabase", "glue:GetTable" })
        {
            list.Add(new(action, catalogResources, "Athena reads the Iceberg table's definition"));
        }

        // The Glue prerequisites for querying S3 Tables in IAM mode list these five, on the bucket and its tables.
        list.Add(new("s3tables:GetTableBucket", $"arn:aws:s3tables:{region}:ACCOUNT:bucket/{tableBucket}", "Athena finds the table bucket (IAM access mode)"));
        list.Add(new("s3tables:GetNamespace", $"arn:aws:s3tables:{region}:ACCOUNT:bucket/{tableBucket}", "Athena finds the namespace (IAM access mode)"));
        list.Add(new("s3tables:GetTable", $"arn:aws:s3tables:{region}:ACCOUNT:bucket/{tableBucket}/table/*", "Athena finds the table (IAM access mode)"));
        list.Add(new("s3tables:GetTableMetadataLocation", $"arn:aws:s3tables:{region}:ACCOUNT:bucket/{tableBucket}/table/*", "Athena reads the Iceberg table (IAM access mode)"));
        list.Add(new("s3tables:GetTableData", $"arn:aws:s3tables:{region}:ACCOUNT:bucket/{tableBucket}/table/*", "Athena reads the Iceberg table (IAM access mode)"));
        list.Add(new("lakeformation:GetDataAccess", "*", "Athena reads the Iceberg table (Lake Formation access mode)"));
        if (target.ChangeLogDatabase is { } database)
        {
            list.Add(new("glue:GetDatabase", $"{glue}:catalog, {glue}:database/{database}", "Athena reads the current-state view"));
            list.Add(new("glue:GetTable", $"{glue}:catalog, {glue}:database/{database}, {glue}:table/{database}/{LakeSchema.CurrentView(contract)}, {glue}:table/{database}/{LakeSchema.ChangeLogTable(contract)}", "Athena reads the current-state view and the change log under it"));
            list.Add(new("s3:GetObject", "arn:aws:s3:::DATA_BUCKET/*", "Athena reads the change log's Parquet (the stack's DataBucketName)"));
            list.Add(new("s3:ListBucket", "arn:aws:s3:::DATA_BUCKET", "Athena lists the change log's partitions"));
        }

        list.Add(new("s3:GetBucketLocation", $"arn:aws:s3:::{bucket}", "Athena writes the UNLOAD here"));
        list.Add(new("s3:ListBucket", $"arn:aws:s3:::{bucket}", "the UNLOAD's files are listed, then removed"));
        list.Add(new("s3:ListBucketMultipartUploads", $"arn:aws:s3:::{bucket}", "Athena writes the UNLOAD here"));
        foreach (var action in new[] { "s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts" })
        {
            list.Add(new(action, $"arn:aws:s3:::{bucket}/{prefix}*", "the UNLOAD's files: written by Athena, read, then removed"));
        }

        return list;
    }

    private static bool IsInstant(Column column) => column.Type.Kind is ColumnKind.Timestamp or ColumnKind.TimestampTz;

    /// <summary>A contract type as DuckDB declares it.</summary>
    private static string DuckType(ColumnType type) => type.Kind switch
    {
        ColumnKind.String => "VARCHAR",
        ColumnKind.Int => "INTEGER",
        ColumnKind.Long => "BIGINT",
        ColumnKind.Boolean => "BOOLEAN",
        ColumnKind.Float => "FLOAT",
        ColumnKind.Double => "DOUBLE",
        ColumnKind.Decimal => $"DECIMAL({type.Precision},{type.Scale})",
        ColumnKind.Date => "DATE",
        ColumnKind.Timestamp => "TIMESTAMP",
        ColumnKind.TimestampTz => "TIMESTAMPTZ",
        ColumnKind.Binary => "BLOB",
        ColumnKind.Struct => "STRUCT(" + string.Join(", ", type.Fields!.Columns.Select(f => $"{LakeDatabase.Quote(f.Name)} {DuckType(f.Type)}")) + ")",
        ColumnKind.List => DuckType(type.Element!) + "[]",
        _ => "VARCHAR",
    };
}

/// <summary>An <c>s3://bucket/prefix/</c> location.</summary>
internal static class S3Location
{
    /// <summary>The bucket and the key prefix (ending in '/' unless empty); throws naming --results when it is not an s3:// URL.</summary>
    public static (string Bucket, string Prefix) Parse(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!location.StartsWith("s3://", StringComparison.Ordinal) || location.Length <= 5 || location[5] == '/')
        {
            throw new VerifyException($"'{location}' is not an S3 location: give --results as s3://BUCKET/PREFIX/.");
        }

        var rest = location[5..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (rest, "");
        }

        var prefix = rest[(slash + 1)..];
        return (rest[..slash], prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/");
    }
}
