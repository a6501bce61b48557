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

    private static readonly byte[] s_service = "Service"u8.ToArray();
    private static readonly byte[] s_dynamoDbPrincipal = "dynamodb.amazonaws.com"u8.ToArray();

    /// <summary>
    /// Converts <paramref name="json"/> into one row appended to <paramref name="output"/>. On failure the
    /// caller rolls <paramref name="output"/> back. <paramref name="slices"/> receives (start, length) of
    /// every top-level column value.
    /// </summary>
    /// <param name="partitionScoped">
    /// The rows go to a table whose deletes apply only in the partition of the row that carries them (Firehose
    /// to Iceberg): a MODIFY that moves the row to another partition is <see cref="ReasonCode.PartitionMoved"/>,
    /// and a REMOVE without OldImage whose partition the key cannot tell is <see cref="ReasonCode.UnknownPartition"/>.
    /// </param>
    public static ReasonCode Read(ReadOnlySpan<byte> json, TableContract contract, ByteBuffer output, Span<int> slices, ref int undeclared, out ChangeFacts facts, bool partitionScoped = false, Column?[]? hints = null)
    {
        facts = default;
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            return ReasonCode.InvalidJson;
        }

        // The fast tokeniser reads nearly every record; its answer stands when it is a row. Anything else — a
        // record it stepped aside from (an escape, a malformed byte), or one that fails — is read again by
        // Utf8JsonReader, whose reading decides: one reading of the record's meaning, on either tokeniser.
        var rowStart = output.Length;
        var undeclaredBefore = undeclared;
        var fast = new FastTokens(json);
        try
        {
            if (ReadCore(ref fast, json, contract, output, slices, ref undeclared, ref facts, partitionScoped, otherInPlace: true, hints) == ReasonCode.None && !fast.SteppedAside)
            {
                return ReasonCode.None;
            }
        }
        catch (JsonException)
        {
            // Decided below.
        }

        (output.Length, undeclared) = (rowStart, undeclaredBefore);
        return ReadCarefully(json, contract, output, slices, ref undeclared, out facts, partitionScoped, hints);
    }

    /// <summary>
    /// <see cref="Read"/> with <see cref="Utf8JsonReader"/> alone (the record's UTF-8 already checked): what
    /// decides every record the fast tokeniser does not make a row of, and what the tests hold it to.
    /// </summary>
    internal static ReasonCode ReadCarefully(ReadOnlySpan<byte> json, TableContract contract, ByteBuffer output, Span<int> slices, ref int undeclared, out ChangeFacts facts, bool partitionScoped, Column?[]? hints = null)
    {
        facts = default;
        ReasonCode reason;
        try
        {
            var reader = new SystemTokens(json);
            reason = ReadCore(ref reader, json, contract, output, slices, ref undeclared, ref facts, partitionScoped, otherInPlace: false, hints);
        }
        catch (JsonException)
        {
            return ReasonCode.InvalidJson;
        }

        // A record that failed for another reason may not be one JSON value at all (text after it, a
        // truncation past the point where reading stopped): that is invalid_json, whatever was seen first.
        return reason is ReasonCode.None or ReasonCode.InvalidJson || IsOneJsonValue(json) ? reason : ReasonCode.InvalidJson;
    }

    private static bool IsOneJsonValue(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, SystemTokens.Options);
        try
        {
            if (!reader.Read())
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ReasonCode ReadCore<T>(ref T reader, ReadOnlySpan<byte> json, TableContract contract, ByteBuffer output, Span<int> slices, ref int undeclared, ref ChangeFacts facts, bool partitionScoped, bool otherInPlace, Column?[]? hints)
        where T : IJsonTokens<T>, allows ref struct
    {
        if (!reader.Read())
        {
            return ReasonCode.InvalidJson;
        }

        var inArray = false;
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            // EventBridge Pipes may hand over the Streams record inside a JSON array: exactly one is a change,
            // and an array of several is unknown_shape whatever its first element holds.
            inArray = true;
            if (ArrayLength(json) != 1)
            {
                return ReasonCode.UnknownShape;
            }

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

        var envelope = new Envelope { OtherInPlace = otherInPlace, PartitionScoped = partitionScoped };
        var rowStart = output.Length;
        var reason = ReadEnvelope(ref reader, contract, output, slices, ref undeclared, ref envelope, hints);
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
            IReadOnlyList<Column>? keysOnly = null;
            if (length == 0 && facts.Operation == ChangeOperation.Delete && envelope.KeysLength > 0)
            {
                // A REMOVE from a stream without old images: a delete needs only the key.
                (start, length, keysOnly, facts.KeysOnly) = (envelope.KeysStart, envelope.KeysLength, contract.UniqueKey, true);
            }

            if (length == 0)
            {
                return ReasonCode.MissingImage;
            }

            output.Length = rowStart;
            var imageReader = T.Over(json.Slice(start, length));
            imageReader.Read();
            reason = WriteRowColumns(ref imageReader, contract, output, slices, ref undeclared, hints, keysOnly);
            if (reason != ReasonCode.None)
            {
                return reason;
            }
        }

        if (envelope.TableLength > 0)
        {
            (facts.TableStart, facts.TableLength, facts.TableEscaped) = (envelope.TableStart, envelope.TableLength, envelope.TableEscaped);
        }
        else if (envelope.SourceArnLength > 0)
        {
            (facts.TableStart, facts.TableLength, facts.TableEscaped, facts.TableIsArn) = (envelope.SourceArnStart, envelope.SourceArnLength, envelope.SourceArnEscaped, true);
        }

        if (envelope.EventIdLength == 0)
        {
            return ReasonCode.UnknownShape;
        }

        reason = WriteDerived(contract, json.Slice(envelope.EventIdStart, envelope.EventIdLength), ref facts, output, slices);
        if (reason != ReasonCode.None)
        {
            return reason;
        }

        // The image the row did not come from is still part of the change: a damaged one is refused too.
        var (otherStart, otherLength) = facts.Operation == ChangeOperation.Delete ? (envelope.NewStart, envelope.NewLength) : (envelope.OldStart, envelope.OldLength);
        if (otherLength > 0 && !envelope.OtherChecked)
        {
            reason = CheckOtherImage<T>(json.Slice(otherStart, otherLength), contract, partitionScoped && facts.Operation == ChangeOperation.Update, output, slices, hints);
            if (reason != ReasonCode.None)
            {
                return reason;
            }
        }

        return partitionScoped && facts.KeysOnly && !KeyTellsThePartition(contract) ? ReasonCode.UnknownPartition : ReasonCode.None;
    }

    // Whether every partition source is a key column (a key-only delete then knows its partition). A loop, not a
    // lambda: a closure over the contract would be allocated on every call of the caller.
    private static bool KeyTellsThePartition(TableContract contract)
    {
        var spec = contract.PartitionSpec;
        for (var p = 0; p < spec.Count; p++)
        {
            var inKey = false;
            for (var k = 0; k < contract.UniqueKey.Count; k++)
            {
                inKey |= ReferenceEquals(contract.UniqueKey[k], spec[p].Source);
            }

            if (!inKey)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Reads the image the row was not made from: an attribute named twice is <c>invalid_json</c>; with
    /// <paramref name="checkPartitions"/> (a MODIFY's OldImage) a partition value that differs from the row's is
    /// <c>partition_moved</c>. The old values are converted at the end of <paramref name="output"/> and cut off again.
    /// </summary>
    private static ReasonCode CheckOtherImage<T>(ReadOnlySpan<byte> image, TableContract contract, bool checkPartitions, ByteBuffer output, Span<int> slices, Column?[]? hints)
        where T : IJsonTokens<T>, allows ref struct
    {
        var reader = T.Over(image);
        reader.Read();
        var reason = CheckOtherImage(ref reader, contract, checkPartitions, output, slices, hints);

        // Its own tokeniser: one that stepped aside read nothing it can vouch for.
        return reason == ReasonCode.None && reader.SteppedAside ? ReasonCode.InvalidJson : reason;
    }

    // The other image from its StartObject (left on its EndObject).
    private static ReasonCode CheckOtherImage<T>(ref T reader, TableContract contract, bool checkPartitions, ByteBuffer output, Span<int> slices, Column?[]? hints)
        where T : IJsonTokens<T>, allows ref struct
    {
        Span<byte> scratch = stackalloc byte[JsonText.ScratchSize];
        var columns = contract.Columns;
        Span<bool> seen = columns.Count <= 256 ? stackalloc bool[256] : new bool[columns.Count];
        seen = seen[..columns.Count];
        seen.Clear();
        HashSet<string>? undeclared = null;
        Column? previous = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Declared attributes are told apart by column, the rest by their exact name (as RowWriter does).
            var name = JsonText.Unescaped(reader.ValueSpan, reader.ValueIsEscaped, scratch);
            var column = columns.FindBySource(name, previous, hints);
            if (column is null)
            {
                undeclared ??= new HashSet<string>(StringComparer.Ordinal);
                if (!undeclared.Add(System.Text.Encoding.UTF8.GetString(name)))
                {
                    return ReasonCode.InvalidJson;
                }

                reader.Read();
                reader.Skip();
                continue;
            }

            if (seen[column.Index])
            {
                return ReasonCode.InvalidJson;
            }

            seen[column.Index] = true;
            previous = column;
            var field = checkPartitions ? contract.PartitionFieldOf[column.Index] : null;
            if (field is null && reader.TryScalarAttribute(out _, out _))
            {
                continue; // a plain {"S"|"N"|"B": text}, read whole
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return ReasonCode.InvalidAttributeValue; // as in the image the row is made from
            }

            if (field is null)
            {
                reader.Skip();
                continue;
            }

            var end = output.Length;
            var ignored = 0;
            var converted = RowWriter.WriteAttributeValue(ref reader, column.Type, column.SourceUnit, required: false, output, ref ignored, hints);
            if (converted != ReasonCode.None)
            {
                output.Length = end;
                return converted; // the old partition cannot be known from a damaged value
            }

            var at = 2 * column.Index;
            var current = slices[at] < 0 ? "null"u8 : output.WrittenSpan.Slice(slices[at], slices[at + 1]);
            var moved = !PartitionValues.Same(field, output.WrittenSpan[end..], current);
            output.Length = end;
            if (moved)
            {
                return ReasonCode.PartitionMoved;
            }
        }

        return ReasonCode.None;
    }

    private static int ArrayLength(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, SystemTokens.Options);
        reader.Read();
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            count++;
            reader.Skip();
        }

        return count;
    }

    private static ReasonCode ReadEnvelope<T>(ref T reader, TableContract contract, ByteBuffer output, Span<int> slices, ref int undeclared, ref Envelope envelope, Column?[]? hints)
        where T : IJsonTokens<T>, allows ref struct
    {
        Span<byte> scratch = stackalloc byte[JsonText.ScratchSize];
        var names = new RepeatedNames(stackalloc ulong[16]);
        var known = EnvelopeField.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = JsonText.Unescaped(reader.ValueSpan, reader.ValueIsEscaped, scratch);
            var field = name.SequenceEqual("eventName"u8) ? EnvelopeField.EventName
                : name.SequenceEqual("eventID"u8) ? EnvelopeField.EventId
                : name.SequenceEqual("eventVersion"u8) ? EnvelopeField.EventVersion
                : name.SequenceEqual("userIdentity"u8) ? EnvelopeField.UserIdentity
                : name.SequenceEqual("dynamodb"u8) ? EnvelopeField.DynamoDb
                : name.SequenceEqual("tableName"u8) ? EnvelopeField.TableName
                : name.SequenceEqual("eventSourceARN"u8) ? EnvelopeField.EventSourceArn
                : name.SequenceEqual("awsRegion"u8) ? EnvelopeField.AwsRegion
                : name.SequenceEqual("eventSource"u8) ? EnvelopeField.EventSource
                : name.SequenceEqual("recordFormat"u8) ? EnvelopeField.RecordFormat
                : EnvelopeField.None;

            // A field said twice (read or not): which one would be the change? The usual names by a bit each,
            // any other by its hash.
            if (field == EnvelopeField.None ? !names.Add(name) : (known & field) != 0)
            {
                return ReasonCode.InvalidJson;
            }

            known |= field;
            reader.Read();
            switch (field)
            {
                case EnvelopeField.EventName when reader.TokenType == JsonTokenType.String:
                    var eventName = JsonText.Unescaped(reader.ValueSpan, reader.ValueIsEscaped, scratch);
                    envelope.Operation = eventName.SequenceEqual("INSERT"u8) ? ChangeOperation.Insert
                        : eventName.SequenceEqual("MODIFY"u8) ? ChangeOperation.Update
                        : eventName.SequenceEqual("REMOVE"u8) ? ChangeOperation.Delete
                        : null;
                    break;
                case EnvelopeField.EventId when reader.TokenType == JsonTokenType.String:
                    envelope.EventIdStart = (int)reader.TokenStartIndex + 1;
                    envelope.EventIdLength = reader.ValueSpan.Length;
                    break;
                case EnvelopeField.EventVersion:
                    envelope.LooksLikeStreams = true;
                    reader.Skip();
                    break;
                case EnvelopeField.UserIdentity when reader.TokenType == JsonTokenType.StartObject:
                    envelope.ServiceIdentity = ReadUserIdentity(ref reader, out var repeatedIdentity);
                    if (repeatedIdentity)
                    {
                        return ReasonCode.InvalidJson;
                    }

                    break;
                case EnvelopeField.DynamoDb when reader.TokenType == JsonTokenType.StartObject:
                    envelope.HasDynamoDb = true;
                    var reason = ReadDynamoDb(ref reader, contract, output, slices, ref undeclared, ref envelope, hints);
                    if (reason != ReasonCode.None)
                    {
                        return reason;
                    }

                    break;
                case EnvelopeField.TableName when reader.TokenType == JsonTokenType.String:
                    envelope.TableStart = (int)reader.TokenStartIndex + 1;
                    envelope.TableLength = reader.ValueSpan.Length;
                    envelope.TableEscaped = reader.ValueIsEscaped;
                    break;
                case EnvelopeField.EventSourceArn when reader.TokenType == JsonTokenType.String:
                    envelope.SourceArnStart = (int)reader.TokenStartIndex + 1;
                    envelope.SourceArnLength = reader.ValueSpan.Length;
                    envelope.SourceArnEscaped = reader.ValueIsEscaped;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return ReasonCode.None;
    }

    private static bool ReadUserIdentity<T>(ref T reader, out bool repeated)
        where T : IJsonTokens<T>, allows ref struct
    {
        Span<byte> scratch = stackalloc byte[JsonText.ScratchSize];
        bool service = false, principal = false;
        repeated = false;
        var names = new RepeatedNames(stackalloc ulong[8]);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = JsonText.Unescaped(reader.ValueSpan, reader.ValueIsEscaped, scratch);
            if (!names.Add(name))
            {
                repeated = true;
            }

            var isType = name.SequenceEqual("type"u8);
            var isPrincipal = name.SequenceEqual("principalId"u8);
            reader.Read();
            if (isType)
            {
                service = reader.TokenType == JsonTokenType.String && JsonText.Unescaped(reader.ValueSpan, reader.ValueIsEscaped, scratch).SequenceEqual(s_service);
            }
            else if (isPrincipal)
            {
                principal = reader.TokenType == JsonTokenType.String && JsonText.Unescaped(reader.ValueSpan, reader.ValueIsEscaped, scratch).SequenceEqual(s_dynamoDbPrincipal);
            }
            else
            {
                reader.Skip();
            }
        }

        return service && principal;
    }

    private static ReasonCode ReadDynamoDb<T>(ref T reader, TableContract contract, ByteBuffer output, Span<int> slices, ref int undeclared, ref Envelope envelope, Column?[]? hints)
        where T : IJsonTokens<T>, allows ref struct
    {
        Span<byte> scratch = stackalloc byte[JsonText.ScratchSize];
        var names = new RepeatedNames(stackalloc ulong[16]);
        var known = DynamoDbField.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = JsonText.Unescaped(reader.ValueSpan, reader.ValueIsEscaped, scratch);
            var field = name.SequenceEqual("ApproximateCreationDateTime"u8) ? DynamoDbField.Time
                : name.SequenceEqual("SequenceNumber"u8) ? DynamoDbField.Sequence
                : name.SequenceEqual("NewImage"u8) ? DynamoDbField.NewImage
                : name.SequenceEqual("OldImage"u8) ? DynamoDbField.OldImage
                : name.SequenceEqual("Keys"u8) ? DynamoDbField.Keys
                : name.SequenceEqual("SizeBytes"u8) ? DynamoDbField.SizeBytes
                : name.SequenceEqual("StreamViewType"u8) ? DynamoDbField.StreamViewType
                : DynamoDbField.None;
            if (field == DynamoDbField.None ? !names.Add(name) : (known & field) != 0)
            {
                return ReasonCode.InvalidJson;
            }

            known |= field;
            reader.Read();
            if (field == DynamoDbField.Time)
            {
                if (reader.TokenType is JsonTokenType.Number or JsonTokenType.String && !reader.ValueIsEscaped)
                {
                    envelope.TimeStart = (int)reader.TokenStartIndex + (reader.TokenType == JsonTokenType.String ? 1 : 0);
                    envelope.TimeLength = reader.ValueSpan.Length;
                }
            }
            else if (field == DynamoDbField.Sequence)
            {
                envelope.LooksLikeStreams = true;
                if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
                {
                    envelope.SequenceStart = (int)reader.TokenStartIndex + 1;
                    envelope.SequenceLength = reader.ValueSpan.Length;
                }
            }
            else if (reader.TokenType == JsonTokenType.StartObject && field == DynamoDbField.Keys)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                (envelope.KeysStart, envelope.KeysLength) = (start, (int)reader.BytesConsumed - start);
            }
            else if (reader.TokenType == JsonTokenType.StartObject && field is DynamoDbField.NewImage or DynamoDbField.OldImage)
            {
                var isNew = field == DynamoDbField.NewImage;
                var wanted = envelope.Operation is { } op && (op == ChangeOperation.Delete ? !isNew : isNew);
                if (wanted && !envelope.RowWritten)
                {
                    var reason = WriteRowColumns(ref reader, contract, output, slices, ref undeclared, hints);
                    if (reason != ReasonCode.None)
                    {
                        return reason;
                    }

                    envelope.RowWritten = true;
                }
                else if (!wanted && envelope.OtherInPlace && envelope.RowWritten && !envelope.OtherChecked)
                {
                    // The other image after the row (a MODIFY's OldImage): checked where it stands, not skipped
                    // and read again. Whatever it finds, the careful reading decides the record's reason.
                    var reason = CheckOtherImage(ref reader, contract, envelope.PartitionScoped && envelope.Operation == ChangeOperation.Update, output, slices, hints);
                    if (reason != ReasonCode.None)
                    {
                        return reason;
                    }

                    envelope.OtherChecked = true;
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
            else if (field is DynamoDbField.NewImage or DynamoDbField.OldImage)
            {
                return ReasonCode.UnknownShape; // an image that is not a map (null, a number, text, a list) is damaged, not absent
            }
            else
            {
                reader.Skip();
            }
        }

        return ReasonCode.None;
    }

    /// <summary>Opens the row object and writes the image's columns (reader on the image's StartObject).</summary>
    private static ReasonCode WriteRowColumns<T>(ref T reader, TableContract contract, ByteBuffer output, Span<int> slices, ref int undeclared, Column?[]? hints, IReadOnlyList<Column>? keysOnly = null)
        where T : IJsonTokens<T>, allows ref struct
    {
        slices.Fill(-1);
        output.Write((byte)'{');
        var first = true;
        return RowWriter.WriteFields(ref reader, contract.Columns, output, ref first, slices, ref undeclared, keysOnly, hints);
    }

    /// <summary>
    /// Whether a record names a table other than <paramref name="expected"/>: its <c>tableName</c>, or the NAME
    /// in a Streams <c>eventSourceARN</c> (<c>arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL</c>),
    /// compared by value. Text that does not unescape to Unicode counts as another table's.
    /// </summary>
    public static bool NamesOtherTable(ReadOnlySpan<byte> raw, bool escaped, bool isArn, ReadOnlySpan<byte> expected)
    {
        ReadOnlySpan<byte> text;
        try
        {
            text = escaped ? JsonText.Unescape(raw, []) : raw;
        }
        catch (JsonException)
        {
            return true;
        }

        if (isArn)
        {
            var at = text.IndexOf(":table/"u8);
            if (at < 0)
            {
                return false; // not a DynamoDB stream ARN: nothing to compare
            }

            text = text[(at + ":table/".Length)..];
            var end = text.IndexOf((byte)'/');
            text = end < 0 ? text : text[..end];
        }

        return !text.SequenceEqual(expected);
    }

    /// <summary>
    /// For a record that failed: whether it names another table than <paramref name="expected"/>. Read
    /// tolerantly, top level only (the first element of a Pipes array); a record that cannot be read that
    /// far, or names no table, does not count as another table's — its failure stands.
    /// </summary>
    public static bool FailedRecordNamesOtherTable(ReadOnlySpan<byte> json, ReadOnlySpan<byte> expected)
    {
        var reader = new Utf8JsonReader(json, SystemTokens.Options);
        Span<byte> scratch = stackalloc byte[JsonText.ScratchSize];
        try
        {
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.StartArray && !reader.Read())
            {
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = JsonText.Unescaped(in reader, scratch);
                var isTable = name.SequenceEqual("tableName"u8);
                var isArn = !isTable && name.SequenceEqual("eventSourceARN"u8);
                reader.Read();
                if ((isTable || isArn) && reader.TokenType == JsonTokenType.String)
                {
                    return NamesOtherTable(reader.ValueSpan, reader.ValueIsEscaped, isArn, expected);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Unreadable before any table was named.
        }

        return false;
    }

    private static ReasonCode WriteDerived(TableContract contract, ReadOnlySpan<byte> eventId, ref ChangeFacts facts, ByteBuffer output, Span<int> slices)
    {
        var first = output.WrittenSpan[^1] == (byte)'{';
        foreach (var column in contract.Columns.DerivedColumns)
        {
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
                    var reason = JsonText.WriteCanonical(eventId, output);
                    if (reason != ReasonCode.None)
                    {
                        return reason;
                    }

                    break;
                case DerivedField.TtlDelete:
                    output.Write(facts.TtlDelete ? "true"u8 : "false"u8);
                    break;
            }

            slices[2 * column.Index] = start;
            slices[(2 * column.Index) + 1] = output.Length - start;
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
        public bool OtherInPlace; // the fast reading: the other image, met after the row, is checked there
        public bool PartitionScoped;
        public bool OtherChecked;
        public int EventIdStart, EventIdLength;
        public int TimeStart, TimeLength;
        public int SequenceStart, SequenceLength;
        public int NewStart, NewLength;
        public int OldStart, OldLength;
        public int KeysStart, KeysLength;
        public int TableStart, TableLength;
        public bool TableEscaped;
        public int SourceArnStart, SourceArnLength;
        public bool SourceArnEscaped;
    }

    [Flags]
    private enum EnvelopeField
    {
        None = 0,
        EventName = 1,
        EventId = 2,
        EventVersion = 4,
        UserIdentity = 8,
        DynamoDb = 16,
        TableName = 32,
        EventSourceArn = 64,
        AwsRegion = 128, // read past, like any other name
        EventSource = 256,
        RecordFormat = 512,
    }

    [Flags]
    private enum DynamoDbField
    {
        None = 0,
        Time = 1,
        Sequence = 2,
        NewImage = 4,
        OldImage = 8,
        Keys = 16,
        SizeBytes = 32, // read past, like any other name
        StreamViewType = 64,
    }
}
