namespace DynamoLake.Testing;

/// <summary>The sample events in events/, by kind.</summary>
public static class SampleEvents
{
    /// <summary>The Firehose transformation requests (every sample but the CloudFormation custom-resource ones).</summary>
    public static IEnumerable<string> FirehoseEventNames() =>
        Directory.GetFiles(Path.Combine(RepoPaths.Root, "events"), "*.json")
            .Select(p => Path.GetFileNameWithoutExtension(p)!)
            .Where(name => !name.StartsWith("cloudformation-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
}
