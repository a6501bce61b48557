namespace DynamoLake.Testing;

/// <summary>One local server per test collection, started on first use (a skipped collection never starts it) and stopped at the end.</summary>
public abstract class LocalServerFixture(Func<LocalServer> start) : IDisposable
{
    private readonly Lazy<LocalServer> _server = new(start);

    public LocalServer Server => _server.Value;

    public void Dispose()
    {
        if (_server.IsValueCreated)
        {
            _server.Value.Dispose();
        }

        GC.SuppressFinalize(this);
    }
}
