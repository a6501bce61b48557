using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoLake.Core.Iam;

namespace Seeder;

/// <summary>
/// Writes puts and deletes with BatchWriteItem: at most 25 per request, never two writes of one key in a
/// request, items over 400 KB refused up front (25 × 400 KB stays under the 16 MB request limit), up to
/// <c>parallelism</c> requests in flight. UnprocessedItems, throttling, 5xx and network errors are resent
/// under <see cref="RetryPolicy"/>; what is still unwritten when the budget runs out is counted, never dropped.
/// </summary>
internal sealed class BatchWriter
{
    public const int MaxItemsPerRequest = 25;

    public static readonly AwsOperation BatchWriteItem = new("dynamodb:BatchWriteItem", IamResource.SourceTable);

    private const int MaxRecentKeys = 100_000;

    private readonly IAmazonDynamoDB _client;
    private readonly string _table;
    private readonly IReadOnlyList<string> _keyAttributes;
    private readonly RetryPolicy _retry;
    private readonly int _parallelism;

    public BatchWriter(IAmazonDynamoDB client, string table, IReadOnlyList<string> keyAttributes, RetryPolicy retry, int parallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        _client = client;
        _table = table;
        _keyAttributes = keyAttributes;
        _retry = retry;
        _parallelism = parallelism;
    }

    /// <summary>Writes every request; the outcome accounts for each one (done or failed).</summary>
    /// <param name="progress">Told the number of items settled (done or failed) as batches finish.</param>
    public async Task<WriteOutcome> WriteAsync(IEnumerable<WriteRequest> requests, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var outcome = new WriteOutcome();
        using var gate = new SemaphoreSlim(_parallelism);
        var inFlight = new List<Task>();
        var batch = new List<WriteRequest>(MaxItemsPerRequest);

        // Keys sent since everything in flight last finished. A second write of one of them must wait for
        // those to finish so the writes of a key land in order; the set is bounded by draining now and then.
        var recentKeys = new HashSet<string>(StringComparer.Ordinal);

        foreach (var request in requests)
        {
            var item = request.PutRequest?.Item;
            if (item is not null && ItemSize.Of(item) > ItemSize.MaxItemBytes)
            {
                outcome.AddFailed(1);
                progress?.Report(1);
                continue;
            }

            var key = KeyOf(request);
            var repeated = recentKeys.Contains(key);
            if (batch.Count == MaxItemsPerRequest || repeated)
            {
                await StartAsync(batch);
                batch = new List<WriteRequest>(MaxItemsPerRequest);
            }

            if (repeated || (batch.Count == 0 && recentKeys.Count >= MaxRecentKeys))
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
                recentKeys.Clear();
            }

            batch.Add(request);
            recentKeys.Add(key);
        }

        if (batch.Count > 0)
        {
            await StartAsync(batch);
        }

        await Task.WhenAll(inFlight);
        return outcome;

        async Task StartAsync(List<WriteRequest> requestsOfBatch)
        {
            if (requestsOfBatch.Count == 0)
            {
                return;
            }

            await gate.WaitAsync(cancellationToken);
            if (inFlight.Find(t => t.IsFaulted) is { } failed)
            {
                gate.Release();
                await failed; // a non-transient error (e.g. validation): stop sending and report it
            }

            inFlight.RemoveAll(t => t.IsCompletedSuccessfully);
            inFlight.Add(RunAsync(requestsOfBatch));
        }

        async Task RunAsync(List<WriteRequest> requestsOfBatch)
        {
            try
            {
                await SendAsync(requestsOfBatch, outcome, cancellationToken);
                progress?.Report(requestsOfBatch.Count);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private async Task SendAsync(List<WriteRequest> batch, WriteOutcome outcome, CancellationToken cancellationToken)
    {
        var pending = batch;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var response = await _client.BatchWriteItemAsync(
                    new BatchWriteItemRequest { RequestItems = new Dictionary<string, List<WriteRequest>>(StringComparer.Ordinal) { [_table] = pending } },
                    cancellationToken);
                var unprocessed = response.UnprocessedItems is { } left && left.TryGetValue(_table, out var mine) ? mine : null;
                var remaining = unprocessed?.Count ?? 0;
                outcome.AddDone(pending.Count - remaining);
                if (remaining == 0)
                {
                    return;
                }

                pending = unprocessed!;
            }
            catch (Exception e) when (RetryPolicy.IsTransient(e, cancellationToken))
            {
                // Nothing of this request is confirmed: all of it is resent (puts and deletes are idempotent).
            }

            if (attempt + 1 >= _retry.MaxAttempts)
            {
                outcome.AddFailed(pending.Count);
                return;
            }

            outcome.AddRetry();
            await _retry.DelayAsync(attempt, cancellationToken);
        }
    }

    private string KeyOf(WriteRequest request)
    {
        var attributes = request.PutRequest?.Item ?? request.DeleteRequest?.Key
            ?? throw new ArgumentException("A write request must be a put or a delete.", nameof(request));
        if (_keyAttributes.Count == 1)
        {
            return KeyPart(attributes, _keyAttributes[0]);
        }

        return string.Join('\u0001', _keyAttributes.Select(name => KeyPart(attributes, name)));
    }

    private static string KeyPart(Dictionary<string, AttributeValue> attributes, string name) =>
        attributes.TryGetValue(name, out var value) && (value.S ?? value.N ?? (value.B is { } b ? Convert.ToBase64String(b.ToArray()) : null)) is { } text
            ? text
            : throw new ArgumentException($"A write request lacks the key attribute '{name}'.", nameof(attributes));
}
