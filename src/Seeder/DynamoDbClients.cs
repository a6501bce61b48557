using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace Seeder;

/// <summary>Builds the DynamoDB client the seeder uses, in Lambda (defaults) and locally (an endpoint).</summary>
internal static class DynamoDbClients
{
    /// <summary>The region of local endpoints when none is given.</summary>
    public const string LocalRegion = "us-east-1";

    /// <summary>
    /// Whether a local endpoint's calls use the SDK's credential chain: when keys or a profile are configured
    /// (a failure of theirs is then an error, not hidden); local servers accept any, so placeholders otherwise.
    /// </summary>
    public static bool ChainConfigured =>
        Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") is { Length: > 0 } || Environment.GetEnvironmentVariable("AWS_PROFILE") is { Length: > 0 };

    /// <param name="endpoint">A DynamoDB-compatible endpoint (moto, dynalite, DynamoDB Local); null for AWS.</param>
    /// <param name="region">The region; null for the SDK's default chain (AWS_REGION in Lambda).</param>
    /// <param name="httpClientFactory">Tests put a fault-injecting handler in front of the server here.</param>
    public static IAmazonDynamoDB Create(Uri? endpoint, string? region, HttpClientFactory? httpClientFactory = null)
    {
        var config = new AmazonDynamoDBConfig
        {
            // One retry policy with one exact budget: RetryPolicy counts every resend.
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = httpClientFactory;
        }

        if (endpoint is null)
        {
            if (region is not null)
            {
                config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
            }

            return new AmazonDynamoDBClient(config);
        }

        config.ServiceURL = endpoint.ToString();
        config.AuthenticationRegion = region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? LocalRegion;

        return ChainConfigured
            ? new AmazonDynamoDBClient(config)
            : new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), config);
    }
}
