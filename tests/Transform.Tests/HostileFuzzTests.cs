using System.Text;
using System.Text.Json;
using CsCheck;
using DynamoLake.Testing;
using Xunit.Abstractions;

namespace Transform.Tests;

/// <summary>
/// Properties over hostile requests, run through FunctionHandler as Lambda runs it. Iterations:
/// DYNAMOLAKE_FUZZ_ITERATIONS (the CI default keeps the suite fast; the README reports a 100,000-request run).
/// </summary>
public sealed class HostileFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HostileRequests_NeverThrow_AnswerEveryRecordOnce_AndOkRowsKeepTheContract()
    {
        var contract = Harness.Contract;
        long requests = 0, ok = 0, dropped = 0, failed = 0;
        await HostileRecords.Request.SampleAsync(async generated =>
        {
            var (request, count) = generated;
            var log = new StringWriter();
            var function = new Function(contract, new TransformSettings { SourceTableName = "transactions" }, TimeProvider.System, log);
            using var response = await function.FunctionHandler(new MemoryStream(request));
            using var copy = new MemoryStream();
            await response.CopyToAsync(copy);
            var bytes = copy.ToArray();
            Check(bytes.Length <= 6_000_000, "response over 6,000,000 bytes");
            Check(System.Text.Unicode.Utf8.IsValid(bytes), "response is not UTF-8");
            using var document = JsonDocument.Parse(bytes);
            var records = document.RootElement.GetProperty("records").EnumerateArray().ToList();
            Check(records.Select(r => r.GetProperty("recordId").GetString()).SequenceEqual(Enumerable.Range(0, count).Select(i => $"r{i}")), "recordIds differ");
            Interlocked.Increment(ref requests);
            foreach (var record in records)
            {
                var result = record.GetProperty("result").GetString();
                Interlocked.Increment(ref result == "Ok" ? ref ok : ref result == "Dropped" ? ref dropped : ref failed);
                var data = record.GetProperty("data").GetString()!;
                switch (result)
                {
                    case "Ok":
                        OkRow(Convert.FromBase64String(data), contract);
                        var operation = record.GetProperty("metadata").GetProperty("otfMetadata").GetProperty("operation").GetString();
                        Check(operation is "update" or "delete" or "insert", $"operation {operation}");
                        break;
                    case "Dropped":
                        Check(data.Length == 0, "a Dropped record carries data");
                        break;
                    case "ProcessingFailed":
                        break;
                    default:
                        throw new InvalidOperationException($"result {result}");
                }
            }

            Check(!log.ToString().Contains(HostileRecords.Secret, StringComparison.Ordinal), "a record value reached the log");
        }, iter: HostileRecords.Iterations(1_500), threads: 1);

        output.WriteLine($"{requests:N0} requests: {ok:N0} Ok, {dropped:N0} Dropped, {failed:N0} ProcessingFailed records");
        Assert.True(ok > 0 && failed > 0 && dropped > 0, "the generator must reach every outcome");
    }

    [Fact]
    public async Task DamagedEnvelopes_AreAnsweredOrRefusedWithTheDocumentedException_NothingElse()
    {
        var contract = Harness.Contract;
        long answered = 0, refused = 0;
        await Gen.Select(HostileRecords.Request, Gen.Int[0, int.MaxValue], Gen.OneOfConst<byte>(0xFF, 0xC3, (byte)'"', (byte)'\\', (byte)'}', (byte)'[', 0x00)).SampleAsync(async t =>
        {
            var ((request, _), at, b) = t;
            var damaged = (byte[])request.Clone();
            damaged[at % damaged.Length] = b;
            var function = new Function(contract, new TransformSettings(), TimeProvider.System, TextWriter.Null);
            try
            {
                using var response = await function.FunctionHandler(new MemoryStream(damaged));
                using var document = await JsonDocument.ParseAsync(response);
                Interlocked.Increment(ref answered);
            }
            catch (DynamoLake.Core.Firehose.InvalidFirehoseRequestException)
            {
                Interlocked.Increment(ref refused);
            }
        }, iter: HostileRecords.Iterations(1_500), threads: 1);

        output.WriteLine($"damaged envelopes: {answered:N0} answered, {refused:N0} refused");
    }

    [Fact]
    public async Task EscapingCharactersInsideStrings_NeverChangesTheAnswer()
    {
        var contract = Harness.Contract;
        await Gen.Select(HostileRecords.Record, Gen.ULong).SampleAsync(async t =>
        {
            var (record, seed) = t;
            var plain = await Answer(contract, record);
            var spelling = HostileRecords.EscapeSome(record, seed);
            var escaped = await Answer(contract, spelling);
            Check(plain == escaped, $"the escaped spelling answered differently:\n{spelling}\n{plain}\n{escaped}");
        }, iter: HostileRecords.Iterations(1_500), threads: 1);
    }

    /// <summary>The result and the row (or the failure's reason) of a request holding one record.</summary>
    private static async Task<string> Answer(DynamoLake.Core.Contract.TableContract contract, string record)
    {
        var data = Convert.ToBase64String(Encoding.UTF8.GetBytes(record));
        var request = Encoding.UTF8.GetBytes($$"""{"invocationId":"x","records":[{"recordId":"r0","data":"{{data}}"}]}""");
        var log = new StringWriter();
        using var response = await new Function(contract, new TransformSettings(), TimeProvider.System, log).FunctionHandler(new MemoryStream(request));
        using var document = await JsonDocument.ParseAsync(response);
        var answer = document.RootElement.GetProperty("records")[0];
        var result = answer.GetProperty("result").GetString();
        return result == "Ok"
            ? "Ok " + Encoding.UTF8.GetString(Convert.FromBase64String(answer.GetProperty("data").GetString()!))
            : result + " " + JsonDocument.Parse(log.ToString().Split('\n')[0]).RootElement.GetProperty("failedByReason").GetRawText();
    }

    private static void OkRow(byte[] row, DynamoLake.Core.Contract.TableContract contract)
    {
        Check(System.Text.Unicode.Utf8.IsValid(row), "an Ok row is not UTF-8");
        using var document = JsonDocument.Parse(row, new JsonDocumentOptions { AllowDuplicateProperties = false });
        var root = document.RootElement;
        foreach (var column in contract.Columns.Columns)
        {
            Check(root.TryGetProperty(column.Name, out var value), $"column {column.Name} missing");
            Walk(value);
        }

        Check(root.GetProperty("transaction_id").ValueKind == JsonValueKind.String, "no key");

        static void Walk(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.String)
            {
                _ = element.GetString(); // throws on a lone surrogate
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value);
                }
            }
        }
    }

    private static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException(problem);
        }
    }
}
