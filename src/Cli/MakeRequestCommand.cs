using System.CommandLine;
using System.Globalization;
using System.Text;
using DynamoLake.Local;
using DynamoLake.Local.Pipeline;
using Seeder;

namespace Cli;

/// <summary>
/// <c>make-request FILE --bytes N</c>: writes one Firehose transformation request of about N bytes, made of
/// the Seeder workload's change records (INSERT, MODIFY, REMOVE and TTL expiries, as the local pipeline
/// delivers them), for <c>invoke --repeat</c> and <c>sam local invoke -e</c>.
/// </summary>
internal static class MakeRequestCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var file = new Argument<string>("file") { Description = "Where to write the request (JSON)." };
        var bytes = new Option<int>("--bytes") { Description = "About how large the request is (Firehose's transformation requests are at most about 6 MB; the template's are 1 MB).", DefaultValueFactory = _ => 3_000_000 };
        var seed = new Option<long>("--seed") { Description = "Workload seed.", DefaultValueFactory = _ => 1 };
        var command = new Command("make-request", "Write a Firehose transformation request of the sample workload's change records.") { file, bytes, seed };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var size = parse.GetValue(bytes);
            if (size is < 1_000 or > 6_000_000)
            {
                await stderr.WriteLineAsync($"error: --bytes must be between 1000 and 6000000, not {size}.");
                return ExitCodes.Usage;
            }

            // A workload whose changes, as a request, come to about the size asked: measured once, then scaled.
            var workload = new WorkloadOptions { Count = 256, Seed = parse.GetValue(seed) };
            var changes = Changes(workload);
            workload = workload with { Count = (int)Math.Max(1, workload.Count * (long)size / Estimate(changes)) };
            changes = Changes(workload);
            var request = new FirehoseDelivery(int.MaxValue, shards: 1, duplicates: 0, shuffleSeed: null, seed: 1, workload.From.ToUnixTimeMilliseconds()).Batches(changes).Single();

            var path = parse.GetValue(file)!;
            try
            {
                await File.WriteAllBytesAsync(path, request.Request, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"error: cannot write '{path}': {e.Message}");
                return ExitCodes.Failed;
            }

            var kinds = changes.GroupBy(c => Kind(c.Record)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count():N0}");
            var line = string.Create(CultureInfo.InvariantCulture, $"wrote {path}: {request.Request.Length:N0} bytes, {Counted.Of(changes.Count, "change record")} ({string.Join(", ", kinds)})\n");
            await stdout.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
            await stdout.FlushAsync(cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static List<CapturedChange> Changes(WorkloadOptions workload) =>
        [.. new ChangeCapture(workload, "transactions", workload.From + workload.Window + workload.TtlAfter).Changes(CancellationToken.None)];

    // A record's share of the request: its data as base64 and the record's envelope (ids, metadata).
    private static long Estimate(List<CapturedChange> changes) => Math.Max(1, changes.Sum(c => (c.Record.Length * 4L / 3) + 260));

    private static string Kind(byte[] record)
    {
        var text = Encoding.UTF8.GetString(record);
        return text.Contains("\"eventName\":\"INSERT\"", StringComparison.Ordinal) ? "INSERT"
            : text.Contains("\"eventName\":\"MODIFY\"", StringComparison.Ordinal) ? "MODIFY"
            : text.Contains("dynamodb.amazonaws.com", StringComparison.Ordinal) ? "TTL expiry" : "REMOVE";
    }
}
