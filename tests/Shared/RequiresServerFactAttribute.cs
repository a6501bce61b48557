namespace DynamoLake.Testing;

/// <summary>A test that needs a local server: skipped with the reason when it is missing, failed instead under CI=true.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresServerFactAttribute : FactAttribute
{
    public RequiresServerFactAttribute(params string[] servers)
    {
        Servers = servers;
        if (!LocalServers.InCi && servers.Select(LocalServers.Missing).FirstOrDefault(why => why is not null) is { } why)
        {
            Skip = $"SKIPPED LOCALLY, would FAIL under CI=true: {why}";
        }
    }

    public IReadOnlyList<string> Servers { get; }
}
