using System.CommandLine;
using DynamoLake.Local;

namespace Cli;

/// <summary>The <c>--contract FILE</c> flag every verb takes: the table contract the verb and the functions it runs read.</summary>
internal static class ContractFlag
{
    public static Option<string[]> Create() => new("--contract")
    {
        Description = "The table contract (JSON): your table's, or the sample's. Default: the file CONTRACT names, else the sample (schema/transactions.json). Several (repeated, or separated by commas) make a set on one stream for pipeline, template and invoke: several tables, or entities of one table.",
        HelpName = "FILE",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>The functions' environment with the contract(s) given (or their default).</summary>
    public static FunctionEnvironment Environment(ParseResult parse, Option<string[]> option)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var files = (parse.GetValue(option) ?? []).SelectMany(f => f.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        return FunctionEnvironment.With(files);
    }
}
