namespace DynamoLake.Core.Contract;

/// <summary>One column of the Glue table for the S3 path.</summary>
public sealed record GlueColumn(string Name, string Type, string Comment);
