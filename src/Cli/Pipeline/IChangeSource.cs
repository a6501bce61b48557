namespace Cli.Pipeline;

/// <summary>Where change records come from, and the source table's state once they have all been read.</summary>
internal interface IChangeSource
{
    IEnumerable<CapturedChange> Changes(CancellationToken cancellationToken);

    /// <summary>The table's items (DynamoDB JSON) by key, after every change.</summary>
    Task<IReadOnlyDictionary<string, byte[]>> FinalStateAsync(CancellationToken cancellationToken);
}
