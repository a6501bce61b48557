namespace DynamoLake.Testing;

/// <summary>One moto server per test collection; tests isolate themselves by table or stream name.</summary>
public sealed class MotoFixture : IDisposable
{
    private readonly Lazy<LocalServer> _server = new(LocalServers.StartMoto);

    /// <summary>Started on first use, so a skipped collection never starts it.</summary>
    public LocalServer Server => _server.Value;

    public void Dispose()
    {
        if (_server.IsValueCreated)
        {
            _server.Value.Dispose();
        }
    }
}
