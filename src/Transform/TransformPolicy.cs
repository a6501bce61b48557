using System.Text.Json;
using DynamoLake.Core.Buffers;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;

namespace Transform;

/// <summary>
/// The Iceberg policy: newest change per key, the row as is, and otfMetadata with the operation and the
/// destination table — per record, so that one delivery stream writes every contract's table.
/// </summary>
internal sealed class TransformPolicy : IRowPolicy
{
    private readonly OperationMode _mode;
    private readonly byte[][] _insertMetadata;
    private readonly byte[][] _updateMetadata;
    private readonly byte[][] _deleteMetadata;

    /// <param name="settings">The function's settings.</param>
    /// <param name="contracts">The contracts: one writes DESTINATION_TABLE; several write each its own <c>table</c>.</param>
    public TransformPolicy(TransformSettings settings, ContractSet contracts)
    {
        _mode = settings.OperationMode;
        FunctionName = settings.FunctionName;
        var tables = Destinations(settings, contracts);
        _insertMetadata = [.. tables.Select(t => OtfMetadata(settings.DatabaseName, t, "insert"))];
        _updateMetadata = [.. tables.Select(t => OtfMetadata(settings.DatabaseName, t, "update"))];
        _deleteMetadata = [.. tables.Select(t => OtfMetadata(settings.DatabaseName, t, "delete"))];
    }

    /// <summary>Each contract's Iceberg table: DESTINATION_TABLE for the only one; each one's <c>table</c> for several (DESTINATION_TABLE unset).</summary>
    /// <exception cref="InvalidOperationException">Several contracts and DESTINATION_TABLE set: which table it names would be a guess.</exception>
    public static IReadOnlyList<string> Destinations(TransformSettings settings, ContractSet contracts)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(contracts);
        if (contracts.Count == 1)
        {
            return [settings.TableName ?? contracts.Contracts[0].Table];
        }

        return settings.TableName is null
            ? [.. contracts.Contracts.Select(c => c.Table)]
            : throw new InvalidOperationException($"{TransformSettings.TableVariable} is \"{settings.TableName}\", but CONTRACT names {contracts.Count} contracts, each writing its own table: leave {TransformSettings.TableVariable} unset.");
    }

    public string FunctionName { get; }

    /// <summary>Firehose writes every file, delete files included, in the partition of the record it carries.</summary>
    public bool PartitionScoped => true;

    public void SelectDropped(ChangeBatch batch, Span<bool> dropped) => NewestChangeWins.Mark(batch, dropped);

    public ReasonCode Render(ChangeBatch batch, int index, ByteBuffer scratch, out ReadOnlyMemory<byte> payload, out ReadOnlyMemory<byte> metadata)
    {
        payload = batch.RowMemory(index);
        var route = batch.Route(index);
        metadata = batch.Operation(index) switch
        {
            ChangeOperation.Delete => _deleteMetadata[route],
            ChangeOperation.Insert when _mode == OperationMode.Exact => _insertMetadata[route],
            _ => _updateMetadata[route],
        };
        return ReasonCode.None;
    }

    private static byte[] OtfMetadata(string database, string table, string operation)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartObject("otfMetadata");
            json.WriteString("destinationDatabaseName", database);
            json.WriteString("destinationTableName", table);
            json.WriteString("operation", operation);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }
}
