using System.Buffers.Text;
using DynamoLake.Core.Buffers;

namespace DynamoLake.Core.Firehose;

/// <summary>
/// Writes a transformation response, one entry per request record in order, and keeps it within a byte
/// budget: before each entry it checks that the entry plus the smallest possible entry for every record
/// still to come fits. When it does not, <see cref="TryWriteOk"/> and <see cref="TryWriteFailed"/> return
/// false; the caller then answers that record and all the rest with <see cref="WriteTooLarge"/>.
/// </summary>
public sealed class FirehoseResponseWriter
{
    private static ReadOnlySpan<byte> Open => "{\"records\":["u8;
    private static ReadOnlySpan<byte> Close => "]}"u8;
    private static ReadOnlySpan<byte> IdPrefix => "{\"recordId\":\""u8;
    private static ReadOnlySpan<byte> OkMiddle => "\",\"result\":\"Ok\",\"data\":\""u8;
    private static ReadOnlySpan<byte> DroppedMiddle => "\",\"result\":\"Dropped\",\"data\":\""u8;
    private static ReadOnlySpan<byte> FailedMiddle => "\",\"result\":\"ProcessingFailed\",\"data\":\""u8;
    private static ReadOnlySpan<byte> MetadataPrefix => "\",\"metadata\":"u8;
    private static ReadOnlySpan<byte> EndWithoutMetadata => "\"}"u8;

    /// <summary>Bytes of the smallest entry (ProcessingFailed, empty data), without the recordId and comma.</summary>
    private static readonly int s_minimalOverhead = IdPrefix.Length + FailedMiddle.Length + EndWithoutMetadata.Length;

    private readonly ByteBuffer _output;
    private readonly FirehoseRequest _request;
    private readonly long _maxBytes;
    private long _reservedForRest;
    private int _next;

    public FirehoseResponseWriter(ByteBuffer output, FirehoseRequest request, long maxBytes = FirehoseRequest.DefaultMaxResponseBytes)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(request);
        _output = output;
        _request = request;
        _maxBytes = maxBytes;
        for (var i = 0; i < request.Count; i++)
        {
            _reservedForRest += MinimalEntry(i);
        }

        if (Open.Length + _reservedForRest + Close.Length > maxBytes)
        {
            throw new InvalidFirehoseRequestException($"Not even empty answers for the {request.Count} records fit in {maxBytes} bytes.");
        }

        _output.Write(Open);
    }

    /// <summary>Index of the record the next entry answers.</summary>
    public int Next => _next;

    /// <summary>
    /// An Ok entry whose data is base64 of <paramref name="payload"/> (followed by a newline when
    /// <paramref name="line"/>); <paramref name="metadataJson"/> is a JSON object or empty.
    /// </summary>
    public bool TryWriteOk(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> metadataJson, bool line = false)
    {
        var dataLength = payload.Length + (line ? 1 : 0);
        var size = Comma + IdPrefix.Length + _request[_next].IdLength + OkMiddle.Length + Base64.GetMaxEncodedToUtf8Length(dataLength)
            + (metadataJson.IsEmpty ? EndWithoutMetadata.Length : MetadataPrefix.Length + metadataJson.Length + 1);
        if (!Fits(size))
        {
            return false;
        }

        BeginEntry(OkMiddle);
        var span = _output.GetSpan(Base64.GetMaxEncodedToUtf8Length(dataLength));
        int written;
        if (line)
        {
            // The payload and a newline, as one base64 text: whole groups of three first, then the rest with '\n'.
            Base64.EncodeToUtf8(payload, span, out var consumed, out written, isFinalBlock: false);
            Span<byte> rest = stackalloc byte[3];
            payload[consumed..].CopyTo(rest);
            rest[payload.Length - consumed] = (byte)'\n';
            Base64.EncodeToUtf8(rest[..(payload.Length - consumed + 1)], span[written..], out _, out var last);
            written += last;
        }
        else
        {
            Base64.EncodeToUtf8(payload, span, out _, out written);
        }

        _output.Advance(written);
        if (metadataJson.IsEmpty)
        {
            _output.Write(EndWithoutMetadata);
        }
        else
        {
            _output.Write(MetadataPrefix);
            _output.Write(metadataJson);
            _output.Write((byte)'}');
        }

        EndEntry();
        return true;
    }

    /// <summary>A Dropped entry (no data: nothing is delivered).</summary>
    public void WriteDropped()
    {
        // Smaller than the minimal entry reserved for it, so it always fits.
        BeginEntry(DroppedMiddle);
        _output.Write(EndWithoutMetadata);
        EndEntry();
    }

    /// <summary>A ProcessingFailed entry carrying the record's original data, so the error output holds it as received.</summary>
    public bool TryWriteFailed()
    {
        var raw = _request.RawData(_next);
        var size = Comma + IdPrefix.Length + _request[_next].IdLength + FailedMiddle.Length + raw.Length + EndWithoutMetadata.Length;
        if (!Fits(size))
        {
            return false;
        }

        BeginEntry(FailedMiddle);
        _output.Write(raw);
        _output.Write(EndWithoutMetadata);
        EndEntry();
        return true;
    }

    /// <summary>A ProcessingFailed entry without data: the response had no room left. Always fits.</summary>
    public void WriteTooLarge()
    {
        BeginEntry(FailedMiddle);
        _output.Write(EndWithoutMetadata);
        EndEntry();
    }

    /// <summary>Closes the response; every record must have been answered.</summary>
    public void Complete()
    {
        if (_next != _request.Count)
        {
            throw new InvalidOperationException($"The response answers {_next} of {_request.Count} records.");
        }

        _output.Write(Close);
    }

    private int Comma => _next == 0 ? 0 : 1;

    private bool Fits(long size) =>
        _output.Length + size + (_reservedForRest - MinimalEntry(_next)) + Close.Length <= _maxBytes;

    private long MinimalEntry(int index) => (index == 0 ? 0 : 1) + s_minimalOverhead + _request[index].IdLength;

    private void BeginEntry(ReadOnlySpan<byte> middle)
    {
        if (_next >= _request.Count)
        {
            throw new InvalidOperationException("Every record has been answered already.");
        }

        if (_next > 0)
        {
            _output.Write((byte)',');
        }

        _output.Write(IdPrefix);
        _output.Write(_request.RawRecordId(_next));
        _output.Write(middle);
    }

    private void EndEntry()
    {
        _reservedForRest -= MinimalEntry(_next);
        _next++;
    }
}
