using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace DynamoLake.Testing;

/// <summary>Stands in for CloudFormation's pre-signed ResponseURL: records every PUT, can fail the first ones.</summary>
public sealed class FakeResponseReceiver : IDisposable
{
    private readonly FakeHttpServer _server;
    private int _failuresLeft;

    public FakeResponseReceiver()
    {
        _server = new FakeHttpServer(HandleAsync);
    }

    public Uri Url => new(_server.Endpoint, "cloudformation-response?X-Amz-Signature=abc");

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Answer the next <paramref name="count"/> PUTs with 500.</summary>
    public void FailNext(int count) => _failuresLeft = count;

    /// <summary>The one delivered response, parsed; fails the test when there is not exactly one.</summary>
    public JsonElement Delivered()
    {
        var delivered = Requests.Where(r => r.Accepted).ToList();
        Assert.Single(delivered);
        return JsonDocument.Parse(delivered[0].Body).RootElement;
    }

    public void Dispose() => _server.Dispose();

    private async Task HandleAsync(System.Net.HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var accepted = Interlocked.Decrement(ref _failuresLeft) < 0;
        Requests.Enqueue(new Received(context.Request.HttpMethod, context.Request.Headers["Content-Type"], body, accepted));
        context.Response.StatusCode = accepted ? 200 : 500;
    }

    public sealed record Received(string Method, string? ContentType, string Body, bool Accepted);
}
