namespace Cli.Pipeline;

/// <summary>Placeholder until the Streams reader lands.</summary>
internal sealed class StreamsSource : IChangeSource
{
    public static Task<IChangeSource> PrepareAsync(PipelineOptions options, TextWriter log, CancellationToken cancellationToken) =>
        throw new PipelineException("--endpoint is not available yet");

    public IEnumerable<CapturedChange> Changes(CancellationToken cancellationToken) => [];

    public Task<IReadOnlyDictionary<string, byte[]>> FinalStateAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
}
