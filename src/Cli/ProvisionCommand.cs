using System.CommandLine;
using System.Text;
using DynamoLake.Core.Contract;

namespace Cli;

/// <summary>
/// <c>provision --print-request</c>: prints the S3 Tables CreateTable body the TableProvisioner sends,
/// generated from the contract (schemaV2, identifier fields, partition spec), so users can read what
/// will be created before they deploy. The provisioner itself runs with <c>invoke provisioner EVENT</c>.
/// </summary>
internal static class ProvisionCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var print = new Option<bool>("--print-request") { Description = "Print the CreateTable request body generated from the contract." };
        var table = new Option<string?>("--table") { Description = "Table name in the request (default: the contract's)." };
        var contractFile = ContractFlag.Create();
        var command = new Command("provision", "Show what the TableProvisioner creates in S3 Tables (run it with: invoke provisioner EVENT).") { print, table, contractFile };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!parse.GetValue(print))
            {
                await stderr.WriteLineAsync("error: provision only prints the request here: pass --print-request (deploy the template, or run 'invoke provisioner events/cloudformation-create.json', to create the table).");
                return ExitCodes.Usage;
            }

            var contract = ContractFlag.Environment(parse, contractFile).Contract();
            var body = IcebergSchema.CreateTableRequest(contract, parse.GetValue(table) ?? contract.Table, indented: true) + "\n";
            await stdout.WriteAsync(Encoding.UTF8.GetBytes(body), cancellationToken);
            await stdout.FlushAsync(cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }
}
