using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoLake.Core.Contract;
using DynamoLake.Core.Iam;

namespace Seeder;

/// <summary>
/// Creates the source table from the contract for local runs (<c>seed --create-table</c>): the unique key
/// as the table key, on-demand capacity, a NEW_AND_OLD_IMAGES stream and TTL on the contract's TTL column.
/// In AWS the template creates the table; this is for moto, dynalite and scratch tables.
/// </summary>
internal static class TableSetup
{
    /// <summary>Local runs only: the template creates the table in AWS.</summary>
    public static readonly AwsOperation CreateTable = new("dynamodb:CreateTable", IamResource.SourceTable, LocalOnly: true);

    /// <summary>Local runs only: the template turns TTL on in AWS.</summary>
    public static readonly AwsOperation UpdateTimeToLive = new("dynamodb:UpdateTimeToLive", IamResource.SourceTable, LocalOnly: true);

    /// <summary>The Seeder checks that its table exists before writing.</summary>
    public static readonly AwsOperation DescribeTable = new("dynamodb:DescribeTable", IamResource.SourceTable);

    /// <summary>Creates the table unless it exists and waits until it is ACTIVE. Returns notes for the user (e.g. TTL unsupported).</summary>
    /// <param name="streamView">The stream's StreamViewType (NEW_AND_OLD_IMAGES unless a test of another view asks).</param>
    public static async Task<IReadOnlyList<string>> CreateIfMissingAsync(IAmazonDynamoDB client, string table, TableContract contract, CancellationToken cancellationToken, string? streamView = null)
    {
        var notes = new List<string>();
        var keySchema = new List<KeySchemaElement>();
        var attributes = new List<AttributeDefinition>();
        for (var i = 0; i < contract.UniqueKey.Count; i++)
        {
            var column = contract.UniqueKey[i];
            keySchema.Add(new KeySchemaElement(column.Source, i == 0 ? KeyType.HASH : KeyType.RANGE));
            attributes.Add(new AttributeDefinition(column.Source, KeyAttributeType(column)));
        }

        try
        {
            await client.CreateTableAsync(
                new CreateTableRequest
                {
                    TableName = table,
                    KeySchema = keySchema,
                    AttributeDefinitions = attributes,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = streamView is null ? StreamViewType.NEW_AND_OLD_IMAGES : StreamViewType.FindValue(streamView) },
                },
                cancellationToken);
            notes.Add($"created table '{table}'");
        }
        catch (ResourceInUseException)
        {
            notes.Add($"table '{table}' already exists");
        }

        var active = await WaitUntilActiveAsync(client, table, cancellationToken);
        if (string.IsNullOrEmpty(active.LatestStreamArn))
        {
            // dynalite accepts a StreamSpecification and keeps no stream.
            notes.Add($"table '{table}' has no stream here: this DynamoDB does not implement Streams (dynalite does not), so its changes cannot be captured; pipeline --endpoint needs one that does, such as moto");
        }

        if (contract.TimeToLive is { } ttl)
        {
            try
            {
                await client.UpdateTimeToLiveAsync(
                    new UpdateTimeToLiveRequest { TableName = table, TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = ttl.Source, Enabled = true } },
                    cancellationToken);
            }
            catch (AmazonDynamoDBException e) when (e.ErrorCode is "UnknownOperationException" or "ValidationException")
            {
                // dynalite has no UpdateTimeToLive; a table whose TTL is already on answers ValidationException.
                notes.Add($"TTL on '{ttl.Source}' not enabled by this call: {e.ErrorCode}");
            }
        }

        return notes;
    }

    /// <summary>Fails with a clear message when the table does not exist.</summary>
    public static async Task RequireAsync(IAmazonDynamoDB client, string table, CancellationToken cancellationToken)
    {
        try
        {
            await client.DescribeTableAsync(new DescribeTableRequest { TableName = table }, cancellationToken);
        }
        catch (ResourceNotFoundException e)
        {
            throw new SeedException($"table '{table}' does not exist; create it (seed --create-table locally, the template in AWS).", e);
        }
    }

    private static async Task<TableDescription> WaitUntilActiveAsync(IAmazonDynamoDB client, string table, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 120; attempt++)
        {
            var description = await client.DescribeTableAsync(new DescribeTableRequest { TableName = table }, cancellationToken);
            if (description.Table.TableStatus == TableStatus.ACTIVE)
            {
                return description.Table;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        throw new SeedException($"table '{table}' did not become ACTIVE within 30 s.");
    }

    private static ScalarAttributeType KeyAttributeType(Column column) =>
        ScalarAttributeType.FindValue(column.DynamoDbKeyType ?? throw new SeedException($"the key column '{column.Name}' is {column.Type}; a DynamoDB key is a string, a number or binary."));
}
