namespace DynamoLake.Core.Iam;

/// <summary>
/// What an AWS API call is authorized on, in the terms of our stack. The template test maps each kind to
/// the resource expression the template must grant it on, so a call and its grant cannot drift apart.
/// </summary>
public enum IamResource
{
    /// <summary>The source DynamoDB table (<c>arn:aws:dynamodb:…:table/NAME</c>).</summary>
    SourceTable,

    /// <summary>The S3 table bucket (<c>arn:aws:s3tables:…:bucket/NAME</c>).</summary>
    TableBucket,

    /// <summary>The tables of the table bucket (<c>arn:aws:s3tables:…:bucket/NAME/table/*</c>).</summary>
    TablesOfTheBucket,

    /// <summary>
    /// The Iceberg table as the Glue Data Catalog sees it: <c>catalog</c>, <c>catalog/s3tablescatalog</c>,
    /// <c>catalog/s3tablescatalog/BUCKET</c>, <c>database/s3tablescatalog/BUCKET/NAMESPACE</c> and
    /// <c>table/s3tablescatalog/BUCKET/NAMESPACE/TABLE</c> (Glue checks the whole path).
    /// </summary>
    CatalogTable,

    /// <summary>
    /// An action without resource-level permissions, which IAM can only grant on <c>*</c> (Lake Formation's
    /// grant APIs: Lake Formation itself then decides on the catalog resource).
    /// </summary>
    AnyResource,

    /// <summary>The objects of a DynamoDB export that backfill --stack starts (the results bucket, under backfill/exports/).</summary>
    ExportObjects,

    /// <summary>The rows the backfill's conversion writes (the results bucket, under backfill/rows/).</summary>
    ExportRows,
}
