using System.CommandLine;
using System.Text;
using DynamoLake.Core.Contract;

namespace Cli;

/// <summary>
/// <c>contract glue-columns | view</c>: prints what the S3 path needs, generated from the table contract
/// (schema/generated/ holds exactly this output; a test keeps them equal). <c>contract infer</c> writes a contract.
/// </summary>
internal static class ContractCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var glueFile = ContractFlag.Create();
        var glue = new Command("glue-columns", "Print the Glue column list (JSON) the Parquet conversion reads.") { glueFile };
        glue.SetAction((parse, ct) => Print(stdout, LakeSchema.GlueColumnsJson(ContractFlag.Environment(parse, glueFile).Contract()), ct));
        var viewFile = ContractFlag.Create();
        var view = new Command("view", "Print the current-state SQL view over the change log (Athena and DuckDB).") { viewFile };
        view.SetAction((parse, ct) => Print(stdout, LakeSchema.CurrentStateViewSql(ContractFlag.Environment(parse, viewFile).Contract()), ct));
        var contract = new Command("contract", "Print artefacts generated from a table contract (--contract FILE; default the sample, schema/transactions.json), or infer one from a table.") { glue, view, ContractInferCommand.Create(stdout, stderr) };
        contract.SetAction(async (_, ct) =>
        {
            // Alone, it says what it can print rather than nothing.
            await stderr.WriteLineAsync($"error: contract needs a subcommand: {string.Join(", ", contract.Subcommands.Select(c => $"{c.Name} ({c.Description})"))}");
            return ExitCodes.Usage;
        });
        return contract;
    }

    private static async Task<int> Print(Stream stdout, string text, CancellationToken cancellationToken)
    {
        await stdout.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await stdout.FlushAsync(cancellationToken);
        return ExitCodes.Ok;
    }
}
