using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Seeder.Tests;

/// <summary>Reads a table back and compares it with the state the workload must leave.</summary>
internal static class SourceTable
{
    public static async Task<Dictionary<string, Dictionary<string, AttributeValue>>> ScanAsync(IAmazonDynamoDB client, string table)
    {
        var items = new Dictionary<string, Dictionary<string, AttributeValue>>(StringComparer.Ordinal);
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await client.ScanAsync(new ScanRequest { TableName = table, ExclusiveStartKey = start, ConsistentRead = true });
            foreach (var item in page.Items ?? [])
            {
                items.Add(item["transaction_id"].S, item);
            }

            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return items;
    }

    /// <summary>The items the table must hold after the workload: deletes gone, updates applied.</summary>
    public static Dictionary<string, Dictionary<string, AttributeValue>> Expected(WorkloadOptions options)
    {
        var expected = new Dictionary<string, Dictionary<string, AttributeValue>>(StringComparer.Ordinal);
        foreach (var w in TransactionGenerator.Items(options))
        {
            if (w.Delete)
            {
                continue;
            }

            var item = new Dictionary<string, AttributeValue>(w.Item, StringComparer.Ordinal);
            if (w.Update is { } update)
            {
                item["status"] = new AttributeValue { S = update.Status };
                item["processing_timestamp"] = new AttributeValue { N = update.ProcessingTimestamp.ToString(CultureInfo.InvariantCulture) };
            }

            expected.Add(w.Key, item);
        }

        return expected;
    }

    /// <summary>Every difference between two item sets, as readable lines; empty when equal (numbers compared as exact decimals).</summary>
    public static List<string> Differences(
        IReadOnlyDictionary<string, Dictionary<string, AttributeValue>> expected,
        IReadOnlyDictionary<string, Dictionary<string, AttributeValue>> actual)
    {
        var differences = new List<string>();
        foreach (var (key, item) in expected)
        {
            if (!actual.TryGetValue(key, out var found))
            {
                differences.Add($"{key}: missing");
                continue;
            }

            foreach (var name in item.Keys.Union(found.Keys))
            {
                if (!item.TryGetValue(name, out var want) || !found.TryGetValue(name, out var got) || !Same(want, got))
                {
                    differences.Add($"{key}.{name}: differs");
                }
            }
        }

        differences.AddRange(actual.Keys.Where(k => !expected.ContainsKey(k)).Select(k => $"{k}: should not exist"));
        return differences;
    }

    private static bool Same(AttributeValue a, AttributeValue b)
    {
        if (a.N is not null || b.N is not null)
        {
            return a.N is not null && b.N is not null
                && decimal.Parse(a.N, NumberStyles.Float, CultureInfo.InvariantCulture) == decimal.Parse(b.N, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        if (a.M is not null || b.M is not null)
        {
            return a.M is not null && b.M is not null && a.M.Count == b.M.Count
                && a.M.All(p => b.M.TryGetValue(p.Key, out var other) && Same(p.Value, other));
        }

        return a.S is not null && a.S == b.S;
    }
}
