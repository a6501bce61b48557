using System.CommandLine;
using System.Globalization;
using System.Text;
using Cli.Pipeline;
using DynamoLake.Core.Contract;

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
        var command = new Command("redrive", "Re-send processing-failed records through the transform into the lake.") { folder, lake };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var contract = TableContract.LoadEmbedded();
            var template = TemplateFacts.LoadEmbedded();
            var paths = LakePaths.For(parse.GetValue(lake)!, template, contract);
            var dir = Path.GetFullPath(parse.GetValue(folder) ?? paths.ProcessingFailed);
            try
            {
                if (parse.GetValue(folder) is { } given && !Directory.Exists(dir))
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

                var records = ErrorObjects.Read(dir);
                using var loader = LakeLoader.OnExistingLake(contract, template, paths);
                var delivery = new FirehoseDelivery(template.ProcessorBufferBytes, shards: 1, duplicates: 0, shuffleSeed: null, seed: 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                await loader.DeliverAsync(records.Select((r, i) => new CapturedChange(i.ToString(CultureInfo.InvariantCulture), r.RawData)), delivery, null, cancellationToken);
                // Noted before the lake changes: a write that fails half-way is still something a rebuild would lose.
                LakeHistory.Append(paths, "redrive", string.Create(CultureInfo.InvariantCulture, $"{records.Count:N0} records, {loader.Transform.Ok:N0} Ok"));
                var files = await loader.WriteAsync(cancellationToken);
                foreach (var file in records.Select(r => r.File).Distinct(StringComparer.Ordinal))
                {
                    File.Delete(file);
                }

                var reasons = string.Join(", ", loader.FailedByReason.Where(r => r.Key.Function == "Transform").Select(r => $"{r.Key.Reason} {r.Value:N0}"));
                var line = string.Create(
                    CultureInfo.InvariantCulture,
                    $"redrive: {records.Count:N0} records: {loader.Transform.Ok:N0} Ok, {loader.Transform.Dropped:N0} Dropped, {loader.Transform.Failed:N0} still failing{(reasons.Length > 0 ? " (" + reasons + ")" : "")}; lake rows {loader.Iceberg.Count:N0}, {files.Errors:N0} error objects written\n");
                await stdout.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
                await stdout.FlushAsync(cancellationToken);
                return loader.Transform.Failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
            }
            catch (PipelineException e)
            {
                await stderr.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }
}
