using System.CommandLine;
using System.Globalization;
using System.Text;
using DynamoLake.Core.Contract;
using DynamoLake.Local;
using DynamoLake.Local.Pipeline;

namespace Cli;

/// <summary>
/// <c>backfill PATH</c>: reads a DynamoDB export (DynamoDB JSON lines, <c>{"Item":{…}}</c>, optionally .gz)
/// and feeds every item through the same contract and functions as an INSERT, so existing data joins the lake.
/// </summary>
internal static class BackfillCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var path = new Argument<string>("path") { Description = "An export file or folder (e.g. the export's data/ folder with *.json.gz)." };
        var lake = new Option<string>("--lake") { Description = "Folder of the local lake.", DefaultValueFactory = _ => "lake" };
        var contractFile = ContractFlag.Create();
        var command = new Command("backfill", "Load a DynamoDB export into the lake through the same contract.") { path, lake, contractFile };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var environment = ContractFlag.Environment(parse, contractFile);
            var contract = environment.Contract();
            var template = environment.Template();
            var paths = LakePaths.For(parse.GetValue(lake)!, template, contract);
            // Built beside the lake in place and put in place only once complete (ADR 0012).
            return await StagedRun.RunAsync(paths, stderr, async stage =>
            {
                var now = DateTimeOffset.UtcNow;
                var changes = ExportReader.Changes(parse.GetValue(path)!, [.. contract.UniqueKey.Select(c => c.Source)], contract.Table, now.ToUnixTimeMilliseconds() * 1000);
                var delivery = new FirehoseDelivery(template.ProcessorBufferBytes, shards: 4, duplicates: 0, shuffleSeed: null, seed: 1, now.ToUnixTimeMilliseconds());
                string line;
                bool failed;
                long items;
                using (var loader = LakeLoader.OnExistingLake(environment, template, stage))
                {
                    var before = loader.Iceberg.Count;
                    await loader.DeliverAsync(changes, delivery, null, cancellationToken);
                    var files = await loader.WriteAsync(cancellationToken);
                    line = string.Create(
                        CultureInfo.InvariantCulture,
                        $"backfill: {Counted.Of(loader.Changes, "item")}: {loader.Transform.Ok:N0} Ok, {loader.Transform.Failed:N0} failed; lake rows {before:N0} → {loader.Iceberg.Count:N0}; {Counted.Of(files.Iceberg + files.ChangeLog, "Parquet file")}, {Counted.Of(files.Errors, "error object")} written\n");
                    failed = loader.Transform.Failed > 0;
                    items = loader.Changes;
                }

                var details = string.Create(CultureInfo.InvariantCulture, $"{items:N0} items from {Path.GetFullPath(parse.GetValue(path)!)}");
                return await StagedRun.CommitAsync(stage, "backfill", details, line, failed, stdout, stderr, cancellationToken);
            }, cancellationToken);
        });
        return command;
    }
}
