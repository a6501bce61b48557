using System.Text.Json;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// ProcessingFailed records as Firehose writes them to the error bucket: JSON lines under
/// <c>processing-failed/yyyy/MM/dd/HH/</c> with attemptsMade, arrivalTimestamp, errorCode, errorMessage
/// (our reason code), attemptEndingTimestamp, rawData (the original record, base64) and lambdaArn.
/// </summary>
internal sealed class ErrorOutputSink : IDisposable
{
    public const string LambdaArn = "arn:aws:lambda:us-east-1:111122223333:function:dynamolake-transform";

    // However many records fail, at most this much waits in memory; the rest waits on disk by hour.
    private const long SpillBudgetBytes = 16L << 20;

    private readonly PartitionedSpill _byHour;

    /// <param name="spillFolder">Where error objects wait until they are written (deleted on dispose).</param>
    public ErrorOutputSink(string spillFolder)
    {
        _byHour = new PartitionedSpill(spillFolder, SpillBudgetBytes);
    }

    public long Count { get; private set; }

    public void Add(byte[] rawData, long arrivalMs, string reason)
    {
        var hour = DateTimeOffset.FromUnixTimeMilliseconds(arrivalMs).UtcDateTime.ToString("yyyy/MM/dd/HH", System.Globalization.CultureInfo.InvariantCulture);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("attemptsMade"u8, 1);
            writer.WriteNumber("arrivalTimestamp"u8, arrivalMs);
            writer.WriteString("errorCode"u8, "Lambda.ProcessingFailed");
            writer.WriteString("errorMessage"u8, reason);
            writer.WriteNumber("attemptEndingTimestamp"u8, arrivalMs);
            writer.WriteBase64String("rawData"u8, rawData);
            writer.WriteString("lambdaArn"u8, LambdaArn);
            writer.WriteEndObject();
        }

        _byHour.Add(hour, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        Count++;
    }

    public async Task<int> WriteAsync(LakePaths paths, CancellationToken cancellationToken)
    {
        var hours = _byHour.Partitions.ToList();
        foreach (var hour in hours)
        {
            var folder = Path.Combine(paths.ProcessingFailed, hour.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(folder);
            await using var file = File.Create(Path.Combine(folder, $"dynamolake-iceberg-1-{DateTime.UtcNow:yyyy-MM-dd-HH-mm-ss}-{Guid.NewGuid()}"));
            foreach (var lines in _byHour.Read(hour, chunkBytes: 1 << 20))
            {
                foreach (var line in lines)
                {
                    await file.WriteAsync(line, cancellationToken);
                    file.WriteByte((byte)'\n');
                }
            }

            _byHour.Remove(hour);
        }

        return hours.Count;
    }

    public void Dispose() => _byHour.Dispose();
}
