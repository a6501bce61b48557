namespace DynamoLake.Local.Pipeline;

/// <summary>Where change records come from, and the source table's state once they have all been read.</summary>
internal interface IChangeSource
{
    IEnumerable<CapturedChange> Changes(CancellationToken cancellationToken);

    /// <summary>The table's items (DynamoDB JSON) with their keys, after every change: read once, as a stream.</summary>
    IAsyncEnumerable<KeyValuePair<string, byte[]>> FinalState(CancellationToken cancellationToken);

    /// <summary>The items of one contract of a set (its index in the set), after every change; a source of one table has contract 0 only.</summary>
    IAsyncEnumerable<KeyValuePair<string, byte[]>> FinalState(int contract, CancellationToken cancellationToken) =>
        contract == 0 ? FinalState(cancellationToken) : throw new PipelineException("this source holds one table's items");
}
