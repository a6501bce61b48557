using System.Text.Json;
using CsCheck;
using DynamoLake.Testing;
using Xunit.Abstractions;

namespace PartitionKeys.Tests;

/// <summary>Hostile requests through PartitionKeys' FunctionHandler: every record answered once, Ok lines valid, keys from the row, no value in the log.</summary>
public sealed class HostileFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HostileRequests_NeverThrow_AndOkLinesCarryTheirRowsKeys()
    {
        long requests = 0, ok = 0, failed = 0;
        var settings = Harness.Settings() with { SourceTableName = "transactions" };
        var regions = Harness.Contract.Columns.Find("region")!.Values!;
        await HostileRecords.Request.SampleAsync(async generated =>
        {
            var (request, count) = generated;
            var log = new StringWriter();
            using var response = await new Function(Harness.Contract, settings, TimeProvider.System, log).FunctionHandler(new MemoryStream(request));
            using var document = await JsonDocument.ParseAsync(response);
            var records = document.RootElement.GetProperty("records").EnumerateArray().ToList();
            Check(records.Select(r => r.GetProperty("recordId").GetString()).SequenceEqual(Enumerable.Range(0, count).Select(i => $"r{i}")), "recordIds differ");
            Interlocked.Increment(ref requests);
            foreach (var record in records.Where(r => r.GetProperty("result").GetString() == "Ok"))
            {
                Interlocked.Increment(ref ok);
                var line = Convert.FromBase64String(record.GetProperty("data").GetString()!);
                Check(line[^1] == (byte)'\n' && System.Text.Unicode.Utf8.IsValid(line), "an Ok line is not one UTF-8 line");
                using var row = JsonDocument.Parse(line, new JsonDocumentOptions { AllowDuplicateProperties = false });
                var keys = record.GetProperty("metadata").GetProperty("partitionKeys");
                Check(keys.GetProperty("region").GetString() == row.RootElement.GetProperty("region").GetString(), "region key differs from the row");
                Check(regions.Contains(keys.GetProperty("region").GetString()!), "a region Athena does not project");
            }

            failed += records.Count(r => r.GetProperty("result").GetString() == "ProcessingFailed");
            Check(!log.ToString().Contains(HostileRecords.Secret, StringComparison.Ordinal), "a record value reached the log");
        }, iter: HostileRecords.Iterations(1_500), threads: 1);

        output.WriteLine($"{requests:N0} requests: {ok:N0} Ok, {failed:N0} ProcessingFailed records");
        Assert.True(ok > 0 && failed > 0, "the generator must reach both outcomes");
    }

    private static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException(problem);
        }
    }
}
