namespace DynamoLake.Local.Pipeline;

/// <summary>Records a function answered, by result.</summary>
internal sealed class FunctionCounts
{
    public long In { get; set; }

    public long Ok { get; set; }

    public long Dropped { get; set; }

    public long Failed { get; set; }
}
