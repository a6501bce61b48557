using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DynamoLake.Aws;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Iam;
using DynamoLake.Core.Observability;
using DynamoLake.Testing;

namespace Template.Tests;

/// <summary>
/// What only fails in the cloud, checked here: IAM derived from the calls the code makes, alarms against the
/// EMF lines the functions really write, partition projection against the prefix Firehose really builds,
/// and the Lake Formation wiring of both catalog access modes.
/// </summary>
public sealed partial class DeployWiringTests
{
    private const string StackName = "dynamolake-test";
    private static readonly TableContract s_contract = TableContract.LoadEmbedded();

    private static JsonObject Sub(string text) => new JsonObject { ["Fn::Sub"] = text };

    private static JsonObject GetAtt(string resource, string attribute) => new JsonObject { ["Fn::GetAtt"] = new JsonArray(resource, attribute) };

    /// <summary>Where each kind of resource the code calls lives in the template (a set's catalog tables: each contract's).</summary>
    private static IReadOnlyList<JsonNode> ResourcesOf(IamResource resource, TemplateDocument template) => resource switch
    {
        IamResource.SourceTable => [GetAtt("SourceTable", "Arn")],
        IamResource.TableBucket => [GetAtt("TableBucket", "TableBucketARN")],
        IamResource.TablesOfTheBucket => [Sub("${TableBucket.TableBucketARN}/table/*")],
        IamResource.CatalogTable =>
        [
            Sub("arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog"),
            Sub("arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog/s3tablescatalog"),
            Sub("arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog/s3tablescatalog/${TableBucketName}"),
            Sub("arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/s3tablescatalog/${TableBucketName}/${NamespaceName}"),
            .. CatalogTables(template).Select(table => Sub($"arn:${{AWS::Partition}}:glue:${{AWS::Region}}:${{AWS::AccountId}}:table/s3tablescatalog/${{TableBucketName}}/${{NamespaceName}}/{table}")),
        ],
        IamResource.AnyResource => [JsonValue.Create("*")],
        IamResource.ExportObjects => [Sub("${AthenaResultsBucket.Arn}/backfill/exports/*")],
        IamResource.ExportRows => [Sub("${AthenaResultsBucket.Arn}/backfill/rows/*")],
        _ => throw new ArgumentOutOfRangeException(nameof(resource), resource, null),
    };

    public static TheoryData<string> Functions() => new(ServerlessTemplate.OfType("AWS::Serverless::Function").Select(f => f.Name));

    // The Iceberg tables as a policy names them: the IcebergTableName parameter, or each of a set's tables by name.
    private static IEnumerable<string> CatalogTables(TemplateDocument template) =>
        template.OfType("Custom::IcebergTable").Select(t => t.Resource["Properties"]!["TableName"]!).Select(n => TemplateDocument.RefName(n) is { } parameter ? "${" + parameter + "}" : n.GetValue<string>());

    // The project's assembly (named as its folder), whichever build runs it: a Native AOT twin is the same code.
    private static Assembly AssemblyOf(string function) =>
        Assembly.Load(TemplateDocument.ProjectFolder(ServerlessTemplate.Properties(function)));

    /// <summary>
    /// Every AwsOperation declared next to a call that a function's package can make, with the condition under
    /// which the template must grant it: the function's own declarations, and those of each DynamoLake.Aws
    /// client the function's assembly refers to (the shared library also holds the CLI's clients — Athena,
    /// Kinesis, CloudFormation — which no function may be granted). The Lake Formation calls are granted in
    /// LakeFormationMode only, the backfill conversion's S3 calls with the S3 path only.
    /// </summary>
    private static IEnumerable<(AwsOperation Operation, string? Condition)> Declared(Assembly assembly) =>
        assembly.GetTypes().Concat(AwsClientsUsedBy(assembly))
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).Where(f => f.FieldType == typeof(AwsOperation)).Select(f => (Type: t, Operation: (AwsOperation)f.GetValue(null)!)))
            .Where(d => !d.Operation.LocalOnly)
            .Select(d => (d.Operation, d.Type == typeof(LakeFormationClient) ? "LakeFormationMode" : d.Type == typeof(S3Objects) ? "S3PathEnabled" : (string?)null));

    /// <summary>The DynamoLake.Aws types an assembly refers to, read from its metadata (its type references).</summary>
    private static List<Type> AwsClientsUsedBy(Assembly assembly)
    {
        var aws = typeof(AwsJsonClient).Assembly;
        using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(assembly.Location));
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        var names = new List<string>();
        foreach (var handle in metadata.TypeReferences)
        {
            var reference = metadata.GetTypeReference(handle);
            if (reference.ResolutionScope.Kind == System.Reflection.Metadata.HandleKind.AssemblyReference
                && metadata.GetString(metadata.GetAssemblyReference((System.Reflection.Metadata.AssemblyReferenceHandle)reference.ResolutionScope).Name) == aws.GetName().Name)
            {
                names.Add(metadata.GetString(reference.Namespace) + "." + metadata.GetString(reference.Name));
            }
        }

        return names.Select(name => aws.GetType(name, throwOnError: true)!).ToList();
    }

    [Theory]
    [MemberData(nameof(TemplatesUnderTest.Functions), MemberType = typeof(TemplatesUnderTest))]
    public void Iam_EachFunctionIsGrantedExactlyTheCallsItsCodeDeclares_OnTheResourcesItCalls(string template, string function)
    {
        var document = TemplatesUnderTest.Of(template);
        var declared = Declared(AssemblyOf(function))
            .SelectMany(d => ResourcesOf(d.Operation.Resource, document).Select(r => $"{d.Operation.Action} on {r.ToJsonString()} if {d.Condition ?? "always"}"))
            .ToHashSet(StringComparer.Ordinal);
        var granted = document.ConditionalStatements().Where(s => s.Resource == function)
            .SelectMany(s => TemplateDocument.Strings(s.Statement["Action"]).SelectMany(action =>
                Nodes(s.Statement["Resource"]).Select(r => $"{action} on {r.ToJsonString()} if {s.Condition ?? "always"}")))
            .ToHashSet(StringComparer.Ordinal);

        Assert.All(document.ConditionalStatements().Where(s => s.Resource == function), s => Assert.Equal("Allow", s.Statement["Effect"]!.GetValue<string>()));
        Assert.Empty(declared.Except(granted)); // called but not granted: AccessDenied in AWS
        Assert.Empty(granted.Except(declared)); // granted but never called: more than least privilege
    }

    [Fact]
    public void Iam_TheDeclarationsFindTheCallsTheyDescribe()
    {
        // The reflection above must see the declarations, or the previous test would pass on nothing.
        Assert.Contains(Declared(AssemblyOf("SeederFunction")), d => d.Operation.Action == "dynamodb:BatchWriteItem");
        Assert.Contains(Declared(AssemblyOf("TableProvisionerFunction")), d => d.Operation.Action == "lakeformation:GrantPermissions" && d.Condition == "LakeFormationMode");
        Assert.Contains(Declared(AssemblyOf("TableProvisionerFunction")), d => d.Operation.Action == "s3tables:CreateTable");
        Assert.Empty(Declared(AssemblyOf("TransformFunction")));

        // The provisioner's declarations live in the S3 Tables and Lake Formation clients of DynamoLake.Aws; the CLI's clients there are not the provisioner's.
        var used = AwsClientsUsedBy(AssemblyOf("TableProvisionerFunction"));
        Assert.Contains(typeof(S3TablesClient), used);
        Assert.Contains(typeof(LakeFormationClient), used);
        Assert.DoesNotContain(typeof(AthenaClient), used);
        Assert.DoesNotContain(typeof(KinesisChanges), used);
    }

    private static IEnumerable<JsonNode> Nodes(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(n => n!),
        null => [],
        _ => [node],
    };

    [Theory]
    [MemberData(nameof(TemplatesUnderTest.All), MemberType = typeof(TemplatesUnderTest))]
    public void CatalogAccess_IamModeGrantsFirehoseTheDocumentedS3TablesActionsOnEachTableItsNamespaceAndBucket(string template)
    {
        var document = TemplatesUnderTest.Of(template);
        var iamMode = document.ConditionalStatements().Where(s => s.Condition == "IamMode").ToList();

        Assert.All(iamMode, s => Assert.Equal("FirehoseIcebergTableAccess", s.Resource));
        Assert.Equal("FirehoseRole", TemplateDocument.RefName(document.Properties("FirehoseIcebergTableAccess")["Roles"]![0]));
        var grants = iamMode.SelectMany(s => TemplateDocument.Strings(s.Statement["Action"]).SelectMany(a => Nodes(s.Statement["Resource"]).Select(r => (Action: a, Resource: r.ToJsonString())))).ToList();
        var bucket = GetAtt("TableBucket", "TableBucketARN").ToJsonString();
        var tables = document.OfType("Custom::IcebergTable").Select(t => GetAtt(t.Name, "TableARN").ToJsonString()).ToList();
        Assert.Equal(
            new[] { ("s3tables:GetNamespace", bucket), ("s3tables:GetTableBucket", bucket) }
                .Concat(tables.SelectMany(table => new[] { ("s3tables:GetTable", table), ("s3tables:GetTableData", table), ("s3tables:GetTableMetadataLocation", table), ("s3tables:PutTableData", table), ("s3tables:UpdateTableMetadataLocation", table) }))
                .Order(),
            grants.Order());

        // The delivery stream waits for the tables (and their grant or policy) before it starts.
        Assert.All(document.OfType("Custom::IcebergTable"), t => Assert.Contains(t.Name, TemplateDocument.Strings(document.Resources["IcebergDeliveryStream"]!["DependsOn"])));
        Assert.Equal("FirehoseIcebergTableAccess", TemplateDocument.RefName(document.Properties("IcebergDeliveryStream")["Tags"]![0]!["Value"]!["Fn::If"]![1]));
    }

    [Fact]
    public void CatalogAccess_LakeFormationModeIsGrantedByTheProvisionerNotByPrincipalPermissions()
    {
        // CloudFormation validates PrincipalPermissions' CatalogId as 12 characters and refuses "<account>:s3tablescatalog/<bucket>".
        Assert.Empty(ServerlessTemplate.OfType("AWS::LakeFormation::PrincipalPermissions"));
        Assert.Empty(ServerlessTemplate.OfType("AWS::LakeFormation::Permissions"));

        var table = ServerlessTemplate.Properties("IcebergTable");
        Assert.Equal("CatalogAccessMode", ServerlessTemplate.RefName(table[TableProvisioner.TableProperties.CatalogAccessModeProperty]));
        var principal = table[TableProvisioner.TableProperties.LakeFormationPrincipalProperty]!["Fn::If"]!.AsArray();
        Assert.Equal("LakeFormationMode", principal[0]!.GetValue<string>());
        Assert.Equal("FirehoseRole", ServerlessTemplate.RefName(principal[1]));
        Assert.Equal(["IAM", "LakeFormation"], ServerlessTemplate.Strings(ServerlessTemplate.Root["Parameters"]!["CatalogAccessMode"]!["AllowedValues"]));
        Assert.Equal(TableProvisioner.TableProperties.IamMode, ServerlessTemplate.Root["Parameters"]!["CatalogAccessMode"]!["Default"]!.GetValue<string>());

        // The grant is made by the provisioner's role, which the stack makes a data lake administrator (appended, never replacing the admins).
        var admin = ServerlessTemplate.Resources["ProvisionerLakeFormationAdmin"]!;
        Assert.Equal("LakeFormationMode", admin["Condition"]!.GetValue<string>());
        Assert.Equal("APPEND", admin["Properties"]!["MutationType"]!.GetValue<string>());
        Assert.Equal("TableProvisionerFunctionRole", ServerlessTemplate.RefName(admin["Properties"]!["Admins"]![0]!["DataLakePrincipalIdentifier"]));
        // A custom resource of its own (never replaced with the table) names the role, so that its Delete — on a
        // stack delete or when leaving Lake Formation mode — takes the role out of the administrators again (a
        // deleted role left there breaks later changes). Order: settings, then it, then the table; deleted in reverse.
        var cleanup = ServerlessTemplate.Resources["ProvisionerLakeFormationAdminCleanup"]!;
        Assert.Equal(TableProvisioner.TableProperties.AdminResourceType, cleanup["Type"]!.GetValue<string>());
        Assert.Equal("LakeFormationMode", cleanup["Condition"]!.GetValue<string>());
        Assert.Equal("TableProvisionerFunctionRole", ServerlessTemplate.RefName(cleanup["Properties"]![TableProvisioner.TableProperties.LakeFormationAdminProperty]));
        Assert.Equal("ProvisionerLakeFormationAdmin", ServerlessTemplate.RefName(cleanup["Properties"]!["LakeFormationAdminSettings"]));
        Assert.Equal("ProvisionerLakeFormationAdminCleanup", ServerlessTemplate.RefName(table["LakeFormationAdminCleanup"]!["Fn::If"]![1]));

        // Firehose's role asks Lake Formation for credentials only in that mode.
        Assert.All(ServerlessTemplate.ConditionalStatements().Where(s => ServerlessTemplate.Strings(s.Statement["Action"]).Contains("lakeformation:GetDataAccess")), s => Assert.Equal("LakeFormationMode", s.Condition));
    }

    [Fact]
    public void CfnLint_NothingIsSuppressedInTheTemplate()
    {
        var text = File.ReadAllText(ServerlessTemplate.Path);

        Assert.DoesNotContain("ignore_checks", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"cfn-lint\"", text, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(RepoPaths.Root, ".cfnlintrc")), "a .cfnlintrc would suppress checks out of sight");
        Assert.False(File.Exists(Path.Combine(RepoPaths.Root, ".cfnlintrc.yaml")), "a .cfnlintrc.yaml would suppress checks out of sight");
    }

    // ---- alarms ----

    private static IEnumerable<(string Name, JsonObject Properties)> Alarms() =>
        ServerlessTemplate.OfType("AWS::CloudWatch::Alarm").Select(a => (a.Name, a.Resource["Properties"]!.AsObject()));

    // The template names no function (a fixed name would cap the stack name's length and collide on a redeploy):
    // CloudFormation makes one of the stack name, the logical id and a suffix, which Lambda then sets as
    // AWS_LAMBDA_FUNCTION_NAME and the alarms' Ref resolves to.
    private static string DeployedName(string function)
    {
        Assert.Null(ServerlessTemplate.Properties(function)["FunctionName"]);
        return $"{StackName}-{function}-1A2B3C4D5E6F";
    }

    private static JsonNode? Document(string logEvent)
    {
        try
        {
            return JsonNode.Parse(logEvent);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs a function the way Lambda does: its template environment plus AWS_LAMBDA_FUNCTION_NAME, on every
    /// sample event, writing to the managed runtime's console for that environment and the given LogFormat;
    /// returns the log events as CloudWatch receives them.
    /// </summary>
    private static async Task<List<string>> RunWithTemplateEnvironment(string function, string logFormat)
    {
        var properties = ServerlessTemplate.Properties(function);
        var name = DeployedName(function);
        var variables = properties["Environment"]!["Variables"]!.AsObject();
        string? Lookup(string key) => key == LambdaEnvironment.FunctionNameVariable ? name : variables[key] is { } v ? ServerlessTemplate.Resolve(v) : null;
        var events = new StringWriter { NewLine = "\n" };
        var environment = DynamoLake.Local.LambdaConsole.EnvironmentOf(ServerlessTemplate.Root, function);
        environment[DynamoLake.Local.LambdaConsole.LogFormatVariable] = logFormat;
        var log = new DynamoLake.Local.LambdaConsole(environment, events) { RequestId = Guid.NewGuid().ToString() };
        Func<Stream, Task<Stream>> handler = TemplateDocument.ProjectFolder(properties) switch
        {
            "Transform" => new Transform.Function(s_contract, Transform.TransformSettings.From(Lookup), TimeProvider.System, log).FunctionHandler,
            "PartitionKeys" => new PartitionKeys.Function(s_contract, PartitionKeys.PartitionKeysSettings.From(s_contract, Lookup), TimeProvider.System, log).FunctionHandler,
            var other => throw new InvalidOperationException($"{other} writes no record metrics"),
        };
        foreach (var sample in SampleEvents.FirehoseEventNames())
        {
            using var response = await handler(File.OpenRead(Path.Combine(RepoPaths.Root, "events", sample + ".json")));
        }

        return events.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [Theory]
    [InlineData("Text")]
    [InlineData("JSON")]
    public async Task Alarms_OnCustomMetrics_MatchTheEmfLinesTheFunctionsReallyWrite(string logFormat)
    {
        var custom = Alarms().Where(a => !a.Properties["Namespace"]!.GetValue<string>().StartsWith("AWS/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, custom.Count);

        foreach (var (alarm, properties) in custom)
        {
            var dimensions = properties["Dimensions"]!.AsArray().Select(d => (Name: d!["Name"]!.GetValue<string>(), Function: ServerlessTemplate.RefName(d["Value"])!)).ToList();
            var function = Assert.Single(dimensions.Select(d => d.Function).Distinct());
            var expectedName = DeployedName(function);
            // What CloudWatch extracts metrics from: a log event that is the EMF document itself.
            var events = await RunWithTemplateEnvironment(function, logFormat);
            var emf = events.Select(Document).Where(l => l?["_aws"] is not null).Select(l => l!).ToList();
            Assert.True(emf.Count > 0, $"{alarm}: CloudWatch would extract no metric from {function}'s log events under LogFormat {logFormat}, e.g. {events.FirstOrDefault()}");

            var datapoints = emf.Where(line => line["_aws"]!["CloudWatchMetrics"]!.AsArray().Any(set =>
                set!["Namespace"]!.GetValue<string>() == properties["Namespace"]!.GetValue<string>()
                && set["Metrics"]!.AsArray().Any(m => m!["Name"]!.GetValue<string>() == properties["MetricName"]!.GetValue<string>())
                && set["Dimensions"]!.AsArray().Any(d => d!.AsArray().Select(n => n!.GetValue<string>()).Order().SequenceEqual(dimensions.Select(x => x.Name).Order()))))
                .Where(line => dimensions.All(d => line[d.Name]?.GetValue<string>() == expectedName))
                .ToList();
            Assert.True(datapoints.Count == emf.Count, $"{alarm}: {emf.Count - datapoints.Count} of {emf.Count} EMF lines do not match namespace, metric and dimensions {string.Join(",", dimensions)} = {expectedName}");

            // The malformed sample fails records: the alarm's statistic would cross its threshold.
            var threshold = properties["Threshold"]!.GetValue<double>();
            Assert.Contains(datapoints, line => line[properties["MetricName"]!.GetValue<string>()]!.GetValue<double>() > threshold);
        }
    }

    [Fact]
    public void Alarms_WatchIcebergFailedRowsFreshnessAndTheS3PathsPartitions_AndNotifyTheOptionalTopic()
    {
        var metrics = Alarms().Select(a => a.Properties["MetricName"]!.GetValue<string>()).ToList();
        Assert.Contains("DeliveryToIceberg.FailedRowCount", metrics);
        Assert.Contains("DeliveryToIceberg.DataFreshness", metrics);
        Assert.Contains("DeliveryToS3.DataFreshness", metrics);
        Assert.Contains("PartitionCountExceeded", metrics);

        // A commit count alarm ("Success < 1, missing data not breaching") never fires on an outage: not again.
        Assert.DoesNotContain("DeliveryToIceberg.Success", metrics);

        var parameters = ServerlessTemplate.Root["Parameters"]!;
        var freshness = parameters["DataFreshnessAlarmSeconds"]!["Default"]!.GetValue<int>();
        Assert.True(freshness > parameters["DestinationBufferIntervalSeconds"]!["MaxValue"]!.GetValue<int>() / 2 + parameters["ProcessorBufferIntervalSeconds"]!["Default"]!.GetValue<int>());
        Assert.True(freshness > parameters["DestinationBufferIntervalSeconds"]!["Default"]!.GetValue<int>() + parameters["ProcessorBufferIntervalSeconds"]!["Default"]!.GetValue<int>());

        foreach (var (name, properties) in Alarms())
        {
            foreach (var key in new[] { "AlarmActions", "OKActions" })
            {
                var action = properties[key]!["Fn::If"]!.AsArray();
                Assert.True(action[0]!.GetValue<string>() == "HasAlarmAction", $"{name}.{key}");
                var target = action[1]![0]!["Fn::If"]!.AsArray();
                Assert.Equal("AlarmTopicArn|AlarmTopic", $"{ServerlessTemplate.RefName(target[1])}|{ServerlessTemplate.RefName(target[2])}");
            }

            if (properties["Dimensions"]![0]!["Name"]!.GetValue<string>() == "DeliveryStreamName")
            {
                Assert.Equal("AWS::KinesisFirehose::DeliveryStream", ServerlessTemplate.Resources[ServerlessTemplate.RefName(properties["Dimensions"]![0]!["Value"])!]!["Type"]!.GetValue<string>());
            }
        }

        Assert.Equal("email", ServerlessTemplate.Properties("AlarmTopic")["Subscription"]![0]!["Protocol"]!.GetValue<string>());
        Assert.Equal("CreateAlarmTopic", ServerlessTemplate.Resources["AlarmTopic"]!["Condition"]!.GetValue<string>());
    }

    [Fact]
    public void Buffering_DestinationIntervalIsAtLeast60Seconds()
    {
        // Dynamic partitioning has no zero buffering; the parameter serves both streams.
        Assert.True(ServerlessTemplate.Root["Parameters"]!["DestinationBufferIntervalSeconds"]!["MinValue"]!.GetValue<int>() >= 60);
    }

    // ---- the S3 path in Athena ----

    private static string RenderSub(JsonNode node, Dictionary<string, string> resources) => node switch
    {
        JsonValue v => v.ToString(),
        JsonObject o when o["Fn::Sub"] is JsonValue sub => SubPlaceholder().Replace(sub.GetValue<string>(), m =>
            m.Groups[1].Value == "!" ? "${" + m.Groups[2].Value + "}"
            : resources.TryGetValue(m.Groups[2].Value, out var r) ? r
            : ServerlessTemplate.Root["Parameters"]![m.Groups[2].Value]!["Default"]!.ToString()),
        _ => throw new InvalidOperationException(node.ToJsonString()),
    };

    [GeneratedRegex(@"\$\{(!?)([A-Za-z0-9_:.]+)\}")]
    private static partial Regex SubPlaceholder();

    private static readonly Dictionary<string, string> s_bucket = new(StringComparer.Ordinal) { ["DataBucket"] = "data-bucket" };

    private static PartitionKeys.PartitionKeysSettings TemplatePartitionSettings()
    {
        var variables = ServerlessTemplate.Properties("PartitionKeysFunction")["Environment"]!["Variables"]!.AsObject();
        return PartitionKeys.PartitionKeysSettings.From(s_contract, name => variables[name] is { } v ? ServerlessTemplate.Resolve(v) : null);
    }

    [Fact]
    public void S3Path_GlueTableProjectsExactlyThePartitionsThePartitionKeysConfigurationMakes()
    {
        var parameters = ServerlessTemplate.Properties("ChangeLogTable")["TableInput"]!["Parameters"]!.AsObject()
            .Where(p => p.Key != "classification")
            .Select(p => new KeyValuePair<string, string>(p.Key, RenderSub(p.Value!, s_bucket)));
        var years = ServerlessTemplate.Root["Parameters"]!;

        var expected = PartitionKeys.PartitionProjection.TableParameters(
            TemplatePartitionSettings(),
            RenderSub(ServerlessTemplate.Properties("ChangeLogTable")["TableInput"]!["StorageDescriptor"]!["Location"]!, s_bucket),
            years["ChangeLogFirstYear"]!["Default"]!.GetValue<int>(),
            years["ChangeLogLastYear"]!["Default"]!.GetValue<int>());

        Assert.Equal(expected, parameters);
    }

    [Fact]
    public async Task S3Path_StorageLocationTemplateRendersThePrefixFirehoseBuildsFromTheFunctionsKeys()
    {
        var settings = TemplatePartitionSettings();
        var prefix = ServerlessTemplate.Properties("S3DeliveryStream")["ExtendedS3DestinationConfiguration"]!["Prefix"]!.GetValue<string>();
        var glue = ServerlessTemplate.Properties("ChangeLogTable")["TableInput"]!;
        var location = RenderSub(glue["Parameters"]!["storage.location.template"]!, s_bucket);
        var projected = glue["Parameters"]!.AsObject().ToDictionary(p => p.Key, p => RenderSub(p.Value!, s_bucket), StringComparer.Ordinal);
        var log = new StringWriter();
        var function = new PartitionKeys.Function(s_contract, settings, TimeProvider.System, log);
        var rendered = 0;

        foreach (var sample in SampleEvents.FirehoseEventNames())
        {
            using var response = await function.FunctionHandler(File.OpenRead(Path.Combine(RepoPaths.Root, "events", sample + ".json")));
            using var json = await JsonDocument.ParseAsync(response);
            foreach (var record in json.RootElement.GetProperty("records").EnumerateArray().Where(r => r.GetProperty("result").GetString() == "Ok"))
            {
                var keys = record.GetProperty("metadata").GetProperty("partitionKeys").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);

                // What Firehose writes to: the prefix with !{partitionKeyFromLambda:k} replaced.
                var firehose = "s3://data-bucket/" + Regex.Replace(prefix, @"!\{partitionKeyFromLambda:([a-z0-9_]+)\}", m => keys[m.Groups[1].Value]);

                // Where Athena reads: storage.location.template with each partition column's value.
                var athena = location;
                foreach (var key in settings.Keys)
                {
                    var value = keys[key.Name];
                    athena = athena.Replace("${" + key.FolderName + "}", value, StringComparison.Ordinal);
                    Assert.True(Projects(projected, key.FolderName, value), $"{key.FolderName}={value} is outside the projection");
                }

                Assert.Equal(firehose, athena);
                rendered++;
            }
        }

        Assert.True(rendered >= 5, $"only {rendered} rows rendered");
    }

    private static bool Projects(Dictionary<string, string> projection, string column, string value) => projection[$"projection.{column}.type"] switch
    {
        "enum" => projection[$"projection.{column}.values"].Split(',').Contains(value),
        "integer" => int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && projection[$"projection.{column}.range"].Split(',').Select(int.Parse).ToArray() is [var min, var max]
            && n >= min && n <= max
            && value.Length == int.Parse(projection[$"projection.{column}.digits"], System.Globalization.CultureInfo.InvariantCulture),
        var other => throw new InvalidOperationException(other),
    };

    [Fact]
    public void S3Path_TheCurrentStateViewIsDeployedAsTheGeneratedNamedQuery()
    {
        var query = ServerlessTemplate.Properties("CurrentStateViewQuery");

        Assert.Equal(LakeSchema.CurrentStateViewSql(s_contract), query["QueryString"]!.GetValue<string>());
        Assert.Equal("ChangeLogDatabase", ServerlessTemplate.RefName(query["Database"]));
        Assert.Equal("S3PathEnabled", ServerlessTemplate.Resources["CurrentStateViewQuery"]!["Condition"]!.GetValue<string>());
        Assert.True(Encoding.UTF8.GetByteCount(query["QueryString"]!.GetValue<string>()) <= 262_144);
    }

    [Fact]
    public void S3Path_PartitionKeysAreFixedInTheTemplate_NotAParameterThePrefixCannotFollow()
    {
        Assert.Null(ServerlessTemplate.Root["Parameters"]!["PartitionKeys"]);
        Assert.IsAssignableFrom<JsonValue>(ServerlessTemplate.Properties("PartitionKeysFunction")["Environment"]!["Variables"]![PartitionKeys.PartitionKeysSettings.KeysVariable]);
    }
}
