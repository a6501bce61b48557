namespace DynamoLake.Local;

/// <summary>The command a person types (the .NET tool's name), for messages that say what to run next.</summary>
internal static class Tool
{
    public const string Name = "dynamolake";
}
