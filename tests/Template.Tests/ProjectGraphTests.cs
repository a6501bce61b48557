using System.Xml.Linq;
using DynamoLake.Testing;

namespace Template.Tests;

/// <summary>
/// The project graph the layout promises (docs/architecture.md): the core library references nothing; every
/// call we sign lives in DynamoLake.Aws, which references only the core and the SDK's credential chain; each
/// function references only the core, DynamoLake.Aws when it calls a service we sign for, and the AWS package
/// its own calls need; the emulation (DynamoLake.Local) is the CLI's alone; nothing the functions deploy can
/// reach the workbench (the emulation, the CLI, DuckDB, Parquet, the console libraries) — transitively included.
/// The processors also reference DynamoLake.Runtime, our Runtime API loop, which references nothing: their Native
/// AOT build's entry point.
/// </summary>
public sealed class ProjectGraphTests
{
    private static readonly Dictionary<string, (string[] Projects, string[] Packages)> s_allowed = new(StringComparer.Ordinal)
    {
        ["DynamoLake.Core"] = ([], []),
        ["Transform"] = (["DynamoLake.Core", "DynamoLake.Runtime"], []),
        ["PartitionKeys"] = (["DynamoLake.Core", "DynamoLake.Runtime"], []),
        ["DynamoLake.Runtime"] = ([], []),
        ["Seeder"] = (["DynamoLake.Core"], ["AWSSDK.DynamoDBv2"]),
        ["TableProvisioner"] = (["DynamoLake.Core", "DynamoLake.Aws"], []),
        ["ExportConverter"] = (["DynamoLake.Core", "DynamoLake.Aws"], []),
        ["DynamoLake.Aws"] = (["DynamoLake.Core"], ["AWSSDK.Core"]),
        ["DynamoLake.Local"] = (["DynamoLake.Core", "DynamoLake.Aws", "Transform", "PartitionKeys", "Seeder", "TableProvisioner", "ExportConverter"], ["AWSSDK.S3", "DuckDB.NET.Data.Full", "Parquet.Net"]),
        ["Cli"] = (["DynamoLake.Local"], ["AWSSDK.SecurityToken", "AWSSDK.SSO", "AWSSDK.SSOOIDC", "Spectre.Console", "System.CommandLine"]),
    };

    private static readonly string[] s_workbenchOnly = ["Cli", "DynamoLake.Local", "AWSSDK.S3", "DuckDB.NET.Data.Full", "Parquet.Net", "Spectre.Console", "System.CommandLine"];

    [Fact]
    public void EverySourceProject_IsInTheGraph()
    {
        var projects = Directory.GetDirectories(Path.Combine(RepoPaths.Root, "src")).Select(Path.GetFileName).Where(p => File.Exists(CsprojOf(p!))).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(s_allowed.Keys.Order(StringComparer.Ordinal), projects);
    }

    [Theory]
    [InlineData("DynamoLake.Core")]
    [InlineData("DynamoLake.Aws")]
    [InlineData("DynamoLake.Runtime")]
    [InlineData("DynamoLake.Local")]
    [InlineData("Cli")]
    [InlineData("Transform")]
    [InlineData("PartitionKeys")]
    [InlineData("Seeder")]
    [InlineData("TableProvisioner")]
    [InlineData("ExportConverter")]
    public void AProjectReferencesOnlyWhatItIsAllowed(string project)
    {
        var (projects, packages) = References(project);

        Assert.Equal(s_allowed[project].Projects.Order(StringComparer.Ordinal), projects.Order(StringComparer.Ordinal));
        Assert.Equal(s_allowed[project].Packages.Order(StringComparer.Ordinal), packages.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Transform")]
    [InlineData("PartitionKeys")]
    [InlineData("Seeder")]
    [InlineData("TableProvisioner")]
    [InlineData("ExportConverter")]
    [InlineData("DynamoLake.Aws")]
    public void AFunction_CannotReachTheWorkbench_EvenTransitively(string function)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([function]);
        while (pending.TryPop(out var project))
        {
            var (projects, packages) = References(project);
            reached.UnionWith(packages);
            foreach (var next in projects.Where(reached.Add))
            {
                pending.Push(next);
            }
        }

        Assert.Empty(reached.Intersect(s_workbenchOnly));
    }

    private static string CsprojOf(string project) => Path.Combine(RepoPaths.Root, "src", project, project + ".csproj");

    private static (List<string> Projects, List<string> Packages) References(string project)
    {
        var xml = XDocument.Load(CsprojOf(project));
        var projects = xml.Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value)).ToList();
        var packages = xml.Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value).ToList();
        return (projects, packages);
    }
}
