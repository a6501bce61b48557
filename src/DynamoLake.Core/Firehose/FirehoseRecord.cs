namespace DynamoLake.Core.Firehose;

/// <summary>Where one record of a transformation request sits in the request bytes.</summary>
internal readonly record struct FirehoseRecord(
    int IdStart,
    int IdLength,
    int DataStart,
    int DataLength,
    bool DataEscaped,
    long ArrivalMilliseconds,
    int SequenceStart,
    int SequenceLength,
    long Subsequence)
{
    public bool HasData => DataLength >= 0;
}
