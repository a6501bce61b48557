using System.CommandLine;
using System.Text;
using DynamoLake.Core.Contract;

namespace Cli;

/// <summary>
/// <c>contract glue-columns | view</c>: prints what the S3 path needs, generated from the table contract
/// (schema/generated/ holds exactly this output; a test keeps them equal).
/// </summary>
internal static class ContractCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var glue = new Command("glue-columns", "Print the Glue column list (JSON) the Parquet conversion reads.");
        glue.SetAction((_, ct) => Print(stdout, LakeSchema.GlueColumnsJson(TableContract.LoadEmbedded()), ct));
        var view = new Command("view", "Print the current-state SQL view over the change log (Athena and DuckDB).");
        view.SetAction((_, ct) => Print(stdout, LakeSchema.CurrentStateViewSql(TableContract.LoadEmbedded()), ct));
        var contract = new Command("contract", "Print artefacts generated from the table contract (schema/transactions.json).") { glue, view };
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
