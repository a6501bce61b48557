using Seeder;

namespace Cli.Pipeline;

/// <summary>One local run of the record path.</summary>
internal sealed record PipelineOptions
{
    public required WorkloadOptions Workload { get; init; }

    public required string Out { get; init; }

    /// <summary>A DynamoDB endpoint with Streams (moto); null for the embedded change capture.</summary>
    public Uri? Endpoint { get; init; }

    public string? Region { get; init; }

    public string Table { get; init; } = "transactions";

    /// <summary>Share of requests redelivered (at-least-once).</summary>
    public double Duplicates { get; init; }

    public bool Shuffle { get; init; }

    public int Shards { get; init; } = 4;
}
