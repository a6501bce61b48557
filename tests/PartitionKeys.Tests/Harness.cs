using System.Text.Json;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace PartitionKeys.Tests;

internal static class Harness
{
    public static readonly TableContract Contract = TableContract.LoadEmbedded();

    public static PartitionKeysSettings Settings(string? keys = null, string? timeColumn = null) =>
        PartitionKeysSettings.From(Contract, name => name switch
        {
            PartitionKeysSettings.KeysVariable => keys,
            PartitionKeysSettings.TimeColumnVariable => timeColumn,
            _ => null,
        });

    public static async Task<(JsonElement Response, string Log)> Invoke(byte[] request, PartitionKeysSettings? settings = null)
    {
        var log = new StringWriter();
        var function = new Function(Contract, settings ?? Settings(), TimeProvider.System, log);
        using var response = await function.FunctionHandler(new MemoryStream(request));
        return (JsonDocument.Parse(response).RootElement.Clone(), log.ToString());
    }

    public static string EventPath(string name) => Path.Combine(RepoPaths.Root, "events", name + ".json");

    public static IEnumerable<string> EventNames() => SampleEvents.FirehoseEventNames();

    public static string Data(JsonElement record) =>
        System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(record.GetProperty("data").GetString()!));
}
