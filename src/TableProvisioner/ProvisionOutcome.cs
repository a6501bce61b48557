namespace TableProvisioner;

/// <summary>What a request came to: the status to send, why, the resource id, and the Data attributes.</summary>
internal sealed record ProvisionOutcome(string Status, string Reason, string PhysicalResourceId, Dictionary<string, string>? Data = null)
{
    public static ProvisionOutcome Success(string reason, string physicalResourceId, Dictionary<string, string>? data = null) =>
        new(CustomResourceResponse.Success, reason, physicalResourceId, data);

    public static ProvisionOutcome Failed(string reason, string physicalResourceId) =>
        new(CustomResourceResponse.Failed, reason, physicalResourceId);
}
