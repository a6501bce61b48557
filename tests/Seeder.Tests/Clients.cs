using Amazon.DynamoDBv2;
using DynamoLake.Testing;

namespace Seeder.Tests;

internal static class Clients
{
    /// <summary>Fast retries for tests: the budget and its accounting are what is under test, not the waiting.</summary>
    public static RetryPolicy FastRetry { get; } = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 30 };

    public static IAmazonDynamoDB For(LocalServer server, FaultInjectingHandler? faults = null) =>
        DynamoDbClients.Create(server.Endpoint, DynamoDbClients.LocalRegion, faults is null ? null : new FaultInjectingClientFactory(faults));

    public static string NewTableName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
