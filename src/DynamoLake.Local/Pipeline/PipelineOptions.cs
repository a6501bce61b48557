using Seeder;

namespace DynamoLake.Local.Pipeline;

/// <summary>One local run of the record path.</summary>
internal sealed record PipelineOptions
{
    public required WorkloadOptions Workload { get; init; }

    public required string Out { get; init; }

    /// <summary>What the functions see: the contract they, the sinks and parity read.</summary>
    public FunctionEnvironment Environment { get; init; } = FunctionEnvironment.Process;

    /// <summary>A DynamoDB endpoint with Streams (moto); null for the embedded change capture.</summary>
    public Uri? Endpoint { get; init; }

    public string? Region { get; init; }

    public string Table { get; init; } = "transactions";

    /// <summary>Share of requests redelivered (at-least-once).</summary>
    public double Duplicates { get; init; }

    public bool Shuffle { get; init; }

    /// <summary>Rebuild even a lake that holds what a rebuild would lose (error records not redriven, rows added since).</summary>
    public bool Force { get; init; }

    public int Shards { get; init; } = 4;

    /// <summary>
    /// The source as DynamoDB Streams with this StreamViewType (EventBridge Pipes' shape), or null for Kinesis
    /// Data Streams for DynamoDB (the template's source). With --endpoint, the view of the table it creates.
    /// </summary>
    public string? StreamView { get; init; }

    /// <summary>
    /// The most data in one transformation request; null for the template's <c>ProcessorBufferSizeMBs</c>.
    /// Tests make it small, so that a short run has many requests per shard to reorder and redeliver.
    /// </summary>
    public int? RequestBytes { get; init; }

    /// <summary>
    /// How many of the workload's first items are in the table before capture starts (their inserts are on no
    /// stream); the run then hands a snapshot of the table over to the lake while the stream goes on (ADR 0018).
    /// </summary>
    public int Existing { get; init; }
}
