using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoLake.Local.Pipeline;

namespace DynamoLake.Local.Contracts;

/// <summary>
/// Where <c>contract infer</c> reads from: a live table (DescribeTable for the key, DescribeTimeToLive for the
/// TTL attribute, then a consistent, parallel, bounded Scan of up to the sample's size), or a DynamoDB export
/// (its items; the key and TTL attribute as the user names them, since an export's data files do not carry them).
/// </summary>
internal static class ContractSample
{
    /// <summary>The sampled table's inference, key schema and TTL attribute.</summary>
    public static async Task<(ContractInference Inference, List<(string Attribute, string Type)> Key, string? TimeToLive)> FromTableAsync(
        IAmazonDynamoDB client, string table, int sample, int segments, Action<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        TableDescription description;
        try
        {
            description = (await client.DescribeTableAsync(table, cancellationToken)).Table;
        }
        catch (ResourceNotFoundException)
        {
            throw new PipelineException($"there is no table '{table}' here; check --table, --endpoint and --region.");
        }

        var types = description.AttributeDefinitions.ToDictionary(a => a.AttributeName, a => a.AttributeType.Value, StringComparer.Ordinal);
        var key = description.KeySchema.OrderBy(k => k.KeyType == KeyType.HASH ? 0 : 1).Select(k => (k.AttributeName, types[k.AttributeName])).ToList();
        var ttl = await client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table }, cancellationToken);
        var timeToLive = ttl.TimeToLiveDescription?.TimeToLiveStatus == TimeToLiveStatus.ENABLED ? ttl.TimeToLiveDescription.AttributeName : null;

        var inference = new ContractInference();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await foreach (var item in TableScan.ItemsAsync(client, table, [key[0].AttributeName], segments, progress, stop.Token))
        {
            using (var document = JsonDocument.Parse(item.Value))
            {
                inference.Add(document.RootElement);
            }

            if (inference.Items >= sample)
            {
                break;
            }
        }

        return (inference, key, timeToLive);
    }

    /// <summary>The export's inference, up to the sample's size; the key attributes' types are the ones their values have.</summary>
    public static (ContractInference Inference, List<(string Attribute, string Type)> Key) FromExport(string path, IReadOnlyList<string> keyAttributes, int sample)
    {
        ArgumentNullException.ThrowIfNull(keyAttributes);
        var inference = new ContractInference();
        var keyTypes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, line, item) in ExportReader.Items(path, $" with the key attribute(s) {string.Join(", ", keyAttributes)}"))
        {
            foreach (var attribute in keyAttributes)
            {
                var type = item.TryGetProperty(attribute, out var value) && value.ValueKind == JsonValueKind.Object
                    ? value.EnumerateObject().Select(p => p.Name).FirstOrDefault(t => t is "S" or "N" or "B")
                    : null;
                if (type is null || (keyTypes.TryGetValue(attribute, out var seen) && seen != type))
                {
                    throw new PipelineException($"{file}:{line}: the key attribute '{attribute}' is {(type is null ? "missing or not S, N or B" : $"{type} here and {keyTypes[attribute]} before")}; check --key.");
                }

                keyTypes[attribute] = type;
            }

            inference.Add(item);
            if (inference.Items >= sample)
            {
                break;
            }
        }

        return (inference, keyAttributes.Select(a => (a, keyTypes.GetValueOrDefault(a, "S"))).ToList());
    }
}
