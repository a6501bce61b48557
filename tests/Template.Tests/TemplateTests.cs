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
        ["ExportConverter"] = ExportConverter.Function.Variables,
    };

    /// <summary>The functions of the managed runtime (dotnet10): every project once. The processors' Native AOT twins are <see cref="NativeAotTwins"/>.</summary>
    public static TheoryData<string> Functions() => new(ServerlessTemplate.OfType("AWS::Serverless::Function").Select(f => f.Name).Where(f => !ServerlessTemplate.CheckedIn.IsNativeAot(f)));

    /// <summary>The processors that have a Native AOT twin (ProcessorBuild=native-aot deploys it instead).</summary>
    public static TheoryData<string> NativeAotTwins() => new(ServerlessTemplate.OfType("AWS::Serverless::Function").Select(f => f.Name).Where(f => ServerlessTemplate.CheckedIn.IsNativeAot(f)));

    [RequiresServerFact(LocalServers.CfnLint)]
    public async Task CfnLint_FindsNoErrorsAndNoWarnings_InTheTemplateAndInTheTemplatesOfSets()
    {
        using var folder = new TempFolder("dynamolake-lint-");
        var files = new List<string> { ServerlessTemplate.Path };
        foreach (var name in new[] { TemplatesUnderTest.TwoTables, TemplatesUnderTest.SingleTable })
        {
            var file = Path.Combine(folder.Path, name.Replace(' ', '-') + ".template");
            File.WriteAllText(file, DynamoLake.Local.Deploy.TemplateGenerator.Write(TemplatesUnderTest.Of(name).Root));
            files.Add(file);
        }

        foreach (var file in files)
        {
            var info = new ProcessStartInfo("cfn-lint") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
            info.ArgumentList.Add(file);
            using var lint = Process.Start(info)!;
            var output = await lint.StandardOutput.ReadToEndAsync() + await lint.StandardError.ReadToEndAsync();
            await lint.WaitForExitAsync();

            // cfn-lint: exit 0 clean; bit 2 = errors, 4 = warnings, 8 = informational. Warnings count: the one
            // suppressed last time said the stack could not deploy.
            Assert.True(lint.ExitCode == 0, $"{Path.GetFileName(file)}: cfn-lint exit {lint.ExitCode}:\n{output}");
        }
    }

    [Fact]
    public void Template_DeploysEveryLambdaProjectOnce()
    {
        var lambdaProjects = Directory.GetFiles(Path.Combine(RepoPaths.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => File.ReadAllText(p).Contains("<AWSProjectType>Lambda</AWSProjectType>", StringComparison.Ordinal))
            .Select(p => Path.GetFileName(Path.GetDirectoryName(p))!)
            .Order(StringComparer.Ordinal);
        var deployed = ServerlessTemplate.OfType("AWS::Serverless::Function")
            .Where(f => !ServerlessTemplate.CheckedIn.IsNativeAot(f.Name))
            .Select(f => f.Resource["Properties"]!["CodeUri"]!.GetValue<string>().TrimEnd('/').Split('/')[^1])
            .Order(StringComparer.Ordinal);

        Assert.Equal(lambdaProjects, deployed);
        Assert.Equal(lambdaProjects, s_variables.Keys.Order(StringComparer.Ordinal));

        // The projects with a Native AOT entry point (Bootstrap) are exactly the processors with a twin.
        var withBootstrap = lambdaProjects.Where(p => File.Exists(Path.Combine(RepoPaths.Root, "src", p, "Bootstrap.cs")));
        var twins = ServerlessTemplate.OfType("AWS::Serverless::Function").Where(f => ServerlessTemplate.CheckedIn.IsNativeAot(f.Name));
        Assert.Equal(withBootstrap, twins.Select(t => TemplateDocument.ProjectFolder(t.Resource["Properties"]!)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(NativeAotTwins))]
    public void NativeAot_TheTwinIsTheManagedProcessorBuiltByItsMakefile_AndExactlyOneOfThemIsDeployed(string twin)
    {
        var managed = ServerlessTemplate.OfType("AWS::Serverless::Function").Select(f => f.Name).Single(f => TemplateDocument.NativeAotTwin(f) == twin);
        var (aot, jit) = (ServerlessTemplate.Properties(twin), ServerlessTemplate.Properties(managed));

        // provided.al2023 runs the package's bootstrap: the project's Bootstrap.Main, our Runtime API loop around the same handler.
        Assert.Equal("provided.al2023", aot["Runtime"]!.GetValue<string>());
        Assert.Equal("bootstrap", aot["Handler"]!.GetValue<string>());
        // Its CodeUri is a folder of the managed one's that holds no project (only the Makefile), so that a tool
        // that builds the project it finds in a CodeUri never builds one for provided.al2023.
        var codeUri = aot["CodeUri"]!.GetValue<string>();
        Assert.Equal(jit["CodeUri"]!.GetValue<string>() + "NativeAot/", codeUri);
        Assert.Equal(["Makefile"], Directory.GetFileSystemEntries(Path.Combine(RepoPaths.Root, codeUri)).Select(Path.GetFileName));
        var folder = TemplateDocument.ProjectFolder(aot);
        var main = Assembly.Load(folder).GetType($"{folder}.Bootstrap", throwOnError: true)!.GetMethod("Main", BindingFlags.Public | BindingFlags.Static);
        Assert.NotNull(main);
        Assert.Equal(typeof(Task<int>), main.ReturnType);

        // sam build runs the Makefile's build-<LogicalId> target (from a copy of CodeUri, naming the Makefile by its
        // path). Asked to (DYNAMOLAKE_PROCESSOR_BUILD=native-aot), make would publish that project as Native AOT into
        // ARTIFACTS_DIR. Not asked — sam build builds every function, whatever its Condition — it writes a bootstrap
        // that says so and exits 1, so that the default build works anywhere and a package built so cannot pass for AOT.
        Assert.Equal("makefile", ServerlessTemplate.Resources[twin]!["Metadata"]!["BuildMethod"]!.GetValue<string>());
        using var scratch = new TempFolder("dynamolake-sam-build-");
        var artifacts = Path.Combine(scratch.Path, "artifacts");
        var makefile = Path.Combine(RepoPaths.Root, codeUri, "Makefile");
        var (planned, _) = Run("make", ["-n", "--makefile", makefile, $"build-{twin}", "ARTIFACTS_DIR=/artifacts"], scratch.Path, "native-aot");
        var project = Path.GetFullPath(Path.Combine(RepoPaths.Root, jit["CodeUri"]!.GetValue<string>(), folder + ".csproj"));
        Assert.Contains($"dotnet publish \"{project}\" -c Release -r linux-arm64 -p:NativeAot=true", planned, StringComparison.Ordinal);
        Assert.Contains("-o \"/artifacts\"", planned, StringComparison.Ordinal);

        Run("make", ["--makefile", makefile, $"build-{twin}", $"ARTIFACTS_DIR={artifacts}"], scratch.Path, null);
        Assert.Equal(["bootstrap"], Directory.GetFileSystemEntries(artifacts).Select(Path.GetFileName));
        var standIn = new ProcessStartInfo(Path.Combine(artifacts, "bootstrap")) { RedirectStandardError = true };
        using (var started = Process.Start(standIn)!)
        {
            var said = started.StandardError.ReadToEnd();
            started.WaitForExit();
            Assert.Equal(1, started.ExitCode);
            Assert.Contains("built without DYNAMOLAKE_PROCESSOR_BUILD=native-aot", said, StringComparison.Ordinal);
        }

        // The same function otherwise: settings (less the managed runtime's own knobs), memory, log group, policies.
        var managedOnly = new[] { "DOTNET_TC_CallCountingDelayMs", LambdaEnvironment.HandlerLogFormatVariable };
        var variables = jit["Environment"]!["Variables"]!.AsObject();
        Assert.True(JsonNode.DeepEquals(new JsonObject(variables.Where(v => !managedOnly.Contains(v.Key)).Select(v => KeyValuePair.Create(v.Key, v.Value?.DeepClone()))), aot["Environment"]!["Variables"]));
        foreach (var property in new[] { "MemorySize", "LoggingConfig", "Policies", "Timeout", "Architectures" })
        {
            Assert.True(JsonNode.DeepEquals(jit[property], aot[property]), $"{twin} and {managed} differ in {property}");
        }

        // ProcessorBuild picks one: the twin's condition is the managed one's with NativeAotProcessors for ManagedProcessors.
        var conditions = ServerlessTemplate.Root["Conditions"]!;
        string Definition(string c) => c is TemplateDocument.NativeAotCondition or "ManagedProcessors" ? $"{{\"Condition\":\"{c}\"}}" : conditions[c]!.ToJsonString();
        var (twinCondition, managedCondition) = (ServerlessTemplate.Resources[twin]!["Condition"]!.GetValue<string>(), ServerlessTemplate.Resources[managed]!["Condition"]!.GetValue<string>());
        Assert.Contains(TemplateDocument.NativeAotCondition, Definition(twinCondition), StringComparison.Ordinal);
        Assert.Equal(Definition(managedCondition), Definition(twinCondition).Replace(TemplateDocument.NativeAotCondition, "ManagedProcessors", StringComparison.Ordinal));
        Assert.Equal("{\"Fn::Not\":[{\"Condition\":\"NativeAotProcessors\"}]}", conditions["ManagedProcessors"]!.ToJsonString());
        Assert.Equal("{\"Fn::Equals\":[{\"Ref\":\"ProcessorBuild\"},\"native-aot\"]}", conditions[TemplateDocument.NativeAotCondition]!.ToJsonString());

        // Everything that names the processor (Firehose's processor, the invoke grant, alarms, outputs) names it
        // through Fn::If [NativeAotProcessors, twin, managed]; nothing names either build directly.
        var elsewhere = ServerlessTemplate.Resources.Where(r => r.Key != managed && r.Key != twin).Select(r => r.Value).Append(ServerlessTemplate.Root["Outputs"]).ToList();
        Assert.True(elsewhere.Sum(n => Mentions(n, managed, throughIf: true)) > 0, $"nothing refers to {managed}");
        Assert.Equal(0, elsewhere.Sum(n => Mentions(n, managed, throughIf: false) + Mentions(n, twin, throughIf: false)));
    }

    // Runs a command to its end, with DYNAMOLAKE_PROCESSOR_BUILD set as given (or unset); fails the test on a non-zero exit.
    private static (string Output, string Errors) Run(string command, string[] arguments, string folder, string? processorBuild)
    {
        var start = new ProcessStartInfo(command, arguments) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove("DYNAMOLAKE_PROCESSOR_BUILD");
        if (processorBuild is not null)
        {
            start.Environment["DYNAMOLAKE_PROCESSOR_BUILD"] = processorBuild;
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)}: {errors.Result}");
        return (output, errors.Result);
    }

    // Ref, GetAtt or Sub of a resource: those inside the processors' Fn::If (throughIf), or those outside it.
    private static int Mentions(JsonNode? node, string resource, bool throughIf) => node switch
    {
        JsonObject o when TemplateDocument.ProcessorIf(o) is { } managed => throughIf && managed == resource ? 1 : 0,
        JsonObject o when o["Ref"]?.ToString() == resource || (o["Fn::GetAtt"] as JsonArray)?[0]?.ToString() == resource
            || (o["Fn::Sub"] is JsonValue sub && sub.ToString().Contains("${" + resource + ".", StringComparison.Ordinal)) => throughIf ? 0 : 1,
        JsonObject o => o.Sum(p => Mentions(p.Value, resource, throughIf)),
        JsonArray a => a.Sum(n => Mentions(n, resource, throughIf)),
        _ => 0,
    };

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
    [MemberData(nameof(TemplatesUnderTest.Functions), MemberType = typeof(TemplatesUnderTest))]
    public void Function_SetsEveryVariableItsCodeReads_WithValuesTheCodeAccepts(string template, string function)
    {
        var document = TemplatesUnderTest.Of(template);
        var properties = document.Properties(function);
        var folder = TemplateDocument.ProjectFolder(properties);
        var variables = properties["Environment"]!["Variables"]!.AsObject();

        // The Transform of a set names each row's table itself: DESTINATION_TABLE, one table for all, is left unset (the code refuses it).
        var set = variables[TableContract.FileVariable]!.GetValue<string>().Contains(',', StringComparison.Ordinal);
        var unset = set && folder == "Transform" ? new[] { Transform.TransformSettings.TableVariable } : [];
        Assert.All(s_variables[folder].Except(unset), name => Assert.True(variables.ContainsKey(name), $"{function} does not set {name}"));
        Assert.All(unset, name => Assert.False(variables.ContainsKey(name), $"{function} of a set sets {name}"));

        // Besides its own settings, a function may carry .NET runtime knobs (DOTNET_*) and the managed runtime's
        // console switch (AWS_LAMBDA_HANDLER_LOG_FORMAT), which the runtime reads; every function reads its contract.
        Assert.All(variables.Select(v => v.Key).Where(name => !name.StartsWith("DOTNET_", StringComparison.Ordinal) && name != LambdaEnvironment.HandlerLogFormatVariable && name != TableContract.FileVariable), name => Assert.Contains(name, s_variables[folder]));

        // The contracts it names are ones the package carries (schema/*.json under contracts/; a set's examples
        // here), and they load as the function loads them: one, or (Transform, provisioner) a set on one stream.
        var contract = variables[TableContract.FileVariable]!.GetValue<string>();
        var files = contract.Split(',');
        Assert.All(files, f => Assert.StartsWith("contracts/", f, StringComparison.Ordinal));
        var sources = files.Select(TemplateDocument.RepositoryFile).ToList();
        Assert.All(sources, s => Assert.True(File.Exists(s), $"{function}: {s} is not in schema/ (or examples/ for a set)"));
        string? Packaged(string name) => name == TableContract.FileVariable ? string.Join(',', sources) : null;
        Assert.Equal(sources.Select(s => TableContract.Load(s).Table), files.Length == 1 ? [TableContract.FromEnvironment(Packaged).Table] : ContractSet.FromEnvironment(Packaged, null).Contracts.Select(c => c.Table));
        Assert.True(files.Length == 1 || folder is "Transform" or "TableProvisioner", $"{function} reads one contract but is given {files.Length}");

        string? Lookup(string name) => variables[name] is { } value && TemplateDocument.RefName(value) is not "SourceTable" ? document.Resolve(value) : variables.ContainsKey(name) ? "t" : null;
        _ = folder switch
        {
            "Transform" => (object)Transform.TransformSettings.From(Lookup),
            "PartitionKeys" => PartitionKeys.PartitionKeysSettings.From(s_contract, Lookup),
            "Seeder" => Seeder.SeederSettings.From(Lookup),
            _ => TableProvisioner.ProvisionerSettings.From(Lookup),
        };
    }

    [Theory]
    [MemberData(nameof(TemplatesUnderTest.Functions), MemberType = typeof(TemplatesUnderTest))]
    public void Function_LogsToItsOwnLogGroupWithRetention(string template, string function)
    {
        var document = TemplatesUnderTest.Of(template);
        var group = TemplateDocument.RefName(document.Properties(function)["LoggingConfig"]!["LogGroup"]);

        Assert.NotNull(group);
        Assert.Equal("AWS::Logs::LogGroup", document.Resources[group]!["Type"]!.GetValue<string>());
        Assert.NotNull(document.Properties(group)["RetentionInDays"]);
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
    public void S3Path_TheSnapshotTable_HasTheChangeLogsColumns_ReadByTheJsonSerDe_WhereTheBackfillCopiesTheRows()
    {
        var table = ServerlessTemplate.Properties("ChangeLogSnapshotTable");
        var storage = table["TableInput"]!["StorageDescriptor"]!;

        Assert.Equal(LakeSchema.SnapshotTable(s_contract), table["TableInput"]!["Name"]!.GetValue<string>());
        Assert.Equal("ChangeLogDatabase", ServerlessTemplate.RefName(table["DatabaseName"]));
        Assert.Equal(
            ServerlessTemplate.Properties("ChangeLogTable")["TableInput"]!["StorageDescriptor"]!["Columns"]!.ToJsonString(),
            storage["Columns"]!.ToJsonString());
        Assert.Equal("org.openx.data.jsonserde.JsonSerDe", storage["SerdeInfo"]!["SerializationLibrary"]!.GetValue<string>());
        Assert.Equal("s3://${DataBucket}/snapshot/", storage["Location"]!["Fn::Sub"]!.GetValue<string>());
        Assert.Equal("s3://${DataBucket}/snapshot/", ServerlessTemplate.Root["Outputs"]!["SnapshotLocation"]!["Value"]!["Fn::Sub"]!.GetValue<string>());
        Assert.Contains(LakeSchema.SnapshotTable(s_contract), LakeSchema.CurrentStateViewSql(s_contract), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TemplatesUnderTest.All), MemberType = typeof(TemplatesUnderTest))]
    public void Iceberg_EachContractsTableIsProvisioned_AndADestinationWithItsUniqueKeys_WhereTheTransformSendsIt(string template)
    {
        var document = TemplatesUnderTest.Of(template);
        var contracts = TemplatesUnderTest.Contracts(document);
        var iceberg = document.Properties("IcebergDeliveryStream")["IcebergDestinationConfiguration"]!;
        var destinations = iceberg["DestinationTableConfigurationList"]!.AsArray().Select(d => d!).ToList();
        var transform = document.Properties("TransformFunction")["Environment"]!["Variables"]!;
        var provisioned = document.OfType("Custom::IcebergTable").ToList();

        // The tables the Transform names in otfMetadata (the code's own choice for these settings) are the
        // delivery stream's destinations, each with its contract's UniqueKeys, and the tables provisioned.
        var settings = Transform.TransformSettings.From(name => transform[name] is { } v && TemplateDocument.RefName(v) is not "SourceTable" ? document.Resolve(v) : null);
        var tables = Transform.TransformPolicy.Destinations(settings, ContractSet.Of(contracts, null));
        Assert.Equal(tables, destinations.Select(d => document.Resolve(d["DestinationTableName"])));
        Assert.Equal(contracts.Select(c => string.Join(",", c.UniqueKey.Select(k => k.Name))), destinations.Select(d => string.Join(",", TemplateDocument.Strings(d["UniqueKeys"]))));
        Assert.Equal(tables, provisioned.Select(p => document.Resolve(p.Resource["Properties"]!["TableName"])));
        Assert.All(destinations, d => Assert.Equal(TemplateDocument.RefName(transform["DESTINATION_DATABASE"]), TemplateDocument.RefName(d["DestinationDatabaseName"])));
        Assert.All(provisioned, p => Assert.Equal(TemplateDocument.RefName(transform["DESTINATION_DATABASE"]), TemplateDocument.RefName(p.Resource["Properties"]!["Namespace"])));

        // The delivery stream waits for every table, and its processor is the Transform.
        Assert.Equal(provisioned.Select(p => p.Name), TemplateDocument.Strings(document.Resources["IcebergDeliveryStream"]!["DependsOn"]).Where(d => provisioned.Any(p => p.Name == d)));
        Assert.Equal("TransformFunction", TemplateDocument.RefName(iceberg["ProcessingConfiguration"]!["Processors"]![0]!["Parameters"]![0]!["ParameterValue"]));
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

    [Theory]
    [MemberData(nameof(TemplatesUnderTest.All), MemberType = typeof(TemplatesUnderTest))]
    public void SourceTables_EachIsKeyedAsItsContracts_WithTtl_AndWritesTheOneStream(string template)
    {
        var document = TemplatesUnderTest.Of(template);
        var sources = TemplatesUnderTest.Contracts(document).GroupBy(c => c.SourceTable).ToList();
        var tables = document.OfType("AWS::DynamoDB::Table").ToList();

        // A table per source table: the stack's own (SourceTable) for contracts that name none, else the one named.
        Assert.Equal(sources.Count, tables.Count);
        foreach (var group in sources)
        {
            var (name, resource) = tables.Single(t => group.Key is null ? t.Name == "SourceTable" : t.Resource["Properties"]!["TableName"]?.ToString() == group.Key);
            var table = resource["Properties"]!;
            foreach (var contract in group)
            {
                Assert.Equal(contract.UniqueKey.Select(c => c.Source), table["KeySchema"]!.AsArray().Select(k => k!["AttributeName"]!.GetValue<string>()));
                Assert.Equal(contract.UniqueKey.Select(c => (c.Source, c.DynamoDbKeyType)), table["AttributeDefinitions"]!.AsArray().Select(a => (a!["AttributeName"]!.GetValue<string>(), (string?)a["AttributeType"]!.GetValue<string>())));
            }

            Assert.Equal(group.Select(c => c.TimeToLive?.Source).OfType<string>().Distinct().SingleOrDefault(), table["TimeToLiveSpecification"]?["AttributeName"]!.GetValue<string>());
            Assert.True(table["TimeToLiveSpecification"]?["Enabled"]!.GetValue<bool>() ?? true, name);
            Assert.Equal("PAY_PER_REQUEST", table["BillingMode"]!.GetValue<string>());
            Assert.True(table["SSESpecification"]!["SSEEnabled"]!.GetValue<bool>());
            Assert.True(table["PointInTimeRecoverySpecification"]!["PointInTimeRecoveryEnabled"]!.GetValue<bool>());
            Assert.Equal("ChangeStream", TemplateDocument.RefName(table["KinesisStreamSpecification"]!["StreamArn"]));
            Assert.Equal("MICROSECOND", table["KinesisStreamSpecification"]!["ApproximateCreationDateTimePrecision"]!.GetValue<string>());
        }

        Assert.Equal("KMS", document.Properties("ChangeStream")["StreamEncryption"]!["EncryptionType"]!.GetValue<string>());
        Assert.Equal("ON_DEMAND", document.Properties("ChangeStream")["StreamModeDetails"]!["StreamMode"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(TemplatesUnderTest.All), MemberType = typeof(TemplatesUnderTest))]
    public void Iam_NoStatementAllowsAWildcardAction_AndOnlyLakeFormationActionsUseAWildcardResource(string template)
    {
        var document = TemplatesUnderTest.Of(template);
        var statements = document.Statements().ToList();

        Assert.True(statements.Count > 10);
        Assert.All(statements, s => Assert.All(TemplateDocument.Strings(s.Statement["Action"]), action =>
            Assert.False(action == "*" || action.EndsWith(":*", StringComparison.Ordinal), $"{s.Resource}: action {action}")));
        // Lake Formation's actions have no resource-level IAM permissions; Lake Formation decides on the resource itself.
        Assert.All(statements.Where(s => TemplateDocument.Strings(s.Statement["Resource"]).Contains("*")), s =>
            Assert.All(TemplateDocument.Strings(s.Statement["Action"]), action => Assert.Contains(action, new[] { "lakeformation:GetDataAccess", "lakeformation:GrantPermissions", "lakeformation:RevokePermissions", "lakeformation:GetDataLakeSettings", "lakeformation:PutDataLakeSettings" })));
    }

    [Theory]
    [MemberData(nameof(TemplatesUnderTest.All), MemberType = typeof(TemplatesUnderTest))]
    public void Buckets_AreEncryptedWithPublicAccessBlockedAndTlsOnly(string template)
    {
        var document = TemplatesUnderTest.Of(template);
        var buckets = document.OfType("AWS::S3::Bucket").ToList();

        Assert.NotEmpty(buckets);
        foreach (var (name, bucket) in buckets)
        {
            var properties = bucket["Properties"]!;
            Assert.NotNull(properties["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]);
            var block = properties["PublicAccessBlockConfiguration"]!.AsObject();
            Assert.All(new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" }, flag => Assert.True(block[flag]!.GetValue<bool>(), $"{name}.{flag}"));
            Assert.Contains(document.OfType("AWS::S3::BucketPolicy"), p => TemplateDocument.RefName(p.Resource["Properties"]!["Bucket"]) == name);
        }

        Assert.NotNull(document.Properties("TableBucket")["EncryptionConfiguration"]);
    }

    [Theory]
    [MemberData(nameof(TemplatesUnderTest.All), MemberType = typeof(TemplatesUnderTest))]
    public void Provisioner_AnswersBeforeCloudFormationAndLambdaGiveUp(string template)
    {
        var document = TemplatesUnderTest.Of(template);
        var function = document.Properties("TableProvisionerFunction");
        var deadline = double.Parse(function["Environment"]!["Variables"]![TableProvisioner.ProvisionerSettings.DeadlineVariable]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var timeout = function["Timeout"]!.GetValue<int>();
        Assert.True(deadline < timeout, $"DEADLINE_SECONDS {deadline} must be below the function timeout {timeout}");

        // Every table's custom resource (a set has one per contract).
        foreach (var (name, table) in document.OfType("Custom::IcebergTable"))
        {
            var serviceTimeout = table["Properties"]!["ServiceTimeout"]!.GetValue<int>();
            Assert.True(timeout < serviceTimeout && serviceTimeout < 3600, $"{name}: ServiceTimeout {serviceTimeout} must exceed the function timeout and stay well under an hour");
            Assert.Equal("TableProvisionerFunction", TemplateDocument.RefName(table["Properties"]!["ServiceToken"]));
        }
    }

    [Theory]
    [MemberData(nameof(TemplatesUnderTest.All), MemberType = typeof(TemplatesUnderTest))]
    public void Alarms_WatchProcessingFailuresAndLambdaErrors(string template)
    {
        var document = TemplatesUnderTest.Of(template);
        var metrics = document.OfType("AWS::CloudWatch::Alarm").Select(a => a.Resource["Properties"]!["MetricName"]!.GetValue<string>()).ToList();

        Assert.Contains("ExecuteProcessing.Success", metrics);
        Assert.Contains("Errors", metrics);
        Assert.Contains("RecordsFailed", metrics);
    }

    [Theory]
    [MemberData(nameof(TemplatesUnderTest.All), MemberType = typeof(TemplatesUnderTest))]
    public void Athena_TheStackHasItsOwnWorkgroup_EnforcedWithACutoffEngine3AndResultsThatExpire(string template)
    {
        var document = TemplatesUnderTest.Of(template);
        var workGroup = document.Properties("AthenaWorkGroup");
        var configuration = workGroup["WorkGroupConfiguration"]!;

        // Enforced: no client can send results elsewhere or lift the cutoff; engine 3 runs MERGE INTO on Iceberg (ADR 0018).
        Assert.True(configuration["EnforceWorkGroupConfiguration"]!.GetValue<bool>());
        Assert.Equal("AthenaBytesScannedCutoff", TemplateDocument.RefName(configuration["BytesScannedCutoffPerQuery"]));
        var cutoff = document.Root["Parameters"]!["AthenaBytesScannedCutoff"]!;
        Assert.True(cutoff["MinValue"]!.GetValue<long>() >= 10_000_000, "Athena's smallest cutoff is 10 MB");
        Assert.InRange(cutoff["Default"]!.GetValue<long>(), cutoff["MinValue"]!.GetValue<long>(), long.MaxValue);
        Assert.Equal("Athena engine version 3", configuration["EngineVersion"]!["SelectedEngineVersion"]!.GetValue<string>());

        // Results go to the stack's bucket, encrypted, and expire.
        Assert.StartsWith("s3://${AthenaResultsBucket}/", configuration["ResultConfiguration"]!["OutputLocation"]!["Fn::Sub"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("SSE_S3", configuration["ResultConfiguration"]!["EncryptionConfiguration"]!["EncryptionOption"]!.GetValue<string>());
        var expiry = document.Properties("AthenaResultsBucket")["LifecycleConfiguration"]!["Rules"]!.AsArray().Single()!;
        Assert.Equal(("Enabled", 7), (expiry["Status"]!.GetValue<string>(), expiry["ExpirationInDays"]!.GetValue<int>()));

        // The outputs name it (verify --stack and backfill --stack read it), and the saved queries run in it.
        Assert.Equal("AthenaWorkGroup", TemplateDocument.RefName(document.Root["Outputs"]!["AthenaWorkGroup"]!["Value"]));
        Assert.All(document.OfType("AWS::Athena::NamedQuery"), q => Assert.Equal("AthenaWorkGroup", TemplateDocument.RefName(q.Resource["Properties"]!["WorkGroup"])));
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
