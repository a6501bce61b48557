namespace DynamoLake.Local.Pipeline;

/// <summary>Where each part of the local lake lives under <c>--out</c>.</summary>
internal sealed record LakePaths(string Root, string Namespace, string Table)
{
    /// <summary>The lake in <paramref name="folder"/>, laid out for the template's namespace and the contract's table.</summary>
    public static LakePaths For(string folder, TemplateFacts template, DynamoLake.Core.Contract.TableContract contract) =>
        new(Path.GetFullPath(folder), template.Namespace, contract.Table);

    /// <summary>The Iceberg-equivalent table: what S3 Tables would hold (Parquet, by timestamp_day).</summary>
    public string Iceberg => Path.Combine(Root, "iceberg", Namespace, Table, "data");

    /// <summary>The S3 path: the change log under the template's dynamic-partitioning prefix.</summary>
    public string ChangeLog => Path.Combine(Root, "s3");

    /// <summary>Firehose error output (ProcessingFailed records), as Firehose writes it to the error bucket.</summary>
    public string Errors => Path.Combine(Root, "errors");

    public string ProcessingFailed => Path.Combine(Errors, "processing-failed");

    /// <summary>The functions' own log lines (ids, counts and reason codes).</summary>
    public string FunctionLog => Path.Combine(Root, "logs", "functions.log");

    /// <summary>Where a run's sinks and checks keep what waits on disk (spilled rows, DuckDB's temporary files); removed when the run ends.</summary>
    public string Work => Path.Combine(Root, ".work");

    /// <summary>Removes one user's part of <see cref="Work"/>, and the folder once nothing else is in it.</summary>
    public static void RemoveWork(LakePaths paths, string part)
    {
        if (Directory.Exists(part))
        {
            Directory.Delete(part, recursive: true);
        }

        if (Directory.Exists(paths.Work) && !Directory.EnumerateFileSystemEntries(paths.Work).Any())
        {
            Directory.Delete(paths.Work);
        }
    }

    public string IcebergGlob => Path.Combine(Iceberg, "**", "*.parquet");

    public string ChangeLogGlob => Path.Combine(ChangeLog, "**", "*.parquet");
}
