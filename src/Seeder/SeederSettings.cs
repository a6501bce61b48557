namespace Seeder;

/// <summary>The Seeder's configuration, read once per container from environment variables.</summary>
public sealed record SeederSettings
{
    public const string TableVariable = "TABLE_NAME";

    public required string TableName { get; init; }

    /// <summary>The environment variables this function reads (the template test checks each is set).</summary>
    public static IReadOnlyList<string> Variables { get; } = [TableVariable];

    public static SeederSettings FromEnvironment() => From(Environment.GetEnvironmentVariable);

    /// <summary>Reads settings through <paramref name="lookup"/>; a missing value throws naming the variable.</summary>
    public static SeederSettings From(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var table = lookup(TableVariable);
        return string.IsNullOrWhiteSpace(table)
            ? throw new InvalidOperationException($"{TableVariable} is not set; it names the DynamoDB table to seed.")
            : new SeederSettings { TableName = table };
    }
}
