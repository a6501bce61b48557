using System.CommandLine;
using System.Globalization;
using System.Text;
using DynamoLake.Core.Contract;
using DynamoLake.Local;
using DynamoLake.Local.Pipeline;

namespace Cli;

/// <summary>
/// <c>redrive [DIR]</c>: sends Firehose processing-failed error objects through the functions again (after a
/// fix to the code or the data) into the lake, and reports what still fails. Redriven error objects are
/// replaced by the ones that still fail; exit 1 while any do.
/// </summary>
internal static class RedriveCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var folder = new Argument<string?>("dir") { Description = "Folder of error objects (default: <lake>/errors/processing-failed).", Arity = ArgumentArity.ZeroOrOne };
        var lake = new Option<string>("--lake") { Description = "Folder of the local lake.", DefaultValueFactory = _ => "lake" };
        var contractFile = ContractFlag.Create();
        var command = new Command("redrive", "Re-send processing-failed records through the transform into the lake.") { folder, lake, contractFile };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var environment = ContractFlag.Environment(parse, contractFile);
            var contract = environment.Contract();
            var template = environment.Template();
            var paths = LakePaths.For(parse.GetValue(lake)!, template, contract);
            var dir = Path.GetFullPath(parse.GetValue(folder) ?? paths.ProcessingFailed);
            // The lake's own error folder, given or not, may simply not exist yet: nothing to redrive.
            if (parse.GetValue(folder) is { } given && !Directory.Exists(dir) && dir != Path.GetFullPath(paths.ProcessingFailed))
            {
                await stderr.WriteLineAsync($"error: '{given}' is not a folder of Firehose error objects (e.g. lake/errors/processing-failed).");
                return ExitCodes.Usage;
            }

            if (!Directory.Exists(dir) || !Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Any())
            {
                await stdout.WriteAsync(Encoding.UTF8.GetBytes($"redrive: nothing to redrive: no error objects in {dir}\n"), cancellationToken);
                await stdout.FlushAsync(cancellationToken);
                return ExitCodes.Ok;
            }

            // Built beside the lake in place and put in place only once complete (ADR 0012); the redriven error
            // objects go only then.
            return await StagedRun.RunAsync(paths, stderr, async stage =>
            {
                var records = ErrorObjects.Read(dir);
                string line;
                bool failed;
                long ok;
                using (var loader = LakeLoader.OnExistingLake(environment, template, stage))
                {
                    var delivery = new FirehoseDelivery(template.ProcessorBufferBytes, shards: 1, duplicates: 0, shuffleSeed: null, seed: 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                    await loader.DeliverAsync(records.Select((r, i) => new CapturedChange(i.ToString(CultureInfo.InvariantCulture), r.RawData)), delivery, null, cancellationToken);
                    var files = await loader.WriteAsync(cancellationToken);
                    var reasons = string.Join(", ", loader.FailedByReason.Where(r => r.Key.Function == "Transform").Select(r => $"{r.Key.Reason} {r.Value:N0}"));
                    line = string.Create(
                        CultureInfo.InvariantCulture,
                        $"redrive: {Counted.Of(records.Count, "record")}: {loader.Transform.Ok:N0} Ok, {loader.Transform.Dropped:N0} Dropped, {loader.Transform.Failed:N0} still failing{(reasons.Length > 0 ? " (" + reasons + ")" : "")}; lake rows {loader.Iceberg.Count:N0}, {Counted.Of(files.Errors, "error object")} written\n");
                    failed = loader.Transform.Failed > 0;
                    ok = loader.Transform.Ok;
                }

                var details = string.Create(CultureInfo.InvariantCulture, $"{records.Count:N0} records, {ok:N0} Ok");
                return await StagedRun.CommitAsync(stage, "redrive", details, line, failed, stdout, stderr, cancellationToken, [.. records.Select(r => r.File).Distinct(StringComparer.Ordinal)]);
            }, cancellationToken);
        });
        return command;
    }
}
