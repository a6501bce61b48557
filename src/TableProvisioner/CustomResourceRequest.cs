using System.Text.Json;

namespace TableProvisioner;

/// <summary>A CloudFormation custom-resource request. Property values arrive as strings.</summary>
internal sealed record CustomResourceRequest
{
    public string? RequestType { get; init; }

    public string? ResponseURL { get; init; }

    public string? StackId { get; init; }

    public string? RequestId { get; init; }

    public string? ResourceType { get; init; }

    public string? LogicalResourceId { get; init; }

    /// <summary>Set on Update and Delete.</summary>
    public string? PhysicalResourceId { get; init; }

    public Dictionary<string, JsonElement>? ResourceProperties { get; init; }

    /// <summary>Set on Update: the properties before the change.</summary>
    public Dictionary<string, JsonElement>? OldResourceProperties { get; init; }
}
