using System.Buffers;
using DynamoLake.Core.Buffers;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Firehose;
using DynamoLake.Core.Observability;

namespace DynamoLake.Core.Changes;

/// <summary>
/// The whole of a Firehose transformation over DynamoDB change records, shared by every function:
/// read the request, convert every record, let the policy drop or render each one, write the response
/// (every recordId once, in order, within the byte budget), and log what happened.
/// </summary>
public sealed class ChangeTransformation
{
    private readonly ChangeRoutes _routes;
    private readonly IRowPolicy _policy;
    private readonly int _maxResponseBytes;
    private readonly TimeProvider _clock;
    private readonly TextWriter _log;

    /// <param name="routes">The contracts, and the tables each reads: changes of tables none reads are Dropped.</param>
    /// <param name="policy">What the function does with each row.</param>
    /// <param name="maxResponseBytes">The response budget.</param>
    /// <param name="clock">For durations and the lag metric.</param>
    /// <param name="log">Where the log and EMF lines go.</param>
    public ChangeTransformation(ChangeRoutes routes, IRowPolicy policy, int maxResponseBytes, TimeProvider clock, TextWriter log)
    {
        _routes = routes;
        _policy = policy;
        _maxResponseBytes = maxResponseBytes;
        _clock = clock;
        _log = log;
    }

    /// <exception cref="InvalidFirehoseRequestException">The request is not a Firehose transformation request.</exception>
    public async Task<Stream> RunAsync(Stream request, CancellationToken cancellationToken)
    {
        var started = _clock.GetTimestamp();
        using var firehose = await FirehoseRequest.ReadAsync(request, cancellationToken);
        using var batch = ChangeBatch.Convert(firehose, _routes, _policy.PartitionScoped);
        var report = new InvocationReport(_policy.FunctionName, firehose.InvocationId) { UndeclaredAttributes = batch.UndeclaredAttributes };

        var dropped = ArrayPool<bool>.Shared.Rent(Math.Max(batch.Count, 1));
        using var scratch = new ByteBuffer();
        using var output = new ByteBuffer(firehose.Length + 1024);
        try
        {
            Array.Clear(dropped, 0, batch.Count);
            _policy.SelectDropped(batch, dropped.AsSpan(0, batch.Count));
            WriteResponse(batch, dropped, scratch, output, report);
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(dropped);
        }

        report.Write(_log, _clock.GetElapsedTime(started), _clock.GetUtcNow());
        return output.DetachAsStream();
    }

    private void WriteResponse(ChangeBatch batch, bool[] dropped, ByteBuffer scratch, ByteBuffer output, InvocationReport report)
    {
        var request = batch.Request;
        var writer = new FirehoseResponseWriter(output, request, _maxResponseBytes);
        var full = false;
        for (var i = 0; i < batch.Count; i++)
        {
            var result = FirehoseResult.ProcessingFailed;
            var reason = batch.Reason(i);
            var drop = DropReason.Superseded;
            if (reason == ReasonCode.None && batch.FromOtherTable(i))
            {
                (result, drop) = (FirehoseResult.Dropped, DropReason.OtherTable);
            }
            else if (reason == ReasonCode.None && dropped[i])
            {
                result = FirehoseResult.Dropped;
            }
            else if (reason == ReasonCode.None)
            {
                scratch.Clear();
                reason = _policy.Render(batch, i, scratch, out var payload, out var metadata);
                if (reason == ReasonCode.None)
                {
                    result = FirehoseResult.Ok;
                    if (!full && !writer.TryWriteOk(payload.Span, metadata.Span, _policy.JsonLines))
                    {
                        full = true;
                    }
                }
            }

            if (full || (result == FirehoseResult.ProcessingFailed && !writer.TryWriteFailed()))
            {
                // The record that would cross the limit and every one after it fail, carrying no data.
                full = true;
                (result, reason) = (FirehoseResult.ProcessingFailed, ReasonCode.ResponseTooLarge);
                writer.WriteTooLarge();
            }
            else if (result == FirehoseResult.Dropped)
            {
                writer.WriteDropped();
            }

            if (batch.Succeeded(i))
            {
                report.Observe(batch.Shape(i), batch.EventTimeMicros(i));
            }

            report.Count(result, reason, request, i, drop);
        }

        writer.Complete();
    }
}
