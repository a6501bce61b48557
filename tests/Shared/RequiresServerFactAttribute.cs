namespace DynamoLake.Testing;

/// <summary>A test that needs a local server: skipped with the reason when it is missing, failed instead under CI=true.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresServerFactAttribute : FactAttribute
{
    public RequiresServerFactAttribute(string server)
    {
        Server = server;
        if (!LocalServers.InCi && LocalServers.Missing(server) is { } why)
        {
            Skip = $"SKIPPED LOCALLY, would FAIL under CI=true: {why}";
        }
    }

    public string Server { get; }
}
