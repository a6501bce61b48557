using DynamoLake.Core.Buffers;

namespace DynamoLake.Core.Changes;

/// <summary>What a function does with the converted rows: the only part that differs between functions.</summary>
public interface IRowPolicy
{
    /// <summary>Name used in logs and metrics.</summary>
    string FunctionName { get; }

    /// <summary>
    /// The rows go to an Iceberg table through Firehose, which applies a delete only in the partition of the
    /// row that carries it: changes that would move a row between partitions, or deletes whose partition is
    /// unknown, must fail (see <see cref="ReasonCode.PartitionMoved"/>, <see cref="ReasonCode.UnknownPartition"/>).
    /// </summary>
    bool PartitionScoped { get; }

    /// <summary>
    /// Each payload is one line of JSON Lines: the response carries it with a newline after it, added as it is
    /// encoded (the row is not copied to append one).
    /// </summary>
    bool JsonLines => false;

    /// <summary>Marks in <paramref name="dropped"/> the converted records not to deliver (all false on entry).</summary>
    void SelectDropped(ChangeBatch batch, Span<bool> dropped);

    /// <summary>
    /// Renders one converted record: the payload Firehose delivers and the response metadata object
    /// (or empty), either pointing into the batch or written into <paramref name="scratch"/> (cleared per
    /// record). Returns a reason code when the record must fail instead.
    /// </summary>
    ReasonCode Render(ChangeBatch batch, int index, ByteBuffer scratch, out ReadOnlyMemory<byte> payload, out ReadOnlyMemory<byte> metadata);
}
