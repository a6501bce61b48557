using System.Text.Json;

namespace DynamoLake.Aws;

/// <summary>What the provisioner reads of an existing table's Iceberg metadata: its format version and current schema.</summary>
internal sealed record IcebergMetadata(int? FormatVersion, JsonDocument Schema) : IDisposable
{
    public void Dispose() => Schema.Dispose();
}
