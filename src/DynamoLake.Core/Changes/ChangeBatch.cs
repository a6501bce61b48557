using System.Buffers;
using System.Buffers.Text;
using DynamoLake.Core.Buffers;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Firehose;

namespace DynamoLake.Core.Changes;

/// <summary>
/// Every record of one Firehose request turned into a row of the contract, or a reason why not.
/// Rows live back to back in one pooled buffer; per record we keep the outcome, the change facts, and
/// where each top-level column's value sits in its row (for keys and partition values).
/// </summary>
public sealed class ChangeBatch : IDisposable
{
    private readonly FirehoseRequest _request;
    private readonly ChangeRoutes _routes;
    private readonly ByteBuffer _rows;
    private readonly ByteBuffer _sequences;
    private readonly int _columns;
    private RecordState[] _states;
    private int[] _slices;
    private readonly Column?[]?[] _hints; // by route: this request's learnt attribute order

    private readonly bool _partitionScoped;

    private ChangeBatch(FirehoseRequest request, ChangeRoutes routes, bool partitionScoped)
    {
        _partitionScoped = partitionScoped;
        _request = request;
        _routes = routes;
        _columns = routes.MostColumns;
        _rows = new ByteBuffer(Math.Max(request.Length / 2, 4096));
        _sequences = new ByteBuffer(Math.Max(request.Count * 24, 256));
        _states = ArrayPool<RecordState>.Shared.Rent(Math.Max(request.Count, 1));
        _slices = ArrayPool<int>.Shared.Rent(Math.Max(request.Count * _columns * 2, 1));
        _hints = new Column?[]?[routes.Count];
    }

    public FirehoseRequest Request => _request;

    public ChangeRoutes Routes => _routes;

    /// <summary>The contract (destination table) a converted record is a row of.</summary>
    public TableContract Contract(int index) => _routes[_states[index].Route];

    /// <summary>The index of the contract a converted record is a row of, in <see cref="Routes"/>.</summary>
    public int Route(int index) => _states[index].Route;

    public int Count => _request.Count;

    /// <summary>Attributes met in images that the contract does not declare (left out of the rows).</summary>
    public int UndeclaredAttributes { get; private set; }

    /// <summary>Converts every record of <paramref name="request"/>. Never throws for a bad record.</summary>
    /// <param name="request">The Firehose request.</param>
    /// <param name="routes">
    /// The contracts and the tables they read: a change that names a table none reads (several tables can
    /// share one Kinesis stream) is marked <see cref="FromOtherTable"/> instead of becoming a row.
    /// </param>
    /// <param name="partitionScoped">Deletes apply only in the row's partition (Firehose to Iceberg): see <see cref="IRowPolicy.PartitionScoped"/>.</param>
    public static ChangeBatch Convert(FirehoseRequest request, ChangeRoutes routes, bool partitionScoped = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(routes);
        var batch = new ChangeBatch(request, routes, partitionScoped);
        try
        {
            batch.ConvertAll();
            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    public ReasonCode Reason(int index) => _states[index].Reason;

    /// <summary>Converted into a row of our table (not failed, not another table's change).</summary>
    public bool Succeeded(int index) => _states[index].Reason == ReasonCode.None && !_states[index].OtherTable;

    /// <summary>A change of a table no contract reads (SOURCE_TABLE_NAME, or the contracts' <c>source.table</c>).</summary>
    public bool FromOtherTable(int index) => _states[index].OtherTable;

    /// <summary>A delete built from the change's Keys (a REMOVE without OldImage): only the key columns hold values.</summary>
    public bool KeysOnly(int index) => _states[index].KeysOnly;

    public ChangeOperation Operation(int index) => _states[index].Operation;

    public ChangeShape Shape(int index) => _states[index].Shape;

    public bool TtlDelete(int index) => _states[index].TtlDelete;

    public long EventTimeMicros(int index) => _states[index].EventTimeMicros;

    /// <summary>The row JSON of a converted record.</summary>
    public ReadOnlySpan<byte> Row(int index) => _rows.Slice(_states[index].RowStart, _states[index].RowLength);

    /// <summary>The row JSON of a converted record, as memory (valid until the batch is disposed).</summary>
    public ReadOnlyMemory<byte> RowMemory(int index) => _rows.WrittenMemory.Slice(_states[index].RowStart, _states[index].RowLength);

    /// <summary>The raw JSON value of a top-level column in a converted record's row (e.g. <c>"us-east-1"</c>, <c>1763900000000000</c>, <c>null</c>).</summary>
    public ReadOnlySpan<byte> ColumnValue(int index, Column column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var at = ((index * _columns) + column.Index) * 2;
        var start = _slices[at];
        return start < 0 ? "null"u8 : _rows.Slice(start, _slices[at + 1]);
    }

    /// <summary>Hash of the destination and unique-key values of a converted record.</summary>
    public int KeyHash(int index)
    {
        var hash = default(HashCode);
        hash.Add(_states[index].Route);
        var key = Contract(index).UniqueKey;
        for (var k = 0; k < key.Count; k++) // not foreach: an interface's enumerator is an allocation a call
        {
            hash.AddBytes(ColumnValue(index, key[k]));
        }

        return hash.ToHashCode();
    }

    /// <summary>Whether two converted records carry the same unique key of the same destination table.</summary>
    public bool SameKey(int a, int b)
    {
        if (_states[a].Route != _states[b].Route)
        {
            return false;
        }

        var key = Contract(a).UniqueKey;
        for (var k = 0; k < key.Count; k++)
        {
            if (!ColumnValue(a, key[k]).SequenceEqual(ColumnValue(b, key[k])))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Orders two changes of the same item: event time, then sequence number (DynamoDB Streams
    /// SequenceNumber, or the Kinesis sequence and subsequence), then position in the request.
    /// </summary>
    public int CompareRecency(int a, int b)
    {
        var byTime = _states[a].EventTimeMicros.CompareTo(_states[b].EventTimeMicros);
        if (byTime != 0)
        {
            return byTime;
        }

        var bySequence = CompareNumericText(Sequence(a), Sequence(b));
        if (bySequence != 0)
        {
            return bySequence;
        }

        var bySubsequence = _request[a].Subsequence.CompareTo(_request[b].Subsequence);
        return bySubsequence != 0 ? bySubsequence : a.CompareTo(b);
    }

    public void Dispose()
    {
        _rows.Dispose();
        _sequences.Dispose();
        if (_states.Length > 0)
        {
            ArrayPool<RecordState>.Shared.Return(_states);
            _states = [];
        }

        if (_slices.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_slices);
            _slices = [];
        }
    }

    private ReadOnlySpan<byte> Sequence(int index) => _sequences.Slice(_states[index].SequenceStart, _states[index].SequenceLength);

    private static int CompareNumericText(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        a = a.TrimStart((byte)'0');
        b = b.TrimStart((byte)'0');
        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.SequenceCompareTo(b);
    }

    private void ConvertAll()
    {
        var scratch = ArrayPool<byte>.Shared.Rent(4096);
        var undeclared = 0;
        try
        {
            for (var i = 0; i < _request.Count; i++)
            {
                ref var state = ref _states[i];
                state = default;
                var rowStart = _rows.Length;
                var reason = ConvertOne(i, ref scratch, ref state, ref undeclared);
                if (reason == ReasonCode.None && state.OtherTable)
                {
                    _rows.Length = rowStart; // another table's change: no row is kept
                }
                else if (reason == ReasonCode.None)
                {
                    state.RowStart = rowStart;
                    state.RowLength = _rows.Length - rowStart;
                }
                else
                {
                    _rows.Length = rowStart;
                    state.Reason = reason;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }

        UndeclaredAttributes = undeclared;
    }

    private ReasonCode ConvertOne(int index, ref byte[] scratch, ref RecordState state, ref int undeclared)
    {
        ref readonly var record = ref _request[index];
        if (!record.HasData)
        {
            return ReasonCode.MissingData;
        }

        ReadOnlySpan<byte> base64 = _request.RawData(index);
        if (record.DataEscaped)
        {
            // JSON allows escapes such as \/ inside the base64 string; rare, so done the simple way. Text
            // that does not unescape to Unicode (a lone surrogate) cannot be base64 either.
            try
            {
                base64 = JsonText.Unescape(base64, []);
            }
            catch (System.Text.Json.JsonException)
            {
                return ReasonCode.InvalidBase64;
            }
        }

        var needed = Base64.GetMaxDecodedFromUtf8Length(base64.Length);
        if (scratch.Length < needed)
        {
            ArrayPool<byte>.Shared.Return(scratch);
            scratch = ArrayPool<byte>.Shared.Rent(needed);
        }

        if (Base64.DecodeFromUtf8(base64, scratch, out _, out var decodedLength) != OperationStatus.Done)
        {
            return ReasonCode.InvalidBase64;
        }

        var json = scratch.AsSpan(0, decodedLength);
        var oneContract = _routes.OneContract;
        if (!oneContract)
        {
            // Several contracts: the record's table and entity choose one before its row is written.
            state.Route = _routes.Choose(json);
            if (state.Route == ChangeRoutes.OtherTable)
            {
                (state.Route, state.OtherTable) = (0, true);
                return ReasonCode.None;
            }

            if (state.Route is ChangeRoutes.NoEntity or ChangeRoutes.EntityMoved)
            {
                var refused = state.Route == ChangeRoutes.NoEntity ? ReasonCode.UnknownEntity : ReasonCode.EntityMoved;
                state.Route = 0;
                return refused;
            }
        }

        var sourceTable = oneContract ? _routes.SourceTable : null;
        var slices = _slices.AsSpan(index * _columns * 2, _columns * 2);
        var contract = _routes[state.Route];
        var reason = ChangeRecordReader.Read(json, contract, _rows, slices, ref undeclared, out var facts, _partitionScoped, _hints[state.Route] ??= contract.NewColumnHints());
        if (reason != ReasonCode.None)
        {
            // Another table's change on a shared stream is not ours to fail, whatever its shape.
            if (sourceTable is not null && ChangeRecordReader.FailedRecordNamesOtherTable(json, sourceTable))
            {
                state.OtherTable = true;
                return ReasonCode.None;
            }

            return reason;
        }

        state.Operation = facts.Operation;
        state.KeysOnly = facts.KeysOnly;
        state.OtherTable = sourceTable is not null && facts.TableLength > 0
            && ChangeRecordReader.NamesOtherTable(json.Slice(facts.TableStart, facts.TableLength), facts.TableEscaped, facts.TableIsArn, sourceTable);
        state.Shape = facts.Shape;
        state.TtlDelete = facts.TtlDelete;
        state.EventTimeMicros = facts.EventTimeMicros;
        state.SequenceStart = _sequences.Length;
        _sequences.Write(facts.SequenceLength > 0 ? json.Slice(facts.SequenceStart, facts.SequenceLength) : _request.KinesisSequence(index));
        state.SequenceLength = _sequences.Length - state.SequenceStart;
        return ReasonCode.None;
    }

    private struct RecordState
    {
        public ReasonCode Reason;
        public ChangeOperation Operation;
        public ChangeShape Shape;
        public bool TtlDelete;
        public bool KeysOnly;
        public bool OtherTable;
        public int Route;
        public long EventTimeMicros;
        public int RowStart;
        public int RowLength;
        public int SequenceStart;
        public int SequenceLength;
    }
}
