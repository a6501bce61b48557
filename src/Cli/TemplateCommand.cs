using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using DynamoLake.Local.Deploy;
using DynamoLake.Local.Pipeline;

namespace Cli;

/// <summary>
/// <c>template</c>: serverless.template for a table contract — the source table's key and TTL, each function's
/// CONTRACT, the UniqueKeys, the S3 path's partitions, Glue columns and projection, and the saved view — the
/// rest as checked in. For the sample it prints the checked-in template. For a set of contracts on one
/// stream: a DynamoDB table per source table and an Iceberg table per contract, without the S3 path.
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
            var template = TemplateFacts.LoadEmbeddedTemplate();
            var keys = parse.GetValue(partitions)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string text;
            if (environment.IsSet)
            {
                // A set on one stream: an Iceberg table per contract, and no S3 path (it carries one table).
                if (keys is not null)
                {
                    await stderr.WriteLineAsync("error: --s3-partitions applies to one contract: a set's template has no S3 path (one prefix and one Glue table per S3 delivery stream).");
                    return ExitCodes.Usage;
                }

                text = TemplateGenerator.Write(TemplateGenerator.ForSet(template, [.. environment.Contracts().Contracts.Zip(environment.ContractFileNames)]));
            }
            else
            {
                var contract = environment.Contract();
                if (keys is null)
                {
                    keys = [.. TemplateGenerator.PartitionsFor(template, contract)];
                    if (keys.SequenceEqual(TemplateGenerator.DefaultS3Partitions))
                    {
                        await stderr.WriteLineAsync($"S3 partitions: {string.Join(',', keys)}, the hours of the change's time column (choose others with --s3-partitions).");
                    }
                }

                text = TemplateGenerator.Write(TemplateGenerator.For(template, contract, environment.ContractFileName, keys));
            }

            foreach (var source in environment.ContractFiles)
            {
                var file = Path.GetFileName(source);
                if (!File.Exists(Path.Combine(RepoFolderOf(source), "schema", file)))
                {
                    await stderr.WriteLineAsync($"note: the functions read contracts/{file}; put {file} in the repository's schema/ folder so that every package carries it.");
                }
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
