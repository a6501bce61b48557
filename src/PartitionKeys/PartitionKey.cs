using System.Text;
using DynamoLake.Core.Contract;

namespace PartitionKeys;

/// <summary>One level of the S3 prefix: a date part of the time column, or a column's own value.</summary>
public sealed record PartitionKey(string Name, DatePart Part, Column? Column)
{
    internal byte[] Utf8Name { get; } = Encoding.UTF8.GetBytes(Name);
}
