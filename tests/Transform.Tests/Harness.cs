using System.Text;
using System.Text.Json;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace Transform.Tests;

/// <summary>Runs the Function through its Lambda entry point and reads the response back.</summary>
internal static class Harness
{
    public static readonly TableContract Contract = TableContract.LoadEmbedded();

    public static string EventPath(string name) => Path.Combine(RepoPaths.Root, "events", name + ".json");

    public static string ExpectedPath(string name) => Path.Combine(RepoPaths.Root, "events", "expected", name + ".response.json");

    public static Task<Invocation> Invoke(byte[] request, TransformSettings? settings = null, TableContract? contract = null) =>
        Invoke(request, ContractSet.Of([contract ?? Contract], settings?.SourceTableName), settings);

    /// <summary>The Transform over several contracts (CONTRACT naming several files).</summary>
    public static async Task<Invocation> Invoke(byte[] request, ContractSet contracts, TransformSettings? settings = null)
    {
        var log = new StringWriter();
        var function = new Function(contracts, settings ?? new TransformSettings(), new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(1795427000000)), log);
        using var response = await function.FunctionHandler(new MemoryStream(request));
        using var copy = new MemoryStream();
        await response.CopyToAsync(copy);
        return new Invocation(copy.ToArray(), log.ToString());
    }

    /// <summary>The embedded contract with another partition spec (JSON text of the partitionSpec array).</summary>
    public static TableContract WithPartitionSpec(string spec)
    {
        var contract = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "schema", "transactions.json")))!;
        contract["partitionSpec"] = System.Text.Json.Nodes.JsonNode.Parse(spec);
        return TableContract.Parse(Encoding.UTF8.GetBytes(contract.ToJsonString()), "test contract");
    }

    /// <summary>A Firehose transformation request of change records (JSON text each), record ids r0, r1, ….</summary>
    public static byte[] Request(params string[] changes) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["invocationId"] = "inv",
            ["records"] = changes.Select((c, i) => new Dictionary<string, object>
            {
                ["recordId"] = $"r{i}",
                ["approximateArrivalTimestamp"] = 1795426800000L,
                ["data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(c)),
            }).ToArray(),
        });

    public static Task<Invocation> InvokeEvent(string name, TransformSettings? settings = null) =>
        Invoke(File.ReadAllBytes(EventPath(name)), settings);
}

internal sealed record Invocation(byte[] Response, string Log)
{
    public JsonElement Json => JsonDocument.Parse(Response).RootElement;

    public IReadOnlyList<JsonElement> Records => Json.GetProperty("records").EnumerateArray().ToList();

    public IReadOnlyList<string?> Results => Records.Select(r => r.GetProperty("result").GetString()).ToList();

    public JsonElement Row(int index) => JsonDocument.Parse(Convert.FromBase64String(Records[index].GetProperty("data").GetString()!)).RootElement;

    public string? Operation(int index) =>
        Records[index].TryGetProperty("metadata", out var m) ? m.GetProperty("otfMetadata").GetProperty("operation").GetString() : null;

    /// <summary>The Iceberg table a record goes to (otfMetadata's destinationTableName), or null.</summary>
    public string? Destination(int index) =>
        Records[index].TryGetProperty("metadata", out var m) ? m.GetProperty("otfMetadata").GetProperty("destinationTableName").GetString() : null;

    public JsonElement LogLine => JsonDocument.Parse(Log.Split('\n')[0]).RootElement;

    public string Text => Encoding.UTF8.GetString(Response);
}

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
