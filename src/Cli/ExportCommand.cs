using System.CommandLine;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using DynamoLake.Core.Contract;
using DynamoLake.Local;
using Seeder;

namespace Cli;

/// <summary>
/// <c>export</c>: scans a table (AWS, or any <c>--endpoint</c>) into the format of a DynamoDB export to S3 —
/// one <c>{"Item":{…}}</c> DynamoDB JSON line per item, gzipped — so that <c>backfill</c> can be tried end to end.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var endpoint = new Option<string?>("--endpoint") { Description = "DynamoDB endpoint, e.g. http://127.0.0.1:5000 (moto) or :8000 (dynalite); AWS when absent." };
        var region = new Option<string?>("--region") { Description = "AWS region (default: the SDK's chain; us-east-1 for a local endpoint)." };
        var table = new Option<string?>("--table") { Description = "Table to export (default: the contract's table)." };
        var contractFile = ContractFlag.Create();
        var output = new Option<string>("--file") { Description = "The export file to write (.json.gz).", DefaultValueFactory = _ => "export.json.gz" };
        var command = new Command("export", "Scan a DynamoDB table into a DynamoDB export file ({\"Item\":…} lines, gzipped) that backfill reads.") { endpoint, region, table, output, contractFile };
        command.SetAction(async (parse, cancellationToken) =>
        {
            Uri? endpointUri = null;
            if (parse.GetValue(endpoint) is { } text && !LocalEndpoint.TryParse(text, out endpointUri))
            {
                await stderr.WriteLineAsync($"error: --endpoint must be an http(s) URL such as http://127.0.0.1:5000, not '{text}'.");
                return ExitCodes.Usage;
            }

            if (SeedCommand.RegionProblem(endpointUri, parse.GetValue(region), SeedCommand.ConfiguredRegion) is { } regionProblem)
            {
                await stderr.WriteLineAsync($"error: {regionProblem}");
                return ExitCodes.Usage;
            }

            var file = Path.GetFullPath(parse.GetValue(output)!);
            if (Directory.Exists(file))
            {
                await stderr.WriteLineAsync($"error: --file '{file}' is a folder; give the export file's path, e.g. export.json.gz.");
                return ExitCodes.Usage;
            }

            var name = parse.GetValue(table) ?? ContractFlag.Environment(parse, contractFile).Contract().Table;
            var where = endpointUri?.ToString() ?? "AWS";
            using var client = DynamoDbClients.Create(endpointUri, parse.GetValue(region));
            var temporary = file + ".partial";
            try
            {
                long items = 0;
                var retry = new Seeder.RetryPolicy();
                var line = new System.Buffers.ArrayBufferWriter<byte>(4096);
                await using (var stream = File.Create(temporary))
                await using (var gzip = new GZipStream(stream, CompressionLevel.Fastest))
                await using (var json = new Utf8JsonWriter(line))
                {
                    Dictionary<string, AttributeValue>? start = null;
                    do
                    {
                        var page = await TableScan.PageAsync(client, new ScanRequest { TableName = name, ExclusiveStartKey = start, ConsistentRead = true }, retry, cancellationToken);
                        foreach (var item in page.Items ?? [])
                        {
                            line.Clear();
                            json.Reset(line);
                            json.WriteStartObject();
                            json.WritePropertyName("Item");
                            DynamoDbJson.WriteItem(json, item);
                            json.WriteEndObject();
                            json.Flush();
                            gzip.Write(line.WrittenSpan);
                            gzip.WriteByte((byte)'\n');
                            items++;
                        }

                        start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
                    }
                    while (start is not null);
                }

                File.Move(temporary, file, overwrite: true);
                await stdout.WriteAsync(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"export: {items:N0} items of '{name}' at {where} written to {file}\n")), cancellationToken);
                await stdout.FlushAsync(cancellationToken);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is Amazon.DynamoDBv2.Model.ResourceNotFoundException)
            {
                await stderr.WriteLineAsync($"error: table '{name}' does not exist at {where}; give --table (and --endpoint or --region).");
                return ExitCodes.Failed;
            }
            catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"error: export of '{name}' at {where} failed: {ErrorText.Of(e)}");
                return ExitCodes.Failed;
            }
            finally
            {
                File.Delete(temporary);
            }
        });
        return command;
    }
}
