namespace DynamoLake.Core.Iam;

/// <summary>
/// One AWS API operation our code calls, declared next to the call with the IAM action it needs and the
/// resource IAM authorizes it on. A deployed function's declarations are exactly what serverless.template
/// must grant it (checked by the template tests, in both directions).
/// </summary>
/// <param name="Action">The IAM action, <c>service:Operation</c> (e.g. <c>s3tables:CreateTable</c>).</param>
/// <param name="Resource">What the action is authorized on.</param>
/// <param name="LocalOnly">Called only by the local CLI (e.g. creating a table for a local run), never by a deployed function: the template must not grant it.</param>
/// <param name="Api">The API's name when it differs from the action (the Iceberg REST <c>LoadTable</c> is authorized as <c>s3tables:GetTableMetadataLocation</c> and more).</param>
public sealed record AwsOperation(string Action, IamResource Resource, bool LocalOnly = false, string? Api = null)
{
    /// <summary>The API operation's name: <see cref="Api"/>, or the action without its service prefix.</summary>
    public string Name => Api ?? Action[(Action.IndexOf(':', StringComparison.Ordinal) + 1)..];

    /// <summary>The IAM service prefix (<c>s3tables</c>, <c>lakeformation</c>, <c>dynamodb</c>).</summary>
    public string Service => Action[..Action.IndexOf(':', StringComparison.Ordinal)];
}
