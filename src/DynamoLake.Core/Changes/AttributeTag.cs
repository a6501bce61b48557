namespace DynamoLake.Core.Changes;

/// <summary>The type tag of a DynamoDB AttributeValue.</summary>
internal enum AttributeTag : byte
{
    Unknown,
    S,
    N,
    B,
    Bool,
    Null,
    M,
    L,
    SS,
    NS,
    BS,
}
