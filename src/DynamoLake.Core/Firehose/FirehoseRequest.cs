using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace DynamoLake.Core.Firehose;

/// <summary>
/// A Firehose data-transformation request held as its bytes (pooled) plus the position of each record's
/// recordId, data and Kinesis metadata. Read once with <see cref="Utf8JsonReader"/>; no strings per record.
/// </summary>
public sealed class FirehoseRequest : IDisposable
{
    /// <summary>Lambda's synchronous payload limit, which bounds request and response alike.</summary>
    public const int MaxPayloadBytes = 6 * 1024 * 1024;

    /// <summary>
    /// The response budget we keep: 6,000,000 bytes, well inside <see cref="MaxPayloadBytes"/>, because Lambda
    /// compares its limit with the response after its own framing and an oversized response fails the whole
    /// invocation (every record retried, then error-output).
    /// </summary>
    public const int DefaultMaxResponseBytes = 6_000_000;

    private static readonly JsonReaderOptions s_options = new() { MaxDepth = 64 };

    private byte[] _buffer;
    private readonly int _length;
    private FirehoseRecord[] _records;

    private FirehoseRequest(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
        _records = ArrayPool<FirehoseRecord>.Shared.Rent(64);
    }

    public string? InvocationId { get; private set; }

    public string? DeliveryStreamArn { get; private set; }

    public string? SourceKinesisStreamArn { get; private set; }

    public string? Region { get; private set; }

    public int Count { get; private set; }

    /// <summary>Size of the request in bytes.</summary>
    public int Length => _length;

    internal ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _length);

    internal ref readonly FirehoseRecord this[int index] => ref _records[index];

    /// <summary>The recordId as it appeared between its quotes (valid JSON string text).</summary>
    internal ReadOnlySpan<byte> RawRecordId(int index) => _buffer.AsSpan(_records[index].IdStart, _records[index].IdLength);

    /// <summary>The record's base64 data as it appeared between its quotes.</summary>
    internal ReadOnlySpan<byte> RawData(int index) =>
        _records[index].HasData ? _buffer.AsSpan(_records[index].DataStart, _records[index].DataLength) : [];

    /// <summary>The Kinesis sequence number digits (empty for a Direct PUT source).</summary>
    internal ReadOnlySpan<byte> KinesisSequence(int index) => _buffer.AsSpan(_records[index].SequenceStart, _records[index].SequenceLength);

    public string RecordId(int index) => Encoding.UTF8.GetString(RawRecordId(index));

    /// <summary>Reads and indexes a whole request. Throws <see cref="InvalidFirehoseRequestException"/> when it is not one.</summary>
    public static async ValueTask<FirehoseRequest> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var capacity = stream.CanSeek ? (int)Math.Min(Math.Max(stream.Length - stream.Position, 0) + 1, int.MaxValue - 64) : 64 * 1024;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 1024));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        var request = new FirehoseRequest(buffer, length);
        try
        {
            request.Index();
            return request;
        }
        catch
        {
            request.Dispose();
            throw;
        }
    }

    /// <summary>Indexes a request already in memory (copied into a pooled buffer).</summary>
    public static FirehoseRequest Parse(ReadOnlySpan<byte> json)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(json.Length, 1));
        json.CopyTo(buffer);
        var request = new FirehoseRequest(buffer, json.Length);
        try
        {
            request.Index();
            return request;
        }
        catch
        {
            request.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        if (_records.Length > 0)
        {
            ArrayPool<FirehoseRecord>.Shared.Return(_records);
            _records = [];
        }
    }

    private void Index()
    {
        var reader = new Utf8JsonReader(_buffer.AsSpan(0, _length), s_options);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid("the request is not a JSON object");
            }

            var sawRecords = false;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            Span<byte> scratch = stackalloc byte[64];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = PropertyName(ref reader, scratch);
                var known = name.SequenceEqual("records"u8) ? "records"
                    : name.SequenceEqual("invocationId"u8) ? "invocationId"
                    : name.SequenceEqual("deliveryStreamArn"u8) ? "deliveryStreamArn"
                    : name.SequenceEqual("sourceKinesisStreamArn"u8) ? "sourceKinesisStreamArn"
                    : name.SequenceEqual("region"u8) ? "region"
                    : null;
                if (known is not null && !seen.Add(known))
                {
                    throw Invalid($"\"{known}\" appears twice; which one would be answered?");
                }

                reader.Read();
                switch (known)
                {
                    case "records":
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            throw Invalid("\"records\" is not an array");
                        }

                        sawRecords = true;
                        ReadRecords(ref reader);
                        break;
                    case "invocationId":
                        InvocationId = OptionalString(ref reader, known);
                        break;
                    case "deliveryStreamArn":
                        DeliveryStreamArn = OptionalString(ref reader, known);
                        break;
                    case "sourceKinesisStreamArn":
                        SourceKinesisStreamArn = OptionalString(ref reader, known);
                        break;
                    case "region":
                        Region = OptionalString(ref reader, known);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (!sawRecords)
            {
                throw Invalid("there is no \"records\" array");
            }

            if (reader.Read())
            {
                throw Invalid("there is data after the request object");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidFirehoseRequestException($"Not a Firehose transformation request: the JSON is malformed ({e.Message})", e);
        }
    }

    private void ReadRecords(ref Utf8JsonReader reader)
    {
        Span<byte> scratch = stackalloc byte[64];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid($"records[{Count}] is not an object");
            }

            int idStart = -1, idLength = 0, dataStart = 0, dataLength = -1, sequenceStart = 0, sequenceLength = 0;
            var dataEscaped = false;
            var sawData = false;
            long arrival = 0, subsequence = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = PropertyName(ref reader, scratch);
                var isId = name.SequenceEqual("recordId"u8);
                var isData = name.SequenceEqual("data"u8);
                var isArrival = name.SequenceEqual("approximateArrivalTimestamp"u8);
                var isMetadata = name.SequenceEqual("kinesisRecordMetadata"u8);
                reader.Read();
                if (isId)
                {
                    if (idStart >= 0)
                    {
                        throw Invalid($"records[{Count}] has \"recordId\" twice");
                    }

                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Invalid($"records[{Count}].recordId is not a string");
                    }

                    // The recordId is echoed in the response: it must be text we can write back as it came.
                    if (!Changes.JsonText.IsUnicodeText(reader.ValueSpan))
                    {
                        throw Invalid($"records[{Count}].recordId is not valid UTF-8 / Unicode text");
                    }

                    idStart = (int)reader.TokenStartIndex + 1;
                    idLength = reader.ValueSpan.Length;
                }
                else if (isData)
                {
                    if (sawData)
                    {
                        throw Invalid($"records[{Count}] has \"data\" twice");
                    }

                    sawData = true;
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        dataStart = (int)reader.TokenStartIndex + 1;
                        dataLength = reader.ValueSpan.Length;
                        dataEscaped = reader.ValueIsEscaped;
                    }
                    else
                    {
                        reader.Skip(); // a record without usable data fails on its own (missing_data)
                    }
                }
                else if (isArrival)
                {
                    arrival = NumberOrString(ref reader);
                }
                else if (isMetadata && reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var inner = PropertyName(ref reader, scratch);
                        var isSequence = inner.SequenceEqual("sequenceNumber"u8);
                        var isSubsequence = inner.SequenceEqual("subsequenceNumber"u8);
                        reader.Read();
                        if (isSequence && reader.TokenType is JsonTokenType.String or JsonTokenType.Number && !reader.ValueIsEscaped)
                        {
                            sequenceStart = (int)reader.TokenStartIndex + (reader.TokenType == JsonTokenType.String ? 1 : 0);
                            sequenceLength = reader.ValueSpan.Length;
                        }
                        else if (isSubsequence)
                        {
                            subsequence = NumberOrString(ref reader);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (idStart < 0)
            {
                throw Invalid($"records[{Count}] has no recordId, so no response could name it");
            }

            if (Count == _records.Length)
            {
                var bigger = ArrayPool<FirehoseRecord>.Shared.Rent(_records.Length * 2);
                _records.AsSpan(0, Count).CopyTo(bigger);
                ArrayPool<FirehoseRecord>.Shared.Return(_records);
                _records = bigger;
            }

            _records[Count++] = new FirehoseRecord(idStart, idLength, dataStart, dataLength, dataEscaped, arrival, sequenceStart, sequenceLength, subsequence);
        }
    }

    /// <summary>Firehose and AWS samples send timestamps and subsequenceNumber as numbers or strings ("" too).</summary>
    private static long NumberOrString(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetInt64(out var number):
                return number;
            case JsonTokenType.Number:
                // 1.5e12, or 1e400 (not a double at all): a timestamp we cannot use is 0, never an exception.
                return reader.TryGetDouble(out var real) && double.IsFinite(real) && Math.Abs(real) < long.MaxValue ? (long)real : 0;
            case JsonTokenType.String when Utf8Parser.TryParse(reader.ValueSpan, out long parsed, out var consumed) && consumed == reader.ValueSpan.Length:
                return parsed;
            case JsonTokenType.String:
            case JsonTokenType.Null:
                return 0;
            default:
                reader.Skip();
                return 0;
        }
    }

    /// <summary>A property name, unescaped (<c>"\u0072ecords"</c> is records); a name that is not Unicode text refuses the request.</summary>
    private static ReadOnlySpan<byte> PropertyName(scoped ref readonly Utf8JsonReader reader, Span<byte> scratch)
    {
        try
        {
            return Changes.JsonText.Unescaped(in reader, scratch);
        }
        catch (JsonException e)
        {
            throw new InvalidFirehoseRequestException("Not a Firehose transformation request: a property name is not valid Unicode text.", e);
        }
    }

    private static string? OptionalString(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (!Changes.JsonText.IsUnicodeText(reader.ValueSpan))
            {
                throw Invalid($"\"{name}\" is not valid UTF-8 / Unicode text");
            }

            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    private static InvalidFirehoseRequestException Invalid(string problem) => new($"Not a Firehose transformation request: {problem}.");
}
