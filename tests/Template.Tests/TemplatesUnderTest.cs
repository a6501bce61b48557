using DynamoLake.Core.Contract;
using DynamoLake.Local.Deploy;
using DynamoLake.Local.Pipeline;
using DynamoLake.Testing;

namespace Template.Tests;

/// <summary>
/// The templates the template tests hold to the code: the checked-in one, and the ones `template` generates
/// for a set of contracts on one stream (two tables, and single-table design's entities of one table).
/// </summary>
internal static class TemplatesUnderTest
{
    public const string CheckedIn = "serverless.template";
    public const string TwoTables = "two tables on one stream";
    public const string SingleTable = "single-table design";

    private static readonly Lazy<TemplateDocument> s_twoTables = new(() => Generate("shop-orders.json", "shop-customers.json"));
    private static readonly Lazy<TemplateDocument> s_singleTable = new(() => Generate("app-orders.json", "app-customers.json", "app-invoices.json"));

    public static TemplateDocument Of(string name) => name switch
    {
        CheckedIn => ServerlessTemplate.CheckedIn,
        TwoTables => s_twoTables.Value,
        SingleTable => s_singleTable.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public static TheoryData<string> All() => new(CheckedIn, TwoTables, SingleTable);

    /// <summary>Every function of every template.</summary>
    public static TheoryData<string, string> Functions()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in new[] { CheckedIn, TwoTables, SingleTable })
        {
            foreach (var (function, _) in Of(name).OfType("AWS::Serverless::Function"))
            {
                data.Add(name, function);
            }
        }

        return data;
    }

    /// <summary>The contracts the template's Transform reads, as the repository holds them.</summary>
    public static IReadOnlyList<TableContract> Contracts(TemplateDocument template) => [.. template.ContractFiles().Select(TableContract.Load)];

    private static TemplateDocument Generate(params string[] files) =>
        new(TemplateGenerator.ForSet(TemplateFacts.LoadEmbeddedTemplate(), [.. files.Select(f => (TableContract.Load(Path.Combine(RepoPaths.Root, "examples", f)), f))]).AsObject());
}
