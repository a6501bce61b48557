using System.Xml.Linq;
using DynamoLake.Testing;

namespace Template.Tests;

/// <summary>
/// The project graph the layout promises (docs/architecture.md): the core library references nothing; each
/// function references only the core and the AWS package its own calls need; nothing the functions deploy can
/// reach the local workbench (the CLI, DuckDB, Parquet, the console libraries) — transitively included.
/// </summary>
public sealed class ProjectGraphTests
{
    private static readonly Dictionary<string, (string[] Projects, string[] Packages)> s_allowed = new(StringComparer.Ordinal)
    {
        ["DynamoLake.Core"] = ([], []),
        ["Transform"] = (["DynamoLake.Core"], []),
        ["PartitionKeys"] = (["DynamoLake.Core"], []),
        ["Seeder"] = (["DynamoLake.Core"], ["AWSSDK.DynamoDBv2"]),
        ["TableProvisioner"] = (["DynamoLake.Core"], ["AWSSDK.Core"]),
    };

    private static readonly string[] s_workbenchOnly = ["Cli", "DuckDB.NET.Data.Full", "Parquet.Net", "Spectre.Console", "System.CommandLine"];

    [Fact]
    public void EverySourceProject_IsInTheGraph_AndTheCliIsTheOnlyOneOutsideIt()
    {
        var projects = Directory.GetDirectories(Path.Combine(RepoPaths.Root, "src")).Select(Path.GetFileName).Where(p => File.Exists(CsprojOf(p!))).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(s_allowed.Keys.Append("Cli").Order(StringComparer.Ordinal), projects);
    }

    [Theory]
    [InlineData("DynamoLake.Core")]
    [InlineData("Transform")]
    [InlineData("PartitionKeys")]
    [InlineData("Seeder")]
    [InlineData("TableProvisioner")]
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
