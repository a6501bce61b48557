namespace DynamoLake.Aws;

/// <summary>The credentials a request is signed with (resolved by the caller, e.g. the AWS SDK's chain).</summary>
public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    /// <summary>Keeps the secret out of logs and exception messages.</summary>
    public override string ToString() => $"AwsCredentials {{ AccessKeyId = {AccessKeyId} }}";
}
