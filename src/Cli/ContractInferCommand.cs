using System.CommandLine;
using System.Globalization;
using System.Text;
using DynamoLake.Core.Contract;
using DynamoLake.Local;
using DynamoLake.Local.Contracts;
using Seeder;

namespace Cli;

/// <summary>
/// <c>contract infer</c>: a table contract from a live table or a DynamoDB export — the key and TTL attribute
/// as DynamoDB declares them, the column types from a sample of the items, a note per column, and every
/// ambiguous choice listed on stderr. The contract it writes always loads.
/// </summary>
internal static class ContractInferCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var table = new Option<string?>("--table") { Description = "The DynamoDB table to sample (with --from-export: the contract's table name)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "DynamoDB endpoint, e.g. http://127.0.0.1:5000 (moto); AWS when absent." };
        var region = new Option<string?>("--region") { Description = "AWS region (default: the SDK's chain; us-east-1 for a local endpoint)." };
        var sample = new Option<int>("--sample") { Description = "Items to read at most.", DefaultValueFactory = _ => 10_000 };
        var segments = new Option<int>("--segments") { Description = "Parallel Scan segments.", DefaultValueFactory = _ => 4 };
        var export = new Option<string?>("--from-export") { Description = "A DynamoDB export (file, or folder of .json / .json.gz files) instead of a live table." };
        var key = new Option<string?>("--key") { Description = "With --from-export: the key attribute(s), partition key first: pk or pk,sk." };
        var ttl = new Option<string?>("--ttl") { Description = "With --from-export: the TTL attribute, if TTL is enabled on the table." };
        var output = new Option<string?>("--out") { Description = "Write the contract to this file (default: stdout)." };
        var command = new Command("infer", "Infer a table contract from a table's items (or an export): key, TTL, column types, a note per column, every ambiguous choice listed.")
        {
            table, endpoint, region, sample, segments, export, key, ttl, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var exportPath = parse.GetValue(export);
            var tableName = parse.GetValue(table);
            var problem = (exportPath, tableName, parse.GetValue(key)) switch
            {
                (null, null, _) => "give --table (a live table) or --from-export PATH.",
                (null, _, not null) => "--key is for --from-export; a live table's key is read from DescribeTable.",
                (not null, _, null) => "--from-export needs --key (an export's data files do not carry the key schema).",
                _ when parse.GetValue(sample) < 1 => $"--sample must be at least 1, not {parse.GetValue(sample)}.",
                _ when parse.GetValue(segments) is < 1 or > 64 => $"--segments must be between 1 and 64, not {parse.GetValue(segments)}.",
                _ => null,
            };
            Uri? endpointUri = null;
            if (problem is null && parse.GetValue(endpoint) is { } text && !LocalEndpoint.TryParse(text, out endpointUri))
            {
                problem = $"--endpoint must be an http(s) URL such as http://127.0.0.1:5000, not '{text}'.";
            }

            if (problem is null && exportPath is null && SeedCommand.RegionProblem(endpointUri, parse.GetValue(region), SeedCommand.ConfiguredRegion) is { } regionProblem)
            {
                problem = regionProblem;
            }

            if (problem is not null)
            {
                await stderr.WriteLineAsync($"error: {problem}");
                return ExitCodes.Usage;
            }

            ContractInference inference;
            List<(string Attribute, string Type)> keySchema;
            string? timeToLive;
            string source;
            if (exportPath is not null)
            {
                var keys = parse.GetValue(key)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                (inference, keySchema) = ContractSample.FromExport(exportPath, keys, parse.GetValue(sample));
                timeToLive = parse.GetValue(ttl);
                tableName ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(exportPath)).Split('.')[0];
                source = $"the export {Path.GetFileName(Path.TrimEndingDirectorySeparator(exportPath))}";
            }
            else
            {
                using var client = DynamoDbClients.Create(endpointUri, parse.GetValue(region));
                (inference, keySchema, timeToLive) = await ContractSample.FromTableAsync(client, tableName!, parse.GetValue(sample), parse.GetValue(segments), progress: null, cancellationToken);
                source = $"the table {tableName}";
            }

            var contract = inference.Contract(tableName!, keySchema, timeToLive, source);
            var written = ContractInference.Write(contract);

            // What is written always loads: a contract our own inference cannot read back is our bug, not the user's.
            _ = TableContract.Parse(Encoding.UTF8.GetBytes(written), "the inferred contract");

            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"inferred from {inference.Items:N0} items of {source}: key {string.Join(" + ", keySchema.Select(k => k.Attribute))}{(timeToLive is null ? "" : $", TTL {timeToLive}")}; {inference.Ambiguous.Count} ambiguous choice(s){(inference.Ambiguous.Count == 0 ? "." : ":")}"));
            foreach (var choice in inference.Ambiguous)
            {
                await stderr.WriteLineAsync("  - " + choice);
            }

            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file, written, cancellationToken);
                await stderr.WriteLineAsync($"wrote {file}");
            }
            else
            {
                await stdout.WriteAsync(Encoding.UTF8.GetBytes(written), cancellationToken);
                await stdout.FlushAsync(cancellationToken);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
