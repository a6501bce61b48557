using System.Text.Json.Nodes;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace Template.Tests;

/// <summary>serverless.template loaded once, with helpers to resolve parameter defaults.</summary>
internal static class ServerlessTemplate
{
    public static string Path => System.IO.Path.Combine(RepoPaths.Root, "serverless.template");

    /// <summary>The checked-in template.</summary>
    public static TemplateDocument CheckedIn { get; } = new(JsonNode.Parse(File.ReadAllText(Path))!.AsObject());

    public static JsonObject Root => CheckedIn.Root;

    public static JsonObject Resources => CheckedIn.Resources;

    public static IEnumerable<(string Name, JsonObject Resource)> OfType(string type) => CheckedIn.OfType(type);

    public static JsonObject Properties(string resource) => CheckedIn.Properties(resource);

    public static string Resolve(JsonNode? value) => CheckedIn.Resolve(value);

    public static string? RefName(JsonNode? value) => TemplateDocument.RefName(value);

    public static IEnumerable<(string Resource, JsonObject Statement)> Statements() => CheckedIn.Statements();

    public static IEnumerable<(string Resource, JsonObject Statement, string? Condition)> ConditionalStatements() => CheckedIn.ConditionalStatements();

    public static IEnumerable<string> Strings(JsonNode? node) => TemplateDocument.Strings(node);
}

/// <summary>A template under test — the checked-in one, or one generated for a set of contracts — with helpers to read it.</summary>
internal sealed class TemplateDocument(JsonObject root)
{
    public JsonObject Root { get; } = root;

    public JsonObject Resources => Root[nameof(Resources)]!.AsObject();

    public IEnumerable<(string Name, JsonObject Resource)> OfType(string type) =>
        Resources.Where(r => r.Value!["Type"]!.GetValue<string>() == type).Select(r => (r.Key, r.Value!.AsObject()));

    public JsonObject Properties(string resource) => Resources[resource]!["Properties"]!.AsObject();

    /// <summary>The contract files the Transform reads (CONTRACT, comma-separated), as the repository holds them: schema/, else examples/.</summary>
    public IReadOnlyList<string> ContractFiles() =>
        [.. Properties("TransformFunction")["Environment"]!["Variables"]![TableContract.FileVariable]!.GetValue<string>().Split(',').Select(RepositoryFile)];

    /// <summary>A packaged contract (contracts/NAME) as the repository holds it.</summary>
    public static string RepositoryFile(string packaged)
    {
        var name = packaged["contracts/".Length..];
        var schema = System.IO.Path.Combine(RepoPaths.Root, "schema", name);
        return File.Exists(schema) ? schema : System.IO.Path.Combine(RepoPaths.Root, "examples", name);
    }

    /// <summary>A literal, or a Ref to a parameter resolved to its default.</summary>
    public string Resolve(JsonNode? value) => value switch
    {
        JsonValue v => v.ToString(),
        JsonObject o when o["Ref"] is { } r && Root["Parameters"]![r.GetValue<string>()] is { } parameter => parameter["Default"]!.ToString(),
        JsonObject o when o["Ref"]?.GetValue<string>() is { } table && Resources[table]?["Properties"]?["TableName"] is JsonValue name => name.ToString(), // a table named in the template
        JsonObject o when o["Ref"]?.GetValue<string>() == "SourceTable" => "transactions", // Ref of a table is its name: as if deployed with SourceTableName=transactions, the table the sample events name
        _ => throw new InvalidOperationException($"cannot resolve {value?.ToJsonString()} without deploying"),
    };

    /// <summary>
    /// The name a Ref/GetAtt points at, for checking which resource a value comes from. A processor's value is
    /// <c>Fn::If [NativeAotProcessors, the AOT twin's, the managed one's]</c> (the same attribute of both): that
    /// is the managed processor's name; any other Fn::If is none.
    /// </summary>
    public static string? RefName(JsonNode? value) => value switch
    {
        JsonObject o when o["Ref"] is { } r => r.GetValue<string>(),
        JsonObject o when o["Fn::GetAtt"] is JsonArray a => a[0]!.GetValue<string>(),
        JsonObject o when ProcessorIf(o) is { } managed => managed,
        _ => null,
    };

    /// <summary>
    /// For <c>Fn::If [NativeAotProcessors, X, Y]</c> where Y is a Ref, GetAtt or Sub of a managed processor and X
    /// the same of its Native AOT twin: the managed processor's name. Otherwise null.
    /// </summary>
    public static string? ProcessorIf(JsonNode? value)
    {
        if (value is not JsonObject { Count: 1 } o || o["Fn::If"] is not JsonArray { Count: 3 } branch || branch[0]?.ToString() != NativeAotCondition)
        {
            return null;
        }

        var managed = branch[2] switch
        {
            JsonObject { Count: 1 } b when b["Fn::Sub"] is JsonValue sub => System.Text.RegularExpressions.Regex.Match(sub.ToString(), @"^\$\{(\w+Function)\.").Groups[1].Value,
            var b => RefName(b) ?? "",
        };
        return managed.EndsWith("Function", StringComparison.Ordinal) && !managed.EndsWith("AotFunction", StringComparison.Ordinal)
            && branch[1]!.ToJsonString() == branch[2]!.ToJsonString().Replace(managed, NativeAotTwin(managed), StringComparison.Ordinal) ? managed : null;
    }

    /// <summary>The project a function is built from: its CodeUri's folder, or for a Native AOT twin (CodeUri <c>src/P/NativeAot/</c>) the one above.</summary>
    public static string ProjectFolder(JsonNode properties)
    {
        var parts = properties["CodeUri"]!.GetValue<string>().TrimEnd('/').Split('/');
        return parts[^1] == "NativeAot" ? parts[^2] : parts[^1];
    }

    /// <summary>The condition under which the processors run their Native AOT builds (ProcessorBuild=native-aot).</summary>
    public const string NativeAotCondition = "NativeAotProcessors";

    /// <summary>The logical id of a processor's Native AOT twin (TransformFunction: TransformAotFunction).</summary>
    public static string NativeAotTwin(string managed) => managed[..^"Function".Length] + "AotFunction";

    /// <summary>Whether a function is a Native AOT twin (provided.al2023) rather than a managed build.</summary>
    public bool IsNativeAot(string function) => Properties(function)["Runtime"]?.GetValue<string>() == "provided.al2023";

    /// <summary>Every IAM statement in the template: roles, role and managed policies, SAM function policies.</summary>
    public IEnumerable<(string Resource, JsonObject Statement)> Statements() =>
        ConditionalStatements().Select(s => (s.Resource, s.Statement));

    /// <summary>
    /// Every IAM statement with the condition under which it exists: the resource's own Condition, or the
    /// Fn::If that wraps the statement (a statement under <c>Fn::If [C, S, NoValue]</c> exists when C holds).
    /// </summary>
    public IEnumerable<(string Resource, JsonObject Statement, string? Condition)> ConditionalStatements()
    {
        foreach (var (name, resource) in Resources.Select(r => (r.Key, r.Value!.AsObject())))
        {
            var properties = resource["Properties"] as JsonObject;
            var resourceCondition = resource["Condition"]?.GetValue<string>();
            IEnumerable<JsonNode?> documents = resource["Type"]!.GetValue<string>() switch
            {
                "AWS::IAM::Role" => (properties?["Policies"] as JsonArray ?? []).Select(p => p!["PolicyDocument"]),
                "AWS::IAM::RolePolicy" or "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy" => [properties?["PolicyDocument"]],
                "AWS::Serverless::Function" => (properties?["Policies"] as JsonArray ?? []).Where(p => p is JsonObject),
                _ => [],
            };
            foreach (var document in documents)
            {
                foreach (var statement in document?["Statement"] as JsonArray ?? [])
                {
                    if (statement!["Fn::If"] is JsonArray branch)
                    {
                        Assert.Equal("AWS::NoValue", branch[2]!["Ref"]?.GetValue<string>());
                        yield return (name, branch[1]!.AsObject(), branch[0]!.GetValue<string>());
                    }
                    else
                    {
                        yield return (name, statement.AsObject(), resourceCondition);
                    }
                }
            }
        }
    }

    public static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(n => n!.ToString()),
        null => [],
        _ => [node.ToString()],
    };
}
