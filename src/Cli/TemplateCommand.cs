using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using DynamoLake.Local.Deploy;
using DynamoLake.Local.Pipeline;

namespace Cli;

/// <summary>
/// <c>template</c>: serverless.template for a table contract — the source table's key and TTL, each function's
/// CONTRACT, the UniqueKeys, the S3 path's partitions, Glue columns and projection, and the saved view — the
/// rest as checked in. For the sample it prints the checked-in template.
/// </summary>
internal static class TemplateCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var contractFile = ContractFlag.Create();
        var partitions = new Option<string?>("--s3-partitions") { Description = "The change log's S3 partitions, e.g. year,month,day,hour (default: the checked-in template's when the contract has them all, else year,month,day,hour)." };
        var output = new Option<string?>("--out") { Description = "Write the template to this file (default: stdout)." };
        var command = new Command("template", "Print serverless.template for a table contract (its contract-derived parts generated; the rest as checked in).") { contractFile, partitions, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var environment = ContractFlag.Environment(parse, contractFile);
            var contract = environment.Contract();
            var template = TemplateFacts.LoadEmbeddedTemplate();
            var keys = parse.GetValue(partitions)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (keys is null)
            {
                keys = [.. TemplateGenerator.PartitionsFor(template, contract)];
                if (keys.SequenceEqual(TemplateGenerator.DefaultS3Partitions))
                {
                    await stderr.WriteLineAsync($"S3 partitions: {string.Join(',', keys)}, the hours of the change's time column (choose others with --s3-partitions).");
                }
            }

            var file = environment.ContractFileName;
            var text = TemplateGenerator.Write(TemplateGenerator.For(template, contract, file, keys));
            if (environment.ContractFile is { } source && !File.Exists(Path.Combine(RepoFolderOf(source), "schema", file)))
            {
                await stderr.WriteLineAsync($"note: the functions read contracts/{file}; put {file} in the repository's schema/ folder so that every package carries it.");
            }

            if (parse.GetValue(output) is { } path)
            {
                await File.WriteAllTextAsync(path, text, cancellationToken);
                await stderr.WriteLineAsync($"wrote {path}");
            }
            else
            {
                await stdout.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
                await stdout.FlushAsync(cancellationToken);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    // The folder above schema/ when the contract is in one (the repository), else the current folder.
    private static string RepoFolderOf(string contract) =>
        Path.GetFileName(Path.GetDirectoryName(contract)) == "schema" ? Path.GetDirectoryName(Path.GetDirectoryName(contract))! : Directory.GetCurrentDirectory();
}
