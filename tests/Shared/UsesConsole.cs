namespace DynamoLake.Testing;

/// <summary>Tests that run function handlers in-process swap Console.Out (the functions log there): one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class UsesConsole
{
    public const string Name = "console";
}
