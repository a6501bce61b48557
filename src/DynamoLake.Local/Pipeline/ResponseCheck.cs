using System.Text.Json;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// Checks a transformation response against the Firehose contract before anything is written: every
/// recordId once and in order, results Ok / Dropped / ProcessingFailed, Ok data that decodes, the metadata
/// the destination needs, and at most 6 MB. A violation stops the run (as Firehose would fail the batch).
/// </summary>
internal static class ResponseCheck
{
    public const int MaxResponseBytes = 6 * 1024 * 1024;

    public static List<ResponseRecord> Check(string function, DeliveryBatch batch, byte[] response, bool icebergMetadata)
    {
        if (response.Length > MaxResponseBytes)
        {
            throw Fail(function, batch, $"the response is {response.Length:N0} bytes, over Lambda's 6 MB");
        }

        using var document = Parse(function, batch, response);
        if (!document.RootElement.TryGetProperty("records", out var records) || records.ValueKind != JsonValueKind.Array)
        {
            throw Fail(function, batch, "the response has no records array");
        }

        if (records.GetArrayLength() != batch.RecordIds.Length)
        {
            throw Fail(function, batch, $"the response has {records.GetArrayLength()} records for {batch.RecordIds.Length} recordIds");
        }

        var checkedRecords = new List<ResponseRecord>(batch.RecordIds.Length);
        var index = 0;
        foreach (var record in records.EnumerateArray())
        {
            var id = record.TryGetProperty("recordId", out var r) ? r.GetString() : null;
            if (id != batch.RecordIds[index])
            {
                throw Fail(function, batch, $"record {index} has recordId '{id}', expected '{batch.RecordIds[index]}' (every recordId once, in order)");
            }

            var result = record.TryGetProperty("result", out var res) ? res.GetString() : null;
            byte[] data = [];
            if (record.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.String && result == "Ok" && !d.TryGetBytesFromBase64(out data!))
            {
                throw Fail(function, batch, $"record {id}: Ok data is not base64");
            }

            string? operation = null;
            string? destination = null;
            List<KeyValuePair<string, string>>? keys = null;
            switch (result)
            {
                case "Ok" when icebergMetadata:
                    operation = record.TryGetProperty("metadata", out var m) && m.TryGetProperty("otfMetadata", out var otf) && otf.TryGetProperty("operation", out var op) ? op.GetString() : null;
                    if (operation is not ("insert" or "update" or "delete"))
                    {
                        throw Fail(function, batch, $"record {id}: Ok without otfMetadata.operation insert, update or delete");
                    }

                    destination = m.GetProperty("otfMetadata").TryGetProperty("destinationTableName", out var table) && table.ValueKind == JsonValueKind.String ? table.GetString() : null;
                    if (string.IsNullOrEmpty(destination))
                    {
                        throw Fail(function, batch, $"record {id}: Ok without otfMetadata.destinationTableName");
                    }

                    break;
                case "Ok":
                    if (!record.TryGetProperty("metadata", out var pm) || !pm.TryGetProperty("partitionKeys", out var pk) || pk.ValueKind != JsonValueKind.Object)
                    {
                        throw Fail(function, batch, $"record {id}: Ok without metadata.partitionKeys");
                    }

                    keys = [.. pk.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString() ?? ""))];
                    break;
                case "Dropped" or "ProcessingFailed":
                    break;
                default:
                    throw Fail(function, batch, $"record {id}: result '{result}' is not Ok, Dropped or ProcessingFailed");
            }

            checkedRecords.Add(new ResponseRecord(index, result!, data, operation, keys, destination));
            index++;
        }

        return checkedRecords;
    }

    private static JsonDocument Parse(string function, DeliveryBatch batch, byte[] response)
    {
        try
        {
            return JsonDocument.Parse(response, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw Fail(function, batch, $"the response is not JSON ({e.Message})");
        }
    }

    private static PipelineException Fail(string function, DeliveryBatch batch, string problem) =>
        new($"{function} broke the Firehose contract on the request starting at recordId {batch.RecordIds.FirstOrDefault()}: {problem}.");
}
