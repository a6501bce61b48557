namespace DynamoLake.Testing;

/// <summary>One moto server per test collection; tests isolate themselves by table or stream name.</summary>
public sealed class MotoFixture() : LocalServerFixture(LocalServers.StartMoto);
