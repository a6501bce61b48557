using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace DynamoLake.Aws;

/// <summary>
/// The AWS SDK's standard credential chain (environment keys, profiles with role_arn or SSO sessions, web
/// identity, the container and instance providers) as the credentials our signer takes.
/// </summary>
internal static class AwsCredentialChain
{
    /// <summary>The chain's credentials now (a role's session is cached by the SDK and renewed before it expires).</summary>
    public static async Task<AwsCredentials> ResolveAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var chain = await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync();
        return From(await chain.GetCredentialsAsync());
    }

    /// <summary>The SDK's credentials as ours: an empty session token is none.</summary>
    public static AwsCredentials From(ImmutableCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new AwsCredentials(credentials.AccessKey, credentials.SecretKey, string.IsNullOrEmpty(credentials.Token) ? null : credentials.Token);
    }
}
