using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seeder;
using DynamoLake.Testing;

namespace Cli.Tests;

[Collection(UsesConsole.Name)]
public sealed class RedriveAndBackfillTests : IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-redrive-");

    private string Root => Path.Combine(_temp.Path, "root");

    private string Lake => Path.Combine(Root, "lake");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Backfill_OfAnExport_JoinsTheLakeWithExactValues()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "200", "--seed", "2", "--out", Lake)).Exit);
        var exported = TransactionGenerator.Items(new WorkloadOptions { Count = 3, Seed = 777 }).Select(w => w.Item).ToList();
        var export = await WriteExportAsync(exported.Select(ExportLine));

        var (exit, stdout, stderr) = await CliRun.Run("backfill", export, "--lake", Lake);

        Assert.True(exit == 0, stderr);
        Assert.StartsWith("backfill: 3 items: 3 Ok, 0 failed; lake rows", stdout, StringComparison.Ordinal);
        foreach (var item in exported)
        {
            var (_, csv, _) = await CliRun.Run("query", $"SELECT amount, status FROM transactions WHERE transaction_id = '{item["transaction_id"].S}'", "--lake", Lake, "--csv");
            Assert.Equal($"amount,status\n{item["amount"].N},{item["status"].S}", csv.Trim());
        }
    }

    [Fact]
    public async Task Redrive_OfABrokenRecord_StillFailsUntilFixed_ThenJoinsTheLake()
    {
        Assert.Equal(0, (await CliRun.Run("pipeline", "--count", "200", "--seed", "4", "--out", Lake)).Exit);
        var broken = TransactionGenerator.Create(new WorkloadOptions { Count = 1, Seed = 999 }, 0).Item;
        broken["amount"] = new() { N = "12.345" }; // three decimals: the decimal(12,2) column would have to round
        var key = broken["transaction_id"].S;

        var (backfillExit, backfillOut, _) = await CliRun.Run("backfill", await WriteExportAsync([ExportLine(broken)]), "--lake", Lake);
        Assert.Equal(1, backfillExit);
        Assert.Contains("0 Ok, 1 failed", backfillOut, StringComparison.Ordinal);
        var errorFile = Assert.Single(Directory.GetFiles(Path.Combine(Lake, "errors", "processing-failed"), "*", SearchOption.AllDirectories));
        var error = JsonNode.Parse(await File.ReadAllTextAsync(errorFile))!;
        Assert.Equal("inexact_number", error["errorMessage"]!.GetValue<string>());

        var (again, againOut, _) = await CliRun.Run("redrive", "--lake", Lake);
        Assert.Equal(1, again);
        Assert.Contains("1 still failing (inexact_number 1)", againOut, StringComparison.Ordinal);

        // The fix: the record's data corrected in the error object (as an operator would after finding the bug).
        errorFile = Assert.Single(Directory.GetFiles(Path.Combine(Lake, "errors", "processing-failed"), "*", SearchOption.AllDirectories));
        var line = JsonNode.Parse(await File.ReadAllTextAsync(errorFile))!;
        var raw = Encoding.UTF8.GetString(Convert.FromBase64String(line["rawData"]!.GetValue<string>())).Replace("\"12.345\"", "\"12.34\"", StringComparison.Ordinal);
        line["rawData"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(raw));
        await File.WriteAllTextAsync(errorFile, line.ToJsonString() + "\n");

        var (fixedExit, fixedOut, fixedErr) = await CliRun.Run("redrive", "--lake", Lake);

        Assert.True(fixedExit == 0, fixedErr + fixedOut);
        Assert.StartsWith("redrive: 1 record: 1 Ok, 0 Dropped, 0 still failing", fixedOut, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(Lake, "errors", "processing-failed"), "*", SearchOption.AllDirectories));
        var (_, csv, _) = await CliRun.Run("query", $"SELECT amount FROM transactions WHERE transaction_id = '{key}'", "--lake", Lake, "--csv");
        Assert.Equal("amount\n12.34", csv.Trim());
    }

    [Fact]
    public async Task Backfill_OfSomethingThatIsNotAnExport_ExitsOneNamingTheLine()
    {
        var export = await WriteExportAsync(["{\"NotItem\":{}}"]);

        var (exit, _, stderr) = await CliRun.Run("backfill", export, "--lake", Lake);

        Assert.Equal(1, exit);
        Assert.Contains(":1: expected {\"Item\":{…}} with the key attribute 'transaction_id'", stderr, StringComparison.Ordinal);
    }

    private static string ExportLine(Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue> item)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("Item");
            DynamoDbJson.WriteItem(writer, item);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private async Task<string> WriteExportAsync(IEnumerable<string> lines)
    {
        var folder = Path.Combine(Root, "export", "data");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, $"{Guid.NewGuid():N}.json.gz");
        await using var stream = File.Create(file);
        await using var gzip = new GZipStream(stream, CompressionLevel.Fastest);
        await using var writer = new StreamWriter(gzip);
        foreach (var line in lines)
        {
            await writer.WriteLineAsync(line);
        }

        return folder;
    }
}
