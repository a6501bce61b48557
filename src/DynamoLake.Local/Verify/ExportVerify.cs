using System.Globalization;
using DynamoLake.Core.Contract;
using DynamoLake.Local.Backfill;
using DynamoLake.Local.Pipeline;

namespace DynamoLake.Local.Verify;

/// <summary>What verify in Athena found.</summary>
/// <param name="ExportArn">The export compared.</param>
/// <param name="Rows">Its rows.</param>
/// <param name="Changed">Keys changed since the export (not compared).</param>
/// <param name="Differences">Each difference as parity words it (first ones; "…" last when there were more).</param>
/// <param name="Count">How many differences there were.</param>
/// <param name="ScannedBytes">The bytes Athena scanned.</param>
/// <param name="Failed">Export items the conversion failed, by reason code.</param>
internal sealed record ExportVerifyResult(string ExportArn, long Rows, long Changed, List<string> Differences, long Count, long ScannedBytes, IReadOnlyDictionary<string, long> Failed);

/// <summary>
/// <c>verify --in-athena</c>: a DynamoDB export (no Scan, no read capacity), converted as the backfill converts
/// it, compared with the Iceberg table inside Athena once the export's changes have settled; only the
/// differences come back (an UNLOAD of keys and column names, removed after reading).
/// </summary>
internal sealed class ExportVerify(TableContract contract, AwsSession session, string? results, TimeSpan queryTimeout, int concurrency, int limit, TextWriter progress)
{
    public async Task<ExportVerifyResult> RunAsync(BackfillTarget target, string? exportArn, CancellationToken cancellationToken)
    {
        var snapshot = await new SnapshotExport(session, progress).RunAsync(target, exportArn, concurrency, cancellationToken);

        // A change made before the export reaches the lake within the settle window: compare after it.
        var settled = snapshot.ExportTime + target.Settle;
        var wait = settled - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"comparing at {settled:HH:mm:ss}Z, once changes made before the export have settled ({target.Settle.TotalSeconds:0} s)"));
            await Task.Delay(wait, cancellationToken);
        }

        using var athena = new AthenaSteps(session, target.WorkGroup, results, queryTimeout, progress);
        var staging = BackfillPlan.StagingTable(contract, snapshot.ExportId);
        var (bucket, prefix) = S3Location.Parse(target.Location);
        var unloadPrefix = $"{prefix}verify/{snapshot.ExportId}-{Guid.NewGuid().ToString("N")[..8]}/";
        var folder = Path.Combine(Path.GetTempPath(), "dynamolake-verify-export-" + Guid.NewGuid().ToString("N"));
        using var s3 = session.S3();
        var written = new List<(string Bucket, string Prefix)> { (bucket, unloadPrefix) };
        await athena.CreateStagingAsync(contract, target.ChangeLogDatabase, staging, snapshot.RowsLocation, cancellationToken);
        try
        {
            var differences = ExportComparison.Differences(contract, target.LakeTable, BackfillPlan.Glue(target.ChangeLogDatabase, staging), BackfillPlan.ChangeLog(contract, target.ChangeLogDatabase), snapshot.ExportMicros);
            await athena.RunAsync("comparison", $"UNLOAD ({differences}) TO 's3://{bucket}/{unloadPrefix}' WITH (format = 'PARQUET')", cancellationToken);
            Directory.CreateDirectory(folder);
            var files = 0;
            await foreach (var item in VerifyRun.Objects(s3, bucket, unloadPrefix, cancellationToken))
            {
                using var response = await s3.GetObjectAsync(bucket, item.Key, cancellationToken);
                await response.WriteResponseStreamToFileAsync(Path.Combine(folder, $"part-{files++:D5}"), append: false, cancellationToken);
            }

            long rows = 0, changed = 0, count = 0;
            var listed = new List<string>();
            if (files > 0)
            {
                using var database = LakeDatabase.InMemory();
                using var reader = database.Query($"SELECT kind, k, leaves FROM read_parquet('{LakeDatabase.Escape(Path.Combine(folder, "part-*"))}') ORDER BY kind <> '{ExportComparison.Rows}', kind <> '{ExportComparison.Changed}', k, kind");
                while (reader.Read())
                {
                    var kind = reader.GetString(0);
                    var key = reader.IsDBNull(1) ? "∅" : reader.GetString(1).Replace(Parity.KeySeparator.ToString(), " | ", StringComparison.Ordinal);
                    switch (kind)
                    {
                        case ExportComparison.Rows:
                            rows = long.Parse(key, CultureInfo.InvariantCulture);
                            continue;
                        case ExportComparison.Changed:
                            changed = long.Parse(key, CultureInfo.InvariantCulture);
                            continue;
                    }

                    var lines = kind switch
                    {
                        ExportComparison.Missing => [$"{key}: in the source but not in the lake"],
                        ExportComparison.Extra => [$"{key}: in the lake but not in the source"],
                        ExportComparison.Duplicated => [$"{key}: more than one row in the lake"],
                        _ => reader.GetString(2).TrimEnd(',').Split(',').Select(leaf => $"{key}.{leaf}: source (hidden), lake (hidden)").ToList(),
                    };
                    foreach (var line in lines)
                    {
                        count++;
                        if (listed.Count < limit)
                        {
                            listed.Add(line);
                        }
                    }
                }
            }

            if (count > listed.Count)
            {
                listed.Add("…");
            }

            return new ExportVerifyResult(snapshot.ExportArn, rows, changed, listed, count, athena.ScannedBytes, snapshot.Failed);
        }
        finally
        {
            await athena.DropAsync(target.ChangeLogDatabase, staging);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            var left = await VerifyRun.RemoveAsync(s3, written);
            foreach (var where in left)
            {
                await progress.WriteLineAsync($"warning: verify could not remove what it wrote under {where}; remove it yourself (aws s3 rm --recursive).");
            }
        }
    }
}
