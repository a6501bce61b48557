namespace DynamoLake.Aws;

/// <summary>What S3 Tables says of an existing table (GetTable), for the response's Data.</summary>
internal sealed record TableInfo(string TableArn, string? WarehouseLocation, string? VersionToken);
