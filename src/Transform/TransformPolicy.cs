using System.Text.Json;
using DynamoLake.Core.Buffers;
using DynamoLake.Core.Changes;

namespace Transform;

/// <summary>The Iceberg policy: newest change per key, the row as is, and otfMetadata with the operation.</summary>
internal sealed class TransformPolicy : IRowPolicy
{
    private readonly OperationMode _mode;
    private readonly byte[] _insertMetadata;
    private readonly byte[] _updateMetadata;
    private readonly byte[] _deleteMetadata;

    public TransformPolicy(TransformSettings settings)
    {
        _mode = settings.OperationMode;
        FunctionName = settings.FunctionName;
        _insertMetadata = OtfMetadata(settings, "insert");
        _updateMetadata = OtfMetadata(settings, "update");
        _deleteMetadata = OtfMetadata(settings, "delete");
    }

    public string FunctionName { get; }

    /// <summary>Firehose writes every file, delete files included, in the partition of the record it carries.</summary>
    public bool PartitionScoped => true;

    public void SelectDropped(ChangeBatch batch, Span<bool> dropped) => NewestChangeWins.Mark(batch, dropped);

    public ReasonCode Render(ChangeBatch batch, int index, ByteBuffer scratch, out ReadOnlyMemory<byte> payload, out ReadOnlyMemory<byte> metadata)
    {
        payload = batch.RowMemory(index);
        metadata = batch.Operation(index) switch
        {
            ChangeOperation.Delete => _deleteMetadata,
            ChangeOperation.Insert when _mode == OperationMode.Exact => _insertMetadata,
            _ => _updateMetadata,
        };
        return ReasonCode.None;
    }

    private static byte[] OtfMetadata(TransformSettings settings, string operation)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartObject("otfMetadata");
            json.WriteString("destinationDatabaseName", settings.DatabaseName);
            json.WriteString("destinationTableName", settings.TableName);
            json.WriteString("operation", operation);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }
}
