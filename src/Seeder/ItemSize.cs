using System.Text;
using Amazon.DynamoDBv2.Model;

namespace Seeder;

/// <summary>
/// An upper estimate of an item's size as DynamoDB counts it (attribute names plus values), to refuse
/// items over the 400 KB limit before sending them rather than fail a whole batch.
/// </summary>
internal static class ItemSize
{
    public const int MaxItemBytes = 400 * 1024;

    public static long Of(Dictionary<string, AttributeValue> item)
    {
        long size = 0;
        foreach (var (name, value) in item)
        {
            size += Encoding.UTF8.GetByteCount(name) + Of(value);
        }

        return size;
    }

    private static long Of(AttributeValue value)
    {
        if (value.S is { } s)
        {
            return Encoding.UTF8.GetByteCount(s);
        }

        if (value.N is { } n)
        {
            return 1 + ((n.Length + 1) / 2);
        }

        if (value.B is { } b)
        {
            return b.Length;
        }

        long size = 3;
        if (value.M is { } map)
        {
            foreach (var (name, nested) in map)
            {
                size += 1 + Encoding.UTF8.GetByteCount(name) + Of(nested);
            }
        }

        if (value.L is { } list)
        {
            foreach (var nested in list)
            {
                size += 1 + Of(nested);
            }
        }

        foreach (var text in (IEnumerable<string>?)value.SS ?? (IEnumerable<string>?)value.NS ?? [])
        {
            size += Encoding.UTF8.GetByteCount(text);
        }

        foreach (var bytes in value.BS ?? [])
        {
            size += bytes.Length;
        }

        return size;
    }
}
