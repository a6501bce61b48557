namespace TableProvisioner;

/// <summary>The answer CloudFormation waits for (PUT to the pre-signed ResponseURL, body ≤ 4096 bytes).</summary>
internal sealed record CustomResourceResponse
{
    public required string Status { get; init; }

    public required string Reason { get; init; }

    public required string PhysicalResourceId { get; init; }

    public required string StackId { get; init; }

    public required string RequestId { get; init; }

    public required string LogicalResourceId { get; init; }

    public bool NoEcho { get; init; }

    public Dictionary<string, string>? Data { get; init; }

    public const string Success = "SUCCESS";

    public const string Failed = "FAILED";
}
