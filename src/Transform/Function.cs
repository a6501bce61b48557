using System.Buffers;
using System.Text.Json;
using DynamoLake.Core.Buffers;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Firehose;
using DynamoLake.Core.Observability;

namespace Transform;

/// <summary>
/// Firehose data-transformation Lambda for the Apache Iceberg / S3 Tables destination. Each DynamoDB
/// change record becomes one row of the table contract with <c>metadata.otfMetadata</c> naming the
/// operation; a bad record becomes ProcessingFailed with a reason code, and the rest still succeed.
/// Handler: <c>Transform::Transform.Function::FunctionHandler</c>.
/// </summary>
public sealed class Function
{
    private readonly TableContract _contract;
    private readonly TransformSettings _settings;
    private readonly TimeProvider _clock;
    private readonly TextWriter _log;
    private readonly byte[] _insertMetadata;
    private readonly byte[] _updateMetadata;
    private readonly byte[] _deleteMetadata;

    /// <summary>Used by the Lambda runtime: the embedded contract, settings from the environment, logs to stdout.</summary>
    public Function()
        : this(TableContract.LoadEmbedded(), TransformSettings.FromEnvironment(), TimeProvider.System, Console.Out)
    {
    }

    internal Function(TableContract contract, TransformSettings settings, TimeProvider clock, TextWriter log)
    {
        _contract = contract;
        _settings = settings;
        _clock = clock;
        _log = log;
        _insertMetadata = OtfMetadata(settings, "insert");
        _updateMetadata = OtfMetadata(settings, "update");
        _deleteMetadata = OtfMetadata(settings, "delete");
    }

    /// <summary>Reads a Firehose transformation request and returns the response JSON.</summary>
    /// <exception cref="InvalidFirehoseRequestException">The request is not a Firehose transformation request.</exception>
    public async Task<Stream> FunctionHandler(Stream request)
    {
        var started = _clock.GetTimestamp();
        using var firehose = await FirehoseRequest.ReadAsync(request, CancellationToken.None);
        using var batch = ChangeBatch.Convert(firehose, _contract);
        var report = new InvocationReport(nameof(Transform), firehose.InvocationId) { UndeclaredAttributes = batch.UndeclaredAttributes };

        var superseded = ArrayPool<bool>.Shared.Rent(Math.Max(batch.Count, 1));
        using var output = new ByteBuffer(firehose.Length + 1024);
        try
        {
            Array.Clear(superseded, 0, batch.Count);
            NewestChangeWins.Mark(batch, superseded);
            WriteResponse(batch, superseded, output, report);
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(superseded);
        }

        report.Write(_log, _clock.GetElapsedTime(started), _clock.GetUtcNow());
        return output.DetachAsStream();
    }

    private void WriteResponse(ChangeBatch batch, bool[] superseded, ByteBuffer output, InvocationReport report)
    {
        var request = batch.Request;
        var writer = new FirehoseResponseWriter(output, request, _settings.MaxResponseBytes);
        var full = false;
        for (var i = 0; i < batch.Count; i++)
        {
            FirehoseResult result;
            var reason = batch.Reason(i);
            if (full)
            {
                (result, reason) = (FirehoseResult.ProcessingFailed, ReasonCode.ResponseTooLarge);
                writer.WriteTooLarge();
            }
            else if (reason != ReasonCode.None)
            {
                result = FirehoseResult.ProcessingFailed;
                if (!writer.TryWriteFailed())
                {
                    full = true;
                    reason = ReasonCode.ResponseTooLarge;
                    writer.WriteTooLarge();
                }
            }
            else if (superseded[i])
            {
                result = FirehoseResult.Dropped;
                writer.WriteDropped();
            }
            else if (writer.TryWriteOk(batch.Row(i), MetadataFor(batch.Operation(i))))
            {
                result = FirehoseResult.Ok;
            }
            else
            {
                full = true;
                (result, reason) = (FirehoseResult.ProcessingFailed, ReasonCode.ResponseTooLarge);
                writer.WriteTooLarge();
            }

            if (batch.Succeeded(i))
            {
                report.Observe(batch.Shape(i), batch.EventTimeMicros(i));
            }

            report.Count(result, reason, request, i);
        }

        writer.Complete();
    }

    private byte[] MetadataFor(ChangeOperation operation) => operation switch
    {
        ChangeOperation.Delete => _deleteMetadata,
        ChangeOperation.Insert when _settings.OperationMode == OperationMode.Exact => _insertMetadata,
        _ => _updateMetadata,
    };

    private static byte[] OtfMetadata(TransformSettings settings, string operation)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartObject("otfMetadata");
            json.WriteString("destinationDatabaseName", settings.DatabaseName);
            json.WriteString("destinationTableName", settings.TableName);
            json.WriteString("operation", operation);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }
}
