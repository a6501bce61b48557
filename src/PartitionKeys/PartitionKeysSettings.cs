using DynamoLake.Core.Contract;
using DynamoLake.Core.Firehose;
using DynamoLake.Core.Observability;

namespace PartitionKeys;

/// <summary>
/// The partition keys, in prefix order, read once per container: <c>PARTITION_KEYS</c> (default
/// <c>region,year,month,day,hour</c>) and <c>PARTITION_TIME_COLUMN</c> (default <c>timestamp</c>; or
/// <c>_event_time</c>), both checked against the table contract.
/// </summary>
public sealed record PartitionKeysSettings
{
    public const string KeysVariable = "PARTITION_KEYS";
    public const string TimeColumnVariable = "PARTITION_TIME_COLUMN";
    public const string SourceTableVariable = "SOURCE_TABLE_NAME";
    public const string DefaultKeys = "region,year,month,day,hour";
    public const string DefaultTimeColumn = "timestamp";
    public const string PartitionFolderSuffix = "_partition";

    public required IReadOnlyList<PartitionKey> Keys { get; init; }

    public required Column TimeColumn { get; init; }

    /// <summary>The DynamoDB table this stream captures; changes of other tables on a shared stream are Dropped. Null: every table.</summary>
    public string? SourceTableName { get; init; }

    public int MaxResponseBytes { get; init; } = FirehoseRequest.DefaultMaxResponseBytes;

    /// <summary>The <c>Function</c> of log lines and EMF metrics: the deployed function's name (AWS_LAMBDA_FUNCTION_NAME), which the template's alarms match.</summary>
    public string FunctionName { get; init; } = nameof(PartitionKeys);

    /// <summary>The environment variables this function reads.</summary>
    public static IReadOnlyList<string> Variables { get; } = [KeysVariable, TimeColumnVariable, SourceTableVariable];

    public static PartitionKeysSettings FromEnvironment(TableContract contract) => From(contract, Environment.GetEnvironmentVariable);

    /// <summary>Reads and checks the settings; a bad value throws naming the variable and the problem.</summary>
    public static PartitionKeysSettings From(TableContract contract, Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(lookup);
        var timeName = lookup(TimeColumnVariable) is { Length: > 0 } t ? t.Trim() : DefaultTimeColumn;
        var timeColumn = contract.Columns.Find(timeName)
            ?? throw new InvalidOperationException($"{TimeColumnVariable} is \"{timeName}\", which the table contract does not declare.");
        if (timeColumn.Type.Kind is not (ColumnKind.Timestamp or ColumnKind.TimestampTz))
        {
            throw new InvalidOperationException($"{TimeColumnVariable} is \"{timeName}\", a {timeColumn.Type} column; it must be a timestamp column.");
        }

        var text = lookup(KeysVariable) is { Length: > 0 } k ? k : DefaultKeys;
        var keys = new List<PartitionKey>();
        foreach (var raw in text.Split(','))
        {
            var name = raw.Trim();
            if (name.Length == 0 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                throw new InvalidOperationException($"{KeysVariable} is \"{text}\"; keys are comma-separated lowercase names.");
            }

            var part = name switch
            {
                "year" => DatePart.Year,
                "month" => DatePart.Month,
                "day" => DatePart.Day,
                "hour" => DatePart.Hour,
                _ => DatePart.None,
            };
            Column? column = null;
            if (part == DatePart.None)
            {
                column = contract.Columns.Find(name)
                    ?? throw new InvalidOperationException($"{KeysVariable} names \"{name}\", which is neither year, month, day, hour nor a column of the table contract.");
                if (!column.Type.IsPrimitive || column.Type.Kind is ColumnKind.Binary)
                {
                    throw new InvalidOperationException($"{KeysVariable} names \"{name}\", a {column.Type} column; a partition key needs a primitive, non-binary column.");
                }
            }

            if (keys.Any(existing => existing.Name == name))
            {
                throw new InvalidOperationException($"{KeysVariable} names \"{name}\" twice.");
            }

            keys.Add(new PartitionKey(name, part, column, contract.Columns.Find(name) is null ? name : name + PartitionFolderSuffix));
        }

        return new PartitionKeysSettings { Keys = keys, TimeColumn = timeColumn, SourceTableName = lookup(SourceTableVariable)?.Trim() is { Length: > 0 } table ? table : null, FunctionName = LambdaEnvironment.FunctionName(lookup, nameof(PartitionKeys)) };
    }

    /// <summary>
    /// The S3 prefix these keys make, in Firehose's namespace:
    /// <c>region_partition=!{partitionKeyFromLambda:region}/year=!{partitionKeyFromLambda:year}/…</c>.
    /// </summary>
    public string S3Prefix(string root) =>
        root + string.Concat(Keys.Select(k => $"{k.FolderName}=!{{partitionKeyFromLambda:{k.Name}}}/"));
}
