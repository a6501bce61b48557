using System.Text;
using System.Text.Json;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;

namespace DynamoLake.Core.Tests;

/// <summary>
/// An export's items converted by the Transform's own conversion (ADR 0018): the row a stream INSERT of the item
/// makes, marked as the export's (event id export:ID, time one µs before the export); failures counted by reason
/// code and never written; a line that is no item of the table fails naming the file and line.
/// </summary>
public sealed class SnapshotConversionTests
{
    private const long ExportMicros = 1_796_000_000_000_000;

    private static readonly TableContract s_contract = TableContract.Parse("""
        {
          "table": "t",
          "uniqueKey": ["id"],
          "columns": [
            { "name": "id", "type": "string", "required": true },
            { "name": "amount", "type": "decimal(12,2)", "required": true },
            { "name": "at", "type": "timestamptz", "sourceUnit": "milliseconds" },
            { "name": "_op", "type": "string", "required": true, "derived": "operation" },
            { "name": "_event_time", "type": "timestamptz", "required": true, "derived": "event_time" },
            { "name": "_event_id", "type": "string", "required": true, "derived": "event_id" }
          ]
        }
        """u8, "snapshot-contract.json");

    [Fact]
    public async Task EachItem_BecomesTheRowAStreamInsertMakes_MarkedAsTheExports()
    {
        const string Item = """{"id":{"S":"k1"},"amount":{"N":"12.50"},"at":{"N":"1795426800001"}}""";

        var (counts, rows) = await ConvertAsync($"{{\"Item\":{Item}}}\n\n{{\"Item\":{Item.Replace("k1", "k2", StringComparison.Ordinal)}}}\n");

        Assert.Equal((2L, 2L), (counts.Items, counts.Rows));
        Assert.Empty(counts.Failed);
        var row = JsonDocument.Parse(rows[0]).RootElement;
        var (_, streamRow) = Requests.ConvertOne(s_contract, Requests.KinesisChange("INSERT", Item, ExportMicros / 1000, "export:E1"));
        var stream = JsonDocument.Parse(streamRow!).RootElement;
        foreach (var column in new[] { "id", "amount", "at", "_op", "_event_id" })
        {
            Assert.Equal(stream.GetProperty(column).GetRawText(), row.GetProperty(column).GetRawText());
        }

        Assert.Equal("12.50", row.GetProperty("amount").GetRawText());
        Assert.Equal("export:E1", row.GetProperty("_event_id").GetString());
        Assert.Equal(ExportMicros - 1, row.GetProperty("_event_time").GetInt64());
    }

    [Fact]
    public async Task AnItemTheContractRefuses_IsCountedByReason_AndNotWritten()
    {
        var (counts, rows) = await ConvertAsync("""
            {"Item":{"id":{"S":"good"},"amount":{"N":"1.00"}}}
            {"Item":{"id":{"S":"bad"},"amount":{"S":"twelve"}}}
            {"Item":{"id":{"S":"missing"}}}
            """);

        Assert.Equal((3L, 1L), (counts.Items, counts.Rows));
        Assert.Single(rows);
        Assert.Equal(2L, counts.Failed.Values.Sum());
        Assert.DoesNotContain("twelve", string.Join(",", counts.Failed.Keys), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"Item\":{\"amount\":{\"N\":\"1\"}}}", "data.json:2: not a DynamoDB export item ({\"Item\":{…}} with the key attribute 'id')")]
    [InlineData("not json", "data.json:2: not a DynamoDB export item")]
    [InlineData("{\"id\":{\"S\":\"k\"}}", "data.json:2: not a DynamoDB export item")]
    public async Task ALineThatIsNoItemOfTheTable_FailsNamingTheFileAndLine(string line, string message)
    {
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ConvertAsync("{\"Item\":{\"id\":{\"S\":\"k\"},\"amount\":{\"N\":\"1\"}}}\n" + line + "\n"));

        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    private static async Task<(SnapshotConversion.Counts Counts, List<string> Rows)> ConvertAsync(string lines)
    {
        using var output = new MemoryStream();
        var counts = await SnapshotConversion.ConvertAsync(new MemoryStream(Encoding.UTF8.GetBytes(lines)), s_contract, "t", "E1", ExportMicros, output, "data.json", CancellationToken.None);
        return (counts, [.. Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)]);
    }
}
