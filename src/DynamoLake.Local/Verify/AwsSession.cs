using Amazon.Runtime;
using DynamoLake.Aws;

namespace DynamoLake.Local.Verify;

/// <summary>
/// Where verify's calls go and how they are signed: the region (flag, then the SDK's chain), credentials (the
/// SDK's chain: keys, profiles with role_arn and source_profile / credential_source, SSO sessions, web identity,
/// the container and instance providers — each read again when a client is made, so a role's session is
/// renewed; placeholder ones for local stand-ins only when nothing at all is configured, and then said), and
/// each service's endpoint: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>--endpoint</c>, then
/// <c>AWS_ENDPOINT_URL</c>, then AWS's own.
/// </summary>
internal sealed class AwsSession
{
    private static readonly string[] s_services = ["DYNAMODB", "S3", "ATHENA", "KINESIS", "CLOUDFORMATION"];
    private static readonly string[] s_credentialVariables = ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"];
    private readonly Uri? _endpoint;
    private readonly Func<string, string?> _environment;
    private readonly Lazy<AWSCredentials?> _credentials;

    private AwsSession(string region, Uri? endpoint, Func<string, string?> environment)
    {
        Region = region;
        _endpoint = endpoint;
        _environment = environment;
        _credentials = new Lazy<AWSCredentials?>(ResolveCredentials);
    }

    public string Region { get; }

    /// <summary>Whether any call goes to a local stand-in rather than AWS.</summary>
    public bool IsLocal => _endpoint is not null || _environment("AWS_ENDPOINT_URL") is { Length: > 0 }
        || s_services.Any(s => _environment("AWS_ENDPOINT_URL_" + s) is { Length: > 0 });

    /// <summary>The credentials to sign with now (the SDK caches a role's session and renews it before it expires).</summary>
    public AwsCredentials Credentials
    {
        get
        {
            if (_credentials.Value is not { } chain)
            {
                return new AwsCredentials("local", "local");
            }

            try
            {
                return AwsCredentialChain.From(chain.GetCredentials());
            }
            catch (Exception e) when (e is AmazonClientException or AmazonServiceException)
            {
                throw new VerifyException(CredentialProblem(e));
            }
        }
    }

    /// <summary>Said once when no credentials are configured and a local stand-in gets placeholder ones; else null.</summary>
    public string? CredentialsNote { get; private set; }

    /// <summary>The session, or a message naming the flag to give.</summary>
    public static (AwsSession? Session, string? Problem) Create(string? region, Uri? endpoint, Func<string, string?> environment, Func<string?> configuredRegion)
    {
        var local = endpoint is not null || environment("AWS_ENDPOINT_URL") is { Length: > 0 };
        var resolved = region ?? configuredRegion() ?? (local ? Seeder.DynamoDbClients.LocalRegion : null);
        return resolved is null
            ? (null, "no AWS region is configured: pass --region (or set AWS_REGION / a profile's region).")
            : (new AwsSession(resolved, endpoint, environment), null);
    }

    /// <summary>The endpoint of a service (by its AWS_ENDPOINT_URL_ suffix and its host prefix), or null for the SDK's own.</summary>
    public Uri? Override(string service)
    {
        foreach (var text in new[] { _environment("AWS_ENDPOINT_URL_" + service.ToUpperInvariant()), _endpoint?.ToString(), _environment("AWS_ENDPOINT_URL") })
        {
            if (text is { Length: > 0 })
            {
                return LocalEndpoint.TryParse(text, out var uri)
                    ? uri
                    : throw new VerifyException($"the endpoint '{text}' for {service} is not an http(s) URL; fix --endpoint or AWS_ENDPOINT_URL_{service.ToUpperInvariant()}.");
            }
        }

        return null;
    }

    /// <summary>A service's endpoint: the override, or AWS's regional one.</summary>
    public Uri Endpoint(string service, string host) => Override(service) ?? new Uri($"https://{host}.{Region}.amazonaws.com/");

    /// <summary>A JSON-protocol (1.1) client of a service: its endpoint, signing name and X-Amz-Target prefix.</summary>
    public Aws.AwsJsonClient Json(HttpClient http, string service, string host, string targetPrefix) =>
        new(http, Endpoint(service, host), Region, Credentials, host, targetPrefix, "1.1");

    public Amazon.DynamoDBv2.IAmazonDynamoDB DynamoDb() => Seeder.DynamoDbClients.Create(Override("DYNAMODB"), Region);

    public Amazon.S3.IAmazonS3 S3()
    {
        var config = new Amazon.S3.AmazonS3Config { Timeout = TimeSpan.FromSeconds(60) };
        if (Override("S3") is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(Region);
        }

        var credentials = Credentials;
        AWSCredentials signing = credentials.SessionToken is { } token
            ? new SessionAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, token)
            : new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey);
        return new Amazon.S3.AmazonS3Client(signing, config);
    }

    private AWSCredentials? ResolveCredentials()
    {
        try
        {
            var chain = Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentials();
            _ = chain.GetCredentials(); // an assume-role or SSO profile fails here, not at the first call
            return chain;
        }
        catch (Exception e) when ((e is AmazonClientException or AmazonServiceException) && IsLocal && !Configured() && !e.Message.Contains("profile [", StringComparison.Ordinal))
        {
            // Local stand-ins accept any credentials; but only when none were asked for, and never silently.
            CredentialsNote = "no AWS credentials are configured: the calls to the local endpoint are signed with placeholder credentials.";
            return null;
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException)
        {
            throw new VerifyException(CredentialProblem(e));
        }
    }

    // Whether the user asked for credentials: a profile or keys in the environment. (A default profile in the
    // config files that fails names itself in the chain's message, which the caller also checks.)
    private bool Configured() => s_credentialVariables.Any(name => _environment(name) is { Length: > 0 });

    private static string CredentialProblem(Exception e) => ErrorText.Credentials(e) ?? ErrorText.Of(e);
}

/// <summary>A verify run that cannot go on, with what to change.</summary>
internal sealed class VerifyException(string message) : Exception(message);
