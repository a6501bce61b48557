using System.Threading.Channels;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace DynamoLake.Local;

/// <summary>
/// A table's items by Scan: consistent reads, pages tried again on throttling and AWS's own failures, and
/// optionally in parallel segments (Scan's TotalSegments), whose items meet in a bounded queue so that
/// memory holds a page per segment and the queue whatever the table's size.
/// </summary>
internal static class TableScan
{
    /// <summary>Items waiting between the segments and the reader: at most 1,000 (400 MB were every item at DynamoDB's 400 KB limit; about 1 MB for this contract's).</summary>
    private const int QueuedItems = 1_000;

    /// <summary>Each item as its key's text and its DynamoDB JSON (the form parity reads).</summary>
    /// <param name="client">The DynamoDB client.</param>
    /// <param name="table">The table.</param>
    /// <param name="keyAttributes">The key's attributes (partition key, then sort key): the key text joins their values by U+001F.</param>
    /// <param name="segments">Parallel segments (1: one sequential Scan).</param>
    /// <param name="progress">Told the number of items read so far, after each page.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    public static async IAsyncEnumerable<KeyValuePair<string, byte[]>> ItemsAsync(
        IAmazonDynamoDB client, string table, IReadOnlyList<string> keyAttributes, int segments, Action<long>? progress, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<KeyValuePair<string, byte[]>>(new BoundedChannelOptions(QueuedItems) { SingleReader = true });
        long read = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var scans = Enumerable.Range(0, segments).Select(segment => Task.Run(
            async () =>
            {
                var retry = new Seeder.RetryPolicy();
                Dictionary<string, AttributeValue>? start = null;
                do
                {
                    var request = new ScanRequest { TableName = table, ExclusiveStartKey = start, ConsistentRead = true };
                    if (segments > 1)
                    {
                        request.Segment = segment;
                        request.TotalSegments = segments;
                    }

                    var page = await PageAsync(client, request, retry, stop.Token);
                    foreach (var item in page.Items ?? [])
                    {
                        var key = string.Join(Core.Changes.ItemKey.Separator, keyAttributes.Select(a => item.TryGetValue(a, out var value) ? value.S ?? value.N ?? "" : ""));
                        await queue.Writer.WriteAsync(new(key, Pipeline.ChangeCapture.Json(item)), stop.Token);
                    }

                    progress?.Invoke(Interlocked.Add(ref read, page.Items?.Count ?? 0));
                    start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
                }
                while (start is not null);
            },
            stop.Token).ContinueWith(
                t =>
                {
                    // The first segment that fails ends the Scan with its error, without waiting for the others.
                    if (t.Exception?.InnerException is { } error)
                    {
                        queue.Writer.TryComplete(error);
                        stop.Cancel();
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default)).ToArray();
        var all = Task.WhenAll(scans).ContinueWith(_ => queue.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        try
        {
            await foreach (var item in queue.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item;
            }
        }
        finally
        {
            // A reader that stops early (an error, a cancellation) stops the segments too.
            await stop.CancelAsync();
            await all;
        }
    }

    /// <summary>One Scan page; throttling, 5xx and network errors are tried again (the client's own retries are off).</summary>
    public static async Task<ScanResponse> PageAsync(IAmazonDynamoDB client, ScanRequest request, Seeder.RetryPolicy retry, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await client.ScanAsync(request, cancellationToken);
            }
            catch (Exception e) when (attempt + 1 < retry.MaxAttempts && Seeder.RetryPolicy.IsTransient(e, cancellationToken) && e is not HttpRequestException { InnerException: System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused } })
            {
                await retry.DelayAsync(attempt, cancellationToken);
            }
        }
    }
}
