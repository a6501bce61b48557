namespace DynamoLake.Testing;

/// <summary>One dynalite per test collection; tests isolate themselves by table name.</summary>
public sealed class DynaliteFixture() : LocalServerFixture(LocalServers.StartDynalite);
