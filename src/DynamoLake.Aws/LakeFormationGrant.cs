namespace DynamoLake.Aws;

/// <summary>
/// Lake Formation permissions for one principal on one S3 Tables table, addressed in the S3 Tables catalog
/// (<c>CatalogId</c> = <c>&lt;account&gt;:s3tablescatalog/&lt;table bucket&gt;</c>, database = namespace).
/// </summary>
internal sealed record LakeFormationGrant(string Principal, string CatalogId, string Database, string Table)
{
    /// <summary>What Firehose needs to commit to the table: ALL (Super) on the table.</summary>
    public static IReadOnlyList<string> TablePermissions { get; } = ["ALL"];

    /// <summary>And to find its namespace: DESCRIBE on the database.</summary>
    public static IReadOnlyList<string> DatabasePermissions { get; } = ["DESCRIBE"];

    /// <summary>The S3 Tables catalog id of a table bucket ARN (<c>arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME</c>).</summary>
    public static string CatalogIdOf(string tableBucketArn)
    {
        ArgumentNullException.ThrowIfNull(tableBucketArn);
        var parts = tableBucketArn.Split(':');
        return $"{parts[4]}:s3tablescatalog/{parts[5]["bucket/".Length..]}";
    }
}
