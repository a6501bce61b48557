namespace DynamoLake.Testing;

/// <summary>Tests in this collection share one moto server.</summary>
[CollectionDefinition(Name)]
public sealed class UsesMoto : ICollectionFixture<MotoFixture>
{
    public const string Name = "moto";
}
