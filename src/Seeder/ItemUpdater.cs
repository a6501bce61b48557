using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoLake.Core.Iam;

namespace Seeder;

/// <summary>
/// Moves PENDING transactions to their final status with conditional UpdateItem calls: the condition
/// (the item exists and is still PENDING) means a deleted item is never resurrected by a late update.
/// A condition failure is checked with a consistent read: an update that already landed (a resend after a
/// lost response) counts as done; anything else is skipped, never forced.
/// </summary>
internal sealed class ItemUpdater
{
    public static readonly AwsOperation UpdateItem = new("dynamodb:UpdateItem", IamResource.SourceTable);

    /// <summary>The consistent read that settles a failed condition.</summary>
    public static readonly AwsOperation GetItem = new("dynamodb:GetItem", IamResource.SourceTable);

    private readonly IAmazonDynamoDB _client;
    private readonly string _table;
    private readonly string _keyAttribute;
    private readonly RetryPolicy _retry;
    private readonly int _parallelism;

    public ItemUpdater(IAmazonDynamoDB client, string table, string keyAttribute, RetryPolicy retry, int parallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        _client = client;
        _table = table;
        _keyAttribute = keyAttribute;
        _retry = retry;
        _parallelism = parallelism;
    }

    public async Task<WriteOutcome> UpdateAsync(IEnumerable<(string Key, StatusUpdate Update)> updates, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var outcome = new WriteOutcome();
        await Parallel.ForEachAsync(
            updates,
            new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = cancellationToken },
            async (update, token) =>
            {
                await UpdateOneAsync(update.Key, update.Update, outcome, token);
                progress?.Report(1);
            });
        return outcome;
    }

    private async Task UpdateOneAsync(string key, StatusUpdate update, WriteOutcome outcome, CancellationToken cancellationToken)
    {
        var processed = update.ProcessingTimestamp.ToString(CultureInfo.InvariantCulture);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _client.UpdateItemAsync(Request(key, update), cancellationToken);
                outcome.AddDone(1);
                return;
            }
            catch (ConditionalCheckFailedException)
            {
                if (await AlreadyAppliedAsync(key, update, processed, cancellationToken))
                {
                    outcome.AddDone(1);
                }
                else
                {
                    outcome.AddSkipped(1);
                }

                return;
            }
            catch (Exception e) when (RetryPolicy.IsTransient(e, cancellationToken))
            {
                if (attempt + 1 >= _retry.MaxAttempts)
                {
                    outcome.AddFailed(1);
                    return;
                }
            }

            outcome.AddRetry();
            await _retry.DelayAsync(attempt, cancellationToken);
        }
    }

    // SET each attribute the update changes, on the condition that the item exists and is still PENDING.
    private UpdateItemRequest Request(string key, StatusUpdate update)
    {
        var set = TransactionGenerator.UpdatedAttributes(update);
        var names = new Dictionary<string, string>(StringComparer.Ordinal) { ["#key"] = _keyAttribute, ["#status"] = "status" };
        var values = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [":pending"] = new() { S = "PENDING" } };
        var assignments = new List<string>();
        var n = 0;
        foreach (var (name, value) in set)
        {
            var (nameToken, valueToken) = (name == "status" ? "#status" : $"#a{n}", $":v{n}");
            names[nameToken] = name;
            values[valueToken] = value;
            assignments.Add($"{nameToken} = {valueToken}");
            n++;
        }

        return new UpdateItemRequest
        {
            TableName = _table,
            Key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [_keyAttribute] = new() { S = key } },
            UpdateExpression = "SET " + string.Join(", ", assignments),
            ConditionExpression = "attribute_exists(#key) AND #status = :pending",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        };
    }

    private async Task<bool> AlreadyAppliedAsync(string key, StatusUpdate update, string processed, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var current = await _client.GetItemAsync(
                    new GetItemRequest
                    {
                        TableName = _table,
                        Key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [_keyAttribute] = new() { S = key } },
                        ConsistentRead = true,
                    },
                    cancellationToken);
                return current.Item is { Count: > 0 } item
                    && item.TryGetValue("status", out var status) && status.S == update.Status
                    && item.TryGetValue("processing_timestamp", out var at) && at.N == processed;
            }
            catch (Exception e) when (RetryPolicy.IsTransient(e, cancellationToken) && attempt + 1 < _retry.MaxAttempts)
            {
                await _retry.DelayAsync(attempt, cancellationToken);
            }
        }
    }
}
