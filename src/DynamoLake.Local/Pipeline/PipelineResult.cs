namespace DynamoLake.Local.Pipeline;

/// <summary>What a run did and whether the lake equals the source.</summary>
internal sealed record PipelineResult
{
    public required long ChangeRecords { get; init; }

    public required long Requests { get; init; }

    public required long Redelivered { get; init; }

    public required FunctionCounts Transform { get; init; }

    public required FunctionCounts PartitionKeys { get; init; }

    public required IReadOnlyDictionary<(string Function, string Reason), long> FailedByReason { get; init; }

    public required int IcebergFiles { get; init; }

    public required int ChangeLogFiles { get; init; }

    public required int ErrorFiles { get; init; }

    public required long LakeRows { get; init; }

    public required long SourceRows { get; init; }

    public required List<string> Differences { get; init; }

    public required List<string> ViewDifferences { get; init; }

    public required TimeSpan Elapsed { get; init; }

    /// <summary>Elapsed time at the end of each phase.</summary>
    public required IReadOnlyList<(string Phase, TimeSpan Elapsed)> Timings { get; init; }

    /// <summary>What could not be removed once the new lake was in place (for a warning).</summary>
    public IReadOnlyList<string> LeftBehind { get; init; } = [];

    /// <summary>Each contract's Iceberg table against its items (one, or a set's; the first is the fields above).</summary>
    public required IReadOnlyList<TableParity> Tables { get; init; }

    /// <summary>Whether the template has the S3 path (and so the view's parity).</summary>
    public required bool HasS3Path { get; init; }

    /// <summary>The snapshot hand-off of a run with existing items: what the load and the repair did, and snapshot items that failed conversion.</summary>
    public (HandOffCounts Counts, long Failed)? HandOff { get; init; }

    public bool Equal => Tables.All(t => t.Differences.Count == 0) && ViewDifferences.Count == 0;
}

/// <summary>One destination table's parity: its items, its rows, and how they differ.</summary>
internal sealed record TableParity(string Table, long SourceRows, long LakeRows, List<string> Differences);
