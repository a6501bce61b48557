using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Observability;
using DynamoLake.Testing;

namespace Template.Tests;

/// <summary>What Lambda Annotations would have generated for us: the template checked against the code and the contract.</summary>
public sealed class TemplateTests
{
    private static readonly TableContract s_contract = TableContract.LoadEmbedded();

    /// <summary>The settings each function reads, by project folder: the template must set every one.</summary>
    private static readonly Dictionary<string, IReadOnlyList<string>> s_variables = new()
    {
        ["Transform"] = Transform.TransformSettings.Variables,
        ["PartitionKeys"] = PartitionKeys.PartitionKeysSettings.Variables,
        ["Seeder"] = Seeder.SeederSettings.Variables,
        ["TableProvisioner"] = TableProvisioner.ProvisionerSettings.Variables,
    };

    public static TheoryData<string> Functions() => new(ServerlessTemplate.OfType("AWS::Serverless::Function").Select(f => f.Name));

    [RequiresServerFact(LocalServers.CfnLint)]
    public async Task CfnLint_FindsNoErrorsAndNoWarnings()
    {
        var info = new ProcessStartInfo("cfn-lint") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        info.ArgumentList.Add("serverless.template");
        using var lint = Process.Start(info)!;
        var output = await lint.StandardOutput.ReadToEndAsync() + await lint.StandardError.ReadToEndAsync();
        await lint.WaitForExitAsync();

        // cfn-lint: exit 0 clean; bit 2 = errors, 4 = warnings, 8 = informational. Warnings count: the one
        // suppressed last time said the stack could not deploy.
        Assert.True(lint.ExitCode == 0, $"cfn-lint exit {lint.ExitCode}:\n{output}");
    }

    [Fact]
    public void Template_DeploysEveryLambdaProjectOnce()
    {
        var lambdaProjects = Directory.GetFiles(Path.Combine(RepoPaths.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => File.ReadAllText(p).Contains("<AWSProjectType>Lambda</AWSProjectType>", StringComparison.Ordinal))
            .Select(p => Path.GetFileName(Path.GetDirectoryName(p))!)
            .Order(StringComparer.Ordinal);
        var deployed = ServerlessTemplate.OfType("AWS::Serverless::Function")
            .Select(f => f.Resource["Properties"]!["CodeUri"]!.GetValue<string>().TrimEnd('/').Split('/')[^1])
            .Order(StringComparer.Ordinal);

        Assert.Equal(lambdaProjects, deployed);
        Assert.Equal(lambdaProjects, s_variables.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public void Function_CodeUriIsItsProjectAndHandlerResolvesToAStreamMethod(string function)
    {
        var properties = ServerlessTemplate.Properties(function);
        var codeUri = properties["CodeUri"]!.GetValue<string>().TrimEnd('/');
        var folder = Path.GetFileName(codeUri);
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, codeUri, folder + ".csproj")), $"{codeUri} is not a project folder");

        var parts = properties["Handler"]!.GetValue<string>().Split("::");
        Assert.Equal(3, parts.Length);
        Assert.Equal(folder, parts[0]); // assembly name = project folder
        var type = Assembly.Load(parts[0]).GetType(parts[1], throwOnError: true)!;
        Assert.True(type.IsPublic && type.GetConstructor(Type.EmptyTypes) is { IsPublic: true }, $"{type} needs a public parameterless constructor");
        var method = type.GetMethod(parts[2], BindingFlags.Public | BindingFlags.Instance);
        Assert.NotNull(method);
        Assert.Equal([typeof(Stream)], method.GetParameters().Select(p => p.ParameterType));
        Assert.Contains(method.ReturnType, new[] { typeof(Stream), typeof(Task<Stream>), typeof(Task) });
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public void Function_SetsEveryVariableItsCodeReads_WithValuesTheCodeAccepts(string function)
    {
        var properties = ServerlessTemplate.Properties(function);
        var folder = Path.GetFileName(properties["CodeUri"]!.GetValue<string>().TrimEnd('/'));
        var variables = properties["Environment"]!["Variables"]!.AsObject();

        Assert.All(s_variables[folder], name => Assert.True(variables.ContainsKey(name), $"{function} does not set {name}"));

        // Besides its own settings, a function may carry .NET runtime knobs (DOTNET_*) and the managed runtime's
        // console switch (AWS_LAMBDA_HANDLER_LOG_FORMAT), which the runtime reads; every function reads its contract.
        Assert.All(variables.Select(v => v.Key).Where(name => !name.StartsWith("DOTNET_", StringComparison.Ordinal) && name != LambdaEnvironment.HandlerLogFormatVariable && name != TableContract.FileVariable), name => Assert.Contains(name, s_variables[folder]));

        // The contract it names is one the package carries (schema/*.json under contracts/), and it loads.
        var contract = variables[TableContract.FileVariable]!.GetValue<string>();
        Assert.StartsWith("contracts/", contract, StringComparison.Ordinal);
        var source = Path.Combine(RepoPaths.Root, "schema", contract["contracts/".Length..]);
        Assert.True(File.Exists(source), $"{function}: {contract} is not in schema/");
        Assert.Equal(TableContract.Load(source).Table, TableContract.FromEnvironment(name => name == TableContract.FileVariable ? contract : null).Table);

        string? Lookup(string name) => variables[name] is { } value && ServerlessTemplate.RefName(value) is not "SourceTable" ? ServerlessTemplate.Resolve(value) : variables.ContainsKey(name) ? "t" : null;
        _ = folder switch
        {
            "Transform" => (object)Transform.TransformSettings.From(Lookup),
            "PartitionKeys" => PartitionKeys.PartitionKeysSettings.From(s_contract, Lookup),
            "Seeder" => Seeder.SeederSettings.From(Lookup),
            _ => TableProvisioner.ProvisionerSettings.From(Lookup),
        };
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public void Function_LogsToItsOwnLogGroupWithRetention(string function)
    {
        var group = ServerlessTemplate.RefName(ServerlessTemplate.Properties(function)["LoggingConfig"]!["LogGroup"]);

        Assert.NotNull(group);
        Assert.Equal("AWS::Logs::LogGroup", ServerlessTemplate.Resources[group]!["Type"]!.GetValue<string>());
        Assert.NotNull(ServerlessTemplate.Properties(group)["RetentionInDays"]);
    }

    [Fact]
    public void Runtime_IsManagedDotnet10OnArm64()
    {
        var globals = ServerlessTemplate.Root["Globals"]!["Function"]!;

        Assert.Equal("dotnet10", globals["Runtime"]!.GetValue<string>());
        Assert.Equal(["arm64"], ServerlessTemplate.Strings(globals["Architectures"]));
    }

    [Fact]
    public void S3Path_PrefixAndGluePartitionsAreExactlyThePartitionKeysConfiguration()
    {
        var variables = ServerlessTemplate.Properties("PartitionKeysFunction")["Environment"]!["Variables"]!.AsObject();
        var settings = PartitionKeys.PartitionKeysSettings.From(s_contract, name => variables[name] is { } v ? ServerlessTemplate.Resolve(v) : null);
        var destination = ServerlessTemplate.Properties("S3DeliveryStream")["ExtendedS3DestinationConfiguration"]!;
        var glue = ServerlessTemplate.Properties("ChangeLogTable")["TableInput"]!;

        Assert.Equal(settings.S3Prefix("changes/"), destination["Prefix"]!.GetValue<string>());
        Assert.Equal(settings.Keys.Select(k => k.FolderName), glue["PartitionKeys"]!.AsArray().Select(k => k!["Name"]!.GetValue<string>()));
        Assert.Contains("!{firehose:error-output-type}", destination["ErrorOutputPrefix"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(destination["DynamicPartitioningConfiguration"]!["Enabled"]!.GetValue<bool>());
        Assert.Equal("PartitionKeysFunction", ServerlessTemplate.RefName(destination["ProcessingConfiguration"]!["Processors"]![0]!["Parameters"]![0]!["ParameterValue"]));
    }

    [Fact]
    public void S3Path_GlueColumnsAreTheContractsGlueColumns()
    {
        var columns = ServerlessTemplate.Properties("ChangeLogTable")["TableInput"]!["StorageDescriptor"]!["Columns"]!.AsArray();

        Assert.Equal(
            LakeSchema.GlueColumns(s_contract).Select(c => (c.Name, c.Type, c.Comment)),
            columns.Select(c => (c!["Name"]!.GetValue<string>(), c["Type"]!.GetValue<string>(), c["Comment"]!.GetValue<string>())));
        Assert.Equal(LakeSchema.ChangeLogTable(s_contract), ServerlessTemplate.Properties("ChangeLogTable")["TableInput"]!["Name"]!.GetValue<string>());
        Assert.All(columns, c => Assert.True(c!["Comment"]!.GetValue<string>().Length <= 255, $"{c["Name"]}: Glue column comments hold at most 255 characters"));
    }

    [Fact]
    public void Iceberg_UniqueKeysAndTheTransformsDestinationAreTheContractsAndTheTables()
    {
        var iceberg = ServerlessTemplate.Properties("IcebergDeliveryStream")["IcebergDestinationConfiguration"]!;
        var destination = iceberg["DestinationTableConfigurationList"]![0]!;
        var transform = ServerlessTemplate.Properties("TransformFunction")["Environment"]!["Variables"]!;
        var provisioned = ServerlessTemplate.Properties("IcebergTable");

        Assert.Equal(s_contract.UniqueKey.Select(c => c.Name), ServerlessTemplate.Strings(destination["UniqueKeys"]));
        Assert.Equal(ServerlessTemplate.RefName(destination["DestinationDatabaseName"]), ServerlessTemplate.RefName(transform["DESTINATION_DATABASE"]));
        Assert.Equal(ServerlessTemplate.RefName(destination["DestinationTableName"]), ServerlessTemplate.RefName(transform["DESTINATION_TABLE"]));
        Assert.Equal(ServerlessTemplate.RefName(destination["DestinationDatabaseName"]), ServerlessTemplate.RefName(provisioned["Namespace"]));
        Assert.Equal(ServerlessTemplate.RefName(destination["DestinationTableName"]), ServerlessTemplate.RefName(provisioned["TableName"]));
        Assert.Equal("TransformFunction", ServerlessTemplate.RefName(iceberg["ProcessingConfiguration"]!["Processors"]![0]!["Parameters"]![0]!["ParameterValue"]));
        Assert.Contains("!{firehose:error-output-type}", iceberg["S3Configuration"]!["ErrorOutputPrefix"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Processor_BufferStaysAtOrBelow3MB()
    {
        var parameter = ServerlessTemplate.Root["Parameters"]!["ProcessorBufferSizeMBs"]!;

        Assert.InRange(parameter["MaxValue"]!.GetValue<int>(), 1, 3);
        Assert.InRange(parameter["Default"]!.GetValue<int>(), 1, 3);
        foreach (var (name, _) in ServerlessTemplate.OfType("AWS::KinesisFirehose::DeliveryStream"))
        {
            var destination = ServerlessTemplate.Properties(name).Single(p => p.Key.EndsWith("DestinationConfiguration", StringComparison.Ordinal)).Value!;
            var buffer = destination["ProcessingConfiguration"]!["Processors"]![0]!["Parameters"]!.AsArray().Single(p => p!["ParameterName"]!.GetValue<string>() == "BufferSizeInMBs")!;
            Assert.Equal("ProcessorBufferSizeMBs", ServerlessTemplate.RefName(buffer["ParameterValue"]));
        }
    }

    [Fact]
    public void SourceTable_KeyTtlAndStreamFollowTheContract()
    {
        var table = ServerlessTemplate.Properties("SourceTable");

        Assert.Equal(s_contract.UniqueKey.Select(c => c.Source), table["KeySchema"]!.AsArray().Select(k => k!["AttributeName"]!.GetValue<string>()));
        Assert.Equal(s_contract.TimeToLive!.Source, table["TimeToLiveSpecification"]!["AttributeName"]!.GetValue<string>());
        Assert.True(table["TimeToLiveSpecification"]!["Enabled"]!.GetValue<bool>());
        Assert.Equal("PAY_PER_REQUEST", table["BillingMode"]!.GetValue<string>());
        Assert.True(table["SSESpecification"]!["SSEEnabled"]!.GetValue<bool>());
        Assert.True(table["PointInTimeRecoverySpecification"]!["PointInTimeRecoveryEnabled"]!.GetValue<bool>());
        Assert.Equal("MICROSECOND", table["KinesisStreamSpecification"]!["ApproximateCreationDateTimePrecision"]!.GetValue<string>());
        Assert.Equal("KMS", ServerlessTemplate.Properties("ChangeStream")["StreamEncryption"]!["EncryptionType"]!.GetValue<string>());
        Assert.Equal("ON_DEMAND", ServerlessTemplate.Properties("ChangeStream")["StreamModeDetails"]!["StreamMode"]!.GetValue<string>());
    }

    [Fact]
    public void Iam_NoStatementAllowsAWildcardAction_AndOnlyLakeFormationActionsUseAWildcardResource()
    {
        var statements = ServerlessTemplate.Statements().ToList();

        Assert.True(statements.Count > 10);
        Assert.All(statements, s => Assert.All(ServerlessTemplate.Strings(s.Statement["Action"]), action =>
            Assert.False(action == "*" || action.EndsWith(":*", StringComparison.Ordinal), $"{s.Resource}: action {action}")));
        // Lake Formation's actions have no resource-level IAM permissions; Lake Formation decides on the resource itself.
        Assert.All(statements.Where(s => ServerlessTemplate.Strings(s.Statement["Resource"]).Contains("*")), s =>
            Assert.All(ServerlessTemplate.Strings(s.Statement["Action"]), action => Assert.Contains(action, new[] { "lakeformation:GetDataAccess", "lakeformation:GrantPermissions", "lakeformation:RevokePermissions", "lakeformation:GetDataLakeSettings", "lakeformation:PutDataLakeSettings" })));
    }

    [Fact]
    public void Buckets_AreEncryptedWithPublicAccessBlockedAndTlsOnly()
    {
        var buckets = ServerlessTemplate.OfType("AWS::S3::Bucket").ToList();

        Assert.NotEmpty(buckets);
        foreach (var (name, bucket) in buckets)
        {
            var properties = bucket["Properties"]!;
            Assert.NotNull(properties["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]);
            var block = properties["PublicAccessBlockConfiguration"]!.AsObject();
            Assert.All(new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" }, flag => Assert.True(block[flag]!.GetValue<bool>(), $"{name}.{flag}"));
            Assert.Contains(ServerlessTemplate.OfType("AWS::S3::BucketPolicy"), p => ServerlessTemplate.RefName(p.Resource["Properties"]!["Bucket"]) == name);
        }

        Assert.NotNull(ServerlessTemplate.Properties("TableBucket")["EncryptionConfiguration"]);
    }

    [Fact]
    public void Provisioner_AnswersBeforeCloudFormationAndLambdaGiveUp()
    {
        var function = ServerlessTemplate.Properties("TableProvisionerFunction");
        var deadline = double.Parse(function["Environment"]!["Variables"]![TableProvisioner.ProvisionerSettings.DeadlineVariable]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var timeout = function["Timeout"]!.GetValue<int>();
        var serviceTimeout = ServerlessTemplate.Properties("IcebergTable")["ServiceTimeout"]!.GetValue<int>();

        Assert.True(deadline < timeout, $"DEADLINE_SECONDS {deadline} must be below the function timeout {timeout}");
        Assert.True(timeout < serviceTimeout && serviceTimeout < 3600, $"ServiceTimeout {serviceTimeout} must exceed the function timeout and stay well under an hour");
        Assert.Equal("TableProvisionerFunction", ServerlessTemplate.RefName(ServerlessTemplate.Properties("IcebergTable")["ServiceToken"]));
    }

    [Fact]
    public void Alarms_WatchProcessingFailuresAndLambdaErrors()
    {
        var metrics = ServerlessTemplate.OfType("AWS::CloudWatch::Alarm").Select(a => a.Resource["Properties"]!["MetricName"]!.GetValue<string>()).ToList();

        Assert.Contains("ExecuteProcessing.Success", metrics);
        Assert.Contains("Errors", metrics);
        Assert.Contains("RecordsFailed", metrics);
    }

    [Fact]
    public void LambdaToolsDefaults_PointAtTheTemplateWithParametersItDeclares()
    {
        var defaults = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "aws-lambda-tools-defaults.json")))!;

        Assert.Equal("serverless.template", defaults["template"]!.GetValue<string>());
        Assert.Equal("net10.0", defaults["framework"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(defaults["s3-prefix"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(defaults["stack-name"]!.GetValue<string>()));
        var declared = ServerlessTemplate.Root["Parameters"]!.AsObject();
        Assert.All(defaults["template-parameters"]!.GetValue<string>().Split(';'), pair => Assert.True(declared.ContainsKey(pair.Split('=')[0]), pair));
    }
}
