namespace DynamoLake.Testing;

/// <summary>One dynalite per test collection; tests isolate themselves by table name.</summary>
public sealed class DynaliteFixture : IDisposable
{
    private readonly Lazy<LocalServer> _server = new(LocalServers.StartDynalite);

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
