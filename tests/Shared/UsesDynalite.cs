namespace DynamoLake.Testing;

/// <summary>Tests in this collection share one dynalite (started on first use, stopped at the end).</summary>
[CollectionDefinition(Name)]
public sealed class UsesDynalite : ICollectionFixture<DynaliteFixture>
{
    public const string Name = "dynalite";
}
