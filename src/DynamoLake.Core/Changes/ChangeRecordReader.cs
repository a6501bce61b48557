using System.Text.Json;
using DynamoLake.Core.Buffers;
using DynamoLake.Core.Contract;

namespace DynamoLake.Core.Changes;

/// <summary>
/// Reads one DynamoDB change record — Kinesis Data Streams for DynamoDB, DynamoDB Streams, or the same
/// object as EventBridge Pipes delivers it (alone or as a one-element array) — and writes the row of the
/// declared contract: the image's columns, then the derived change-data columns.
/// One pass in the common case (eventName before dynamodb); otherwise the image is found again by offset.
/// </summary>
internal static class ChangeRecordReader
{
    private static readonly JsonReaderOptions s_options = new() { MaxDepth = 256 };

    private static readonly byte[] s_service = "Service"u8.ToArray();
    private static readonly byte[] s_dynamoDbPrincipal = "dynamodb.amazonaws.com"u8.ToArray();

    /// <summary>
    /// Converts <paramref name="json"/> into one row appended to <paramref name="output"/>. On failure the
    /// caller rolls <paramref name="output"/> back. <paramref name="slices"/> receives (start, length) of
    /// every top-level column value.
    /// </summary>
    public static ReasonCode Read(ReadOnlySpan<byte> json, TableContract contract, ByteBuffer output, Span<int> slices, ref int undeclared, out ChangeFacts facts)
    {
        facts = default;
        try
        {
            return ReadCore(json, contract, output, slices, ref undeclared, ref facts);
        }
        catch (JsonException)
        {
            return ReasonCode.InvalidJson;
        }
    }

    private static ReasonCode ReadCore(ReadOnlySpan<byte> json, TableContract contract, ByteBuffer output, Span<int> slices, ref int undeclared, ref ChangeFacts facts)
    {
        var reader = new Utf8JsonReader(json, s_options);
        if (!reader.Read())
        {
            return ReasonCode.InvalidJson;
        }

        var inArray = false;
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            // EventBridge Pipes may hand over the Streams record inside a JSON array: exactly one is a change.
            inArray = true;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ReasonCode.UnknownShape;
            }
        }
        else if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return ReasonCode.UnknownShape;
        }

        var envelope = new Envelope();
        var rowStart = output.Length;
        var reason = ReadEnvelope(ref reader, contract, output, slices, ref undeclared, ref envelope);
        if (reason != ReasonCode.None)
        {
            return reason;
        }

        if (inArray && (!reader.Read() || reader.TokenType != JsonTokenType.EndArray))
        {
            return ReasonCode.UnknownShape;
        }

        // Anything after the document is malformed JSON.
        if (reader.Read())
        {
            return ReasonCode.InvalidJson;
        }

        if (!envelope.HasDynamoDb)
        {
            return ReasonCode.UnknownShape;
        }

        if (envelope.Operation is null)
        {
            return ReasonCode.UnknownEventName;
        }

        facts.Operation = envelope.Operation.Value;
        facts.Shape = envelope.LooksLikeStreams ? ChangeShape.DynamoDbStreams : ChangeShape.KinesisForDynamoDb;
        facts.TtlDelete = envelope.ServiceIdentity;
        facts.SequenceStart = envelope.SequenceStart;
        facts.SequenceLength = envelope.SequenceLength;

        if (envelope.TimeLength == 0)
        {
            return ReasonCode.MissingEventTime;
        }

        reason = EventTime.TryToMicroseconds(json.Slice(envelope.TimeStart, envelope.TimeLength), out facts.EventTimeMicros);
        if (reason != ReasonCode.None)
        {
            return ReasonCode.MissingEventTime;
        }

        if (!envelope.RowWritten)
        {
            var (start, length) = facts.Operation == ChangeOperation.Delete ? (envelope.OldStart, envelope.OldLength) : (envelope.NewStart, envelope.NewLength);
            if (length == 0)
            {
                return ReasonCode.MissingImage;
            }

            output.Length = rowStart;
            var imageReader = new Utf8JsonReader(json.Slice(start, length), s_options);
            imageReader.Read();
            reason = WriteRowColumns(ref imageReader, contract, output, slices, ref undeclared);
            if (reason != ReasonCode.None)
            {
                return reason;
            }
        }

        if (envelope.EventIdLength == 0)
        {
            return ReasonCode.UnknownShape;
        }

        return WriteDerived(contract, json.Slice(envelope.EventIdStart, envelope.EventIdLength), ref facts, output, slices);
    }

    private static ReasonCode ReadEnvelope(ref Utf8JsonReader reader, TableContract contract, ByteBuffer output, Span<int> slices, ref int undeclared, ref Envelope envelope)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("eventName"u8))
            {
                envelope.Operation = reader.TokenType != JsonTokenType.String ? null
                    : reader.ValueSpan.SequenceEqual("INSERT"u8) ? ChangeOperation.Insert
                    : reader.ValueSpan.SequenceEqual("MODIFY"u8) ? ChangeOperation.Update
                    : reader.ValueSpan.SequenceEqual("REMOVE"u8) ? ChangeOperation.Delete
                    : null;
            }
            else if (name.SequenceEqual("eventID"u8))
            {
                if (reader.TokenType == JsonTokenType.String)
                {
                    envelope.EventIdStart = (int)reader.TokenStartIndex + 1;
                    envelope.EventIdLength = reader.ValueSpan.Length;
                }
            }
            else if (name.SequenceEqual("eventVersion"u8))
            {
                envelope.LooksLikeStreams = true;
                reader.Skip();
            }
            else if (name.SequenceEqual("userIdentity"u8))
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    envelope.ServiceIdentity = ReadUserIdentity(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (name.SequenceEqual("dynamodb"u8) && reader.TokenType == JsonTokenType.StartObject)
            {
                envelope.HasDynamoDb = true;
                var reason = ReadDynamoDb(ref reader, contract, output, slices, ref undeclared, ref envelope);
                if (reason != ReasonCode.None)
                {
                    return reason;
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return ReasonCode.None;
    }

    private static bool ReadUserIdentity(ref Utf8JsonReader reader)
    {
        bool service = false, principal = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("type"u8))
            {
                service = reader.TokenType == JsonTokenType.String && reader.ValueSpan.SequenceEqual(s_service);
            }
            else if (name.SequenceEqual("principalId"u8))
            {
                principal = reader.TokenType == JsonTokenType.String && reader.ValueSpan.SequenceEqual(s_dynamoDbPrincipal);
            }
            else
            {
                reader.Skip();
            }
        }

        return service && principal;
    }

    private static ReasonCode ReadDynamoDb(ref Utf8JsonReader reader, TableContract contract, ByteBuffer output, Span<int> slices, ref int undeclared, ref Envelope envelope)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("ApproximateCreationDateTime"u8))
            {
                if (reader.TokenType is JsonTokenType.Number or JsonTokenType.String && !reader.ValueIsEscaped)
                {
                    envelope.TimeStart = (int)reader.TokenStartIndex + (reader.TokenType == JsonTokenType.String ? 1 : 0);
                    envelope.TimeLength = reader.ValueSpan.Length;
                }
            }
            else if (name.SequenceEqual("SequenceNumber"u8))
            {
                envelope.LooksLikeStreams = true;
                if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
                {
                    envelope.SequenceStart = (int)reader.TokenStartIndex + 1;
                    envelope.SequenceLength = reader.ValueSpan.Length;
                }
            }
            else if (reader.TokenType == JsonTokenType.StartObject && (name.SequenceEqual("NewImage"u8) || name.SequenceEqual("OldImage"u8)))
            {
                var isNew = name[0] == (byte)'N';
                var wanted = envelope.Operation is { } op && (op == ChangeOperation.Delete ? !isNew : isNew);
                if (wanted && !envelope.RowWritten)
                {
                    var reason = WriteRowColumns(ref reader, contract, output, slices, ref undeclared);
                    if (reason != ReasonCode.None)
                    {
                        return reason;
                    }

                    envelope.RowWritten = true;
                }
                else
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    var length = (int)reader.BytesConsumed - start;
                    if (isNew)
                    {
                        (envelope.NewStart, envelope.NewLength) = (start, length);
                    }
                    else
                    {
                        (envelope.OldStart, envelope.OldLength) = (start, length);
                    }
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return ReasonCode.None;
    }

    /// <summary>Opens the row object and writes the image's columns (reader on the image's StartObject).</summary>
    private static ReasonCode WriteRowColumns(ref Utf8JsonReader reader, TableContract contract, ByteBuffer output, Span<int> slices, ref int undeclared)
    {
        slices.Fill(-1);
        output.Write((byte)'{');
        var first = true;
        return RowWriter.WriteFields(ref reader, contract.Columns, output, ref first, slices, ref undeclared);
    }

    private static ReasonCode WriteDerived(TableContract contract, ReadOnlySpan<byte> eventId, ref ChangeFacts facts, ByteBuffer output, Span<int> slices)
    {
        var columns = contract.Columns.Columns;
        var first = output.WrittenSpan[^1] == (byte)'{';
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            if (column.Derived == DerivedField.None)
            {
                continue;
            }

            if (!first)
            {
                output.Write((byte)',');
            }

            first = false;
            output.Write(column.JsonPropertyPrefix);
            var start = output.Length;
            switch (column.Derived)
            {
                case DerivedField.Operation:
                    output.Write(facts.Operation switch
                    {
                        ChangeOperation.Insert => "\"insert\""u8,
                        ChangeOperation.Update => "\"update\""u8,
                        _ => "\"delete\""u8,
                    });
                    break;
                case DerivedField.EventTime:
                    RowWriter.WriteInt64(facts.EventTimeMicros, output);
                    break;
                case DerivedField.EventId:
                    var reason = RowWriter.WriteJsonString(eventId, output);
                    if (reason != ReasonCode.None)
                    {
                        return reason;
                    }

                    break;
                case DerivedField.TtlDelete:
                    output.Write(facts.TtlDelete ? "true"u8 : "false"u8);
                    break;
            }

            slices[2 * i] = start;
            slices[(2 * i) + 1] = output.Length - start;
        }

        output.Write((byte)'}');
        return ReasonCode.None;
    }

    private struct Envelope
    {
        public ChangeOperation? Operation;
        public bool LooksLikeStreams;
        public bool ServiceIdentity;
        public bool HasDynamoDb;
        public bool RowWritten;
        public int EventIdStart, EventIdLength;
        public int TimeStart, TimeLength;
        public int SequenceStart, SequenceLength;
        public int NewStart, NewLength;
        public int OldStart, OldLength;
    }
}
