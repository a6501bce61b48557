using System.Globalization;
using DynamoLake.Core.Contract;

namespace DynamoLake.Local.Verify;

/// <summary>
/// What verify compares: the source table, the Iceberg table in Athena's terms, optionally the S3 path's
/// current-state view, the change stream that tells changes in flight, and the settle window. From a
/// stack's outputs and parameters, with any flag given taking precedence.
/// </summary>
internal sealed record VerifyTarget
{
    /// <summary>The margin added to the buffer intervals: the transform's retries and the Iceberg commit.</summary>
    public static readonly TimeSpan SettleMargin = TimeSpan.FromSeconds(120);

    public required string Table { get; init; }

    /// <summary>Athena's catalog of the table bucket: <c>s3tablescatalog/BUCKET</c>.</summary>
    public required string Catalog { get; init; }

    /// <summary>The S3 Tables namespace (Athena's database).</summary>
    public required string Database { get; init; }

    public required string LakeTable { get; init; }

    /// <summary>The Glue database of the S3 path's change log and current-state view; null when the S3 path is off.</summary>
    public string? ChangeLogDatabase { get; init; }

    /// <summary>The Kinesis data stream of the table's changes; null when not known (no in-flight detection).</summary>
    public string? Stream { get; init; }

    public required TimeSpan Settle { get; init; }

    /// <summary>Where the settle window came from, for the report.</summary>
    public required string SettleSource { get; init; }

    /// <summary>The stack the names came from, if any.</summary>
    public string? Stack { get; init; }

    /// <summary>The names a deployed stack gives (Outputs; buffer intervals and EnableS3Path from its Parameters).</summary>
    public static Names FromStack(Aws.CloudFormationStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        string? catalog = null, database = null, table = null;
        if (stack.Outputs.TryGetValue("AthenaTable", out var athena))
        {
            // s3tablescatalog/BUCKET.NAMESPACE.TABLE: bucket names have no dots, nor have namespaces and tables.
            var parts = athena.Split('.');
            if (parts.Length == 3)
            {
                (catalog, database, table) = (parts[0], parts[1], parts[2]);
            }
        }

        TimeSpan? settle = null;
        if (Seconds(stack.Parameters, "ProcessorBufferIntervalSeconds") is { } processor && Seconds(stack.Parameters, "DestinationBufferIntervalSeconds") is { } destination)
        {
            settle = processor + destination + SettleMargin;
        }

        return new Names(
            stack.Outputs.GetValueOrDefault("SourceTableName"),
            catalog,
            database,
            table,
            stack.Outputs.GetValueOrDefault("ChangeLogDatabase"),
            stack.Outputs.GetValueOrDefault("ChangeStreamName"),
            settle,
            stack.Outputs.GetValueOrDefault("AthenaWorkGroup"));
    }

    /// <summary>The settle window of a stack deployed with the template's defaults.</summary>
    public static TimeSpan DefaultSettle(Pipeline.TemplateFacts template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return TimeSpan.FromSeconds(int.Parse(template.ParameterDefault("ProcessorBufferIntervalSeconds"), CultureInfo.InvariantCulture)
            + int.Parse(template.ParameterDefault("DestinationBufferIntervalSeconds"), CultureInfo.InvariantCulture)) + SettleMargin;
    }

    /// <summary>Athena's name of the Iceberg table.</summary>
    public string AthenaTable => $"\"{Catalog}\".\"{Database}\".\"{LakeTable}\"";

    /// <summary>Athena's name of the current-state view (the Glue Data Catalog), when the S3 path is on.</summary>
    public string? AthenaView(TableContract contract) => ChangeLogDatabase is null ? null : $"\"awsdatacatalog\".\"{ChangeLogDatabase}\".\"{LakeSchema.CurrentView(contract)}\"";

    private static TimeSpan? Seconds(IReadOnlyDictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : null;

    /// <summary>Names as a stack or flags give them (any may be missing); WorkGroup: the stack's own Athena workgroup (ADR 0018).</summary>
    public sealed record Names(string? Table, string? Catalog, string? Database, string? LakeTable, string? ChangeLogDatabase, string? Stream, TimeSpan? Settle, string? WorkGroup = null);
}
