using System.Text.Json.Nodes;
using DynamoLake.Testing;

namespace Template.Tests;

/// <summary>serverless.template loaded once, with helpers to resolve parameter defaults.</summary>
internal static class ServerlessTemplate
{
    public static string Path => System.IO.Path.Combine(RepoPaths.Root, "serverless.template");

    public static JsonObject Root { get; } = JsonNode.Parse(File.ReadAllText(Path))!.AsObject();

    public static JsonObject Resources => Root[nameof(Resources)]!.AsObject();

    public static IEnumerable<(string Name, JsonObject Resource)> OfType(string type) =>
        Resources.Where(r => r.Value!["Type"]!.GetValue<string>() == type).Select(r => (r.Key, r.Value!.AsObject()));

    public static JsonObject Properties(string resource) => Resources[resource]!["Properties"]!.AsObject();

    /// <summary>A literal, or a Ref to a parameter resolved to its default.</summary>
    public static string Resolve(JsonNode? value) => value switch
    {
        JsonValue v => v.ToString(),
        JsonObject o when o["Ref"] is { } r && Root["Parameters"]![r.GetValue<string>()] is { } parameter => parameter["Default"]!.ToString(),
        JsonObject o when o["Ref"]?.GetValue<string>() == "SourceTable" => "transactions", // Ref of a table is its name: as if deployed with SourceTableName=transactions, the table the sample events name
        _ => throw new InvalidOperationException($"cannot resolve {value?.ToJsonString()} without deploying"),
    };

    /// <summary>The name a Ref/GetAtt/Sub points at, for checking which resource a value comes from.</summary>
    public static string? RefName(JsonNode? value) => value switch
    {
        JsonObject o when o["Ref"] is { } r => r.GetValue<string>(),
        JsonObject o when o["Fn::GetAtt"] is JsonArray a => a[0]!.GetValue<string>(),
        _ => null,
    };

    /// <summary>Every IAM statement in the template: roles, role and managed policies, SAM function policies.</summary>
    public static IEnumerable<(string Resource, JsonObject Statement)> Statements() =>
        ConditionalStatements().Select(s => (s.Resource, s.Statement));

    /// <summary>
    /// Every IAM statement with the condition under which it exists: the resource's own Condition, or the
    /// Fn::If that wraps the statement (a statement under <c>Fn::If [C, S, NoValue]</c> exists when C holds).
    /// </summary>
    public static IEnumerable<(string Resource, JsonObject Statement, string? Condition)> ConditionalStatements()
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
