using System.Text.Json;
using System.Text.RegularExpressions;
using DynamoLake.Aws;

namespace TableProvisioner;

/// <summary>The custom resource's properties: where the table goes and what happens to it on stack delete.</summary>
internal sealed partial record TableProperties(string TableBucketArn, string Namespace, string TableName, bool DeleteTableOnStackDelete, LakeFormationGrant? Grant = null)
{
    public const string TableBucketArnProperty = "TableBucketARN";
    public const string NamespaceProperty = "Namespace";
    public const string TableNameProperty = "TableName";
    public const string DeleteOnStackDeleteProperty = "DeleteTableOnStackDelete";
    public const string CatalogAccessModeProperty = "CatalogAccessMode";
    public const string LakeFormationPrincipalProperty = "LakeFormationPrincipal";

    /// <summary>
    /// The other resource type the provisioner serves (<c>Custom::LakeFormationAdmin</c>), in Lake Formation mode:
    /// it names the provisioner's own role, which the stack appended to the data lake administrators so that it
    /// may grant, and its Delete takes the role out again — a deleted role left in the list makes every later
    /// change of the list fail with "Invalid principal" (aws-cdk issue #19492). A resource of its own, never
    /// replaced, so that only a stack delete (or leaving Lake Formation mode) deletes it, not a table's replacement.
    /// </summary>
    public const string AdminResourceType = "Custom::LakeFormationAdmin";

    /// <summary>The admin resource's property: the role ARN.</summary>
    public const string LakeFormationAdminProperty = "LakeFormationAdmin";

    /// <summary>The Glue catalog integration's IAM access control: IAM policies alone decide (the default).</summary>
    public const string IamMode = "IAM";

    /// <summary>Lake Formation access control: the provisioner grants the principal on the table.</summary>
    public const string LakeFormationMode = "LakeFormation";

    /// <summary>The region in the table bucket's ARN (arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME).</summary>
    public string Region => TableBucketArn.Split(':')[3];

    /// <summary>Stable for the same table; a new value (a new table) tells CloudFormation to replace.</summary>
    public string PhysicalResourceId => $"{TableBucketArn}/{Namespace}/{TableName}";

    /// <summary>Reads and checks the properties; every problem is named.</summary>
    public static TableProperties Parse(Dictionary<string, JsonElement>? properties, out List<string> problems)
    {
        problems = [];
        properties ??= [];
        var arn = Text(properties, TableBucketArnProperty);
        var ns = Text(properties, NamespaceProperty);
        var table = Text(properties, TableNameProperty);
        var delete = Text(properties, DeleteOnStackDeleteProperty);
        var mode = Text(properties, CatalogAccessModeProperty) ?? IamMode;
        var principal = Text(properties, LakeFormationPrincipalProperty);

        if (arn is null || !BucketArn().IsMatch(arn))
        {
            problems.Add($"{TableBucketArnProperty} must be a table bucket ARN (arn:aws:s3tables:<region>:<account>:bucket/<name>), not '{arn}'");
        }

        CheckName(problems, NamespaceProperty, ns);
        CheckName(problems, TableNameProperty, table);
        var deleteOnStackDelete = false;
        if (delete is not null && !bool.TryParse(delete, out deleteOnStackDelete))
        {
            problems.Add($"{DeleteOnStackDeleteProperty} must be \"true\" or \"false\", not '{delete}'");
        }

        LakeFormationGrant? grant = null;
        switch (mode)
        {
            case IamMode:
                break;
            case LakeFormationMode when principal is not null && PrincipalArn().IsMatch(principal):
                if (problems.Count == 0)
                {
                    grant = new LakeFormationGrant(principal, LakeFormationGrant.CatalogIdOf(arn!), ns!, table!);
                }

                break;
            case LakeFormationMode:
                problems.Add($"{LakeFormationPrincipalProperty} must be an IAM role or user ARN when {CatalogAccessModeProperty} is {LakeFormationMode}, not '{principal}'");
                break;
            default:
                problems.Add($"{CatalogAccessModeProperty} must be \"{IamMode}\" or \"{LakeFormationMode}\", not '{mode}'");
                break;
        }

        return new TableProperties(arn ?? "", ns ?? "", table ?? "", deleteOnStackDelete, grant);
    }

    /// <summary>The admin resource's properties: the table bucket (for the region) and the role; null with problems when malformed.</summary>
    public static (TableProperties Where, string Admin)? ParseAdmin(Dictionary<string, JsonElement>? properties, out List<string> problems)
    {
        problems = [];
        properties ??= [];
        var arn = Text(properties, TableBucketArnProperty);
        var admin = Text(properties, LakeFormationAdminProperty);
        if (arn is null || !BucketArn().IsMatch(arn))
        {
            problems.Add($"{TableBucketArnProperty} must be a table bucket ARN (arn:aws:s3tables:<region>:<account>:bucket/<name>), not '{arn}'");
        }

        if (admin is null || !PrincipalArn().IsMatch(admin))
        {
            problems.Add($"{LakeFormationAdminProperty} must be an IAM role ARN, not '{admin}'");
        }

        return problems.Count == 0 ? (new TableProperties(arn!, "", "", false), admin!) : null;
    }

    private static void CheckName(List<string> problems, string property, string? value)
    {
        if (value is null || !Name().IsMatch(value))
        {
            problems.Add($"{property} must be 1-255 lowercase letters, digits or '_', starting with a letter or digit, not '{value}'");
        }
    }

    // CloudFormation sends every value as a string; accept JSON booleans too.
    private static string? Text(Dictionary<string, JsonElement> properties, string name) =>
        properties.TryGetValue(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => value.GetRawText(),
            }
            : null;

    [GeneratedRegex(@"^arn:aws[a-z-]*:s3tables:[a-z0-9-]+:\d{12}:bucket/[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketArn();

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}$")]
    private static partial Regex PrincipalArn();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_]{0,254}$")]
    private static partial Regex Name();
}
