using System.CommandLine;
using DynamoLake.Local;

namespace Cli;

/// <summary>The <c>--contract FILE</c> flag every verb takes: the table contract the verb and the functions it runs read.</summary>
internal static class ContractFlag
{
    public static Option<string?> Create() => new("--contract")
    {
        Description = "The table contract (JSON): your table's, or the sample's. Default: the file CONTRACT names, else the sample (schema/transactions.json).",
        HelpName = "FILE",
    };

    /// <summary>The functions' environment with the contract given (or their default).</summary>
    public static FunctionEnvironment Environment(ParseResult parse, Option<string?> option)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return FunctionEnvironment.With(parse.GetValue(option));
    }
}
