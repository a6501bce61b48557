using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Firehose;

namespace DynamoLake.Core.Changes;

/// <summary>
/// A DynamoDB export's items as rows of the contract, converted by the Transform's own conversion
/// (<see cref="ChangeBatch.Convert"/>): each item becomes the INSERT change record the stream would carry, with
/// the export's event id (<c>export:&lt;ExportId&gt;</c>) and a time one microsecond before the export's, so its
/// row is a snapshot row the hand-off can find (ADR 0018).
/// </summary>
public static class SnapshotConversion
{
    // About a Firehose request's worth of change records per conversion.
    private const int BatchBytes = 1 << 20;

    /// <summary>What one export file gave.</summary>
    /// <param name="Items">Items read.</param>
    /// <param name="Rows">Rows written.</param>
    /// <param name="Failed">Items that failed, by reason code (the Transform's codes).</param>
    public sealed record Counts(long Items, long Rows, IReadOnlyDictionary<string, long> Failed);

    /// <summary>Converts every item of an export file (DynamoDB JSON lines, <c>{"Item":{…}}</c>) and writes each row as a JSON line.</summary>
    /// <param name="lines">The file's text, decompressed.</param>
    /// <param name="contract">The table's contract.</param>
    /// <param name="tableName">The DynamoDB table the records name.</param>
    /// <param name="exportId">The export's id, in each row's event id.</param>
    /// <param name="snapshotMicros">The export's time (µs since the epoch); each row's event time is one microsecond before.</param>
    /// <param name="rows">Where the rows go, one JSON object per line.</param>
    /// <param name="fileName">The file's name, for the message of a line that is not an item.</param>
    /// <exception cref="InvalidDataException">A line is not an export item with the table's key: the file is not an export of this table.</exception>
    public static async Task<Counts> ConvertAsync(Stream lines, TableContract contract, string tableName, string exportId, long snapshotMicros, Stream rows, string fileName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(rows);
        var routes = ChangeRoutes.One(contract, tableName);
        var keyNames = contract.UniqueKey.Select(c => c.Source).ToList();
        var eventId = LakeSchema.SnapshotEventIdPrefix + exportId;
        var failed = new Dictionary<string, long>(StringComparer.Ordinal);
        long items = 0, written = 0;
        var request = new ArrayBufferWriter<byte>(BatchBytes + (BatchBytes / 2));
        Utf8JsonWriter? writer = null;

        using var reader = new StreamReader(lines, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            var record = Record(line, keyNames, tableName, eventId, snapshotMicros - 1, fileName, number);
            if (writer is null)
            {
                request.Clear();
                writer = new Utf8JsonWriter(request);
                writer.WriteStartObject();
                writer.WriteString("invocationId"u8, exportId);
                writer.WriteString("region"u8, KinesisChangeRecord.Region);
                writer.WriteStartArray("records"u8);
            }

            writer.WriteStartObject();
            writer.WriteString("recordId"u8, number.ToString(CultureInfo.InvariantCulture));
            writer.WriteNumber("approximateArrivalTimestamp"u8, snapshotMicros / 1000);
            writer.WriteBase64String("data"u8, record);
            writer.WriteEndObject();
            items++;
            if (writer.BytesCommitted + writer.BytesPending >= BatchBytes)
            {
                written += await FlushAsync(writer, request, routes, rows, failed, cancellationToken);
                writer = null;
            }
        }

        if (writer is not null)
        {
            written += await FlushAsync(writer, request, routes, rows, failed, cancellationToken);
        }

        return new Counts(items, written, failed);
    }

    /// <summary>One export line as the INSERT change record the stream would carry for the item.</summary>
    /// <exception cref="InvalidDataException">The line is not an export item with the key's attributes (named with the file and line).</exception>
    public static byte[] Record(string line, IReadOnlyList<string> keyNames, string tableName, string eventId, long micros, string fileName, int number)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("Item", out var item)
                && ItemKey.OfItem(item, keyNames) is { } key)
            {
                var keys = keyNames.Select(k => (k, item.GetProperty(k).TryGetProperty("S", out _) ? "S" : "N")).ToList();
                return KinesisChangeRecord.Create(eventId, "INSERT", tableName, micros, keys, key, Encoding.UTF8.GetBytes(item.GetRawText()), oldImage: null, ttl: false);
            }
        }
        catch (JsonException)
        {
            // Not JSON: the line is refused below, as any line that is not an item.
        }

        var expected = keyNames.Count == 1 ? $"the key attribute '{keyNames[0]}'" : $"the key attributes {string.Join(", ", keyNames.Select(k => $"'{k}'"))}";
        throw new InvalidDataException($"{fileName}:{number}: not a DynamoDB export item ({{\"Item\":{{…}}}} with {expected})");
    }

    // Converts one request's worth of records as the Transform does, and writes the rows of those that succeed.
    private static async Task<long> FlushAsync(Utf8JsonWriter writer, ArrayBufferWriter<byte> request, ChangeRoutes routes, Stream rows, Dictionary<string, long> failed, CancellationToken cancellationToken)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.DisposeAsync();
        using var firehose = FirehoseRequest.Parse(request.WrittenSpan);
        using var batch = ChangeBatch.Convert(firehose, routes, partitionScoped: true);
        long written = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch.Succeeded(i))
            {
                await rows.WriteAsync(batch.RowMemory(i), cancellationToken);
                rows.WriteByte((byte)'\n');
                written++;
            }
            else
            {
                var code = batch.FromOtherTable(i) ? "other_table" : batch.Reason(i).ToWire();
                failed[code] = failed.GetValueOrDefault(code) + 1;
            }
        }

        return written;
    }
}
