using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace DynamoLake.Testing;

/// <summary>Stands in for CloudFormation's pre-signed ResponseURL: records every PUT, can fail the first ones.</summary>
public sealed class FakeResponseReceiver : IDisposable
{
    private readonly FakeHttpServer _server;
    private readonly ConcurrentQueue<int> _statuses = new();
    private int _failuresLeft;
    private int _hangsLeft;

    public FakeResponseReceiver()
    {
        _server = new FakeHttpServer(HandleAsync);
    }

    public Uri Url => new(_server.Endpoint, "cloudformation-response?X-Amz-Signature=abc");

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Answer the next <paramref name="count"/> PUTs with 500.</summary>
    public void FailNext(int count) => _failuresLeft = count;

    /// <summary>Answer the next PUTs with these statuses, one each.</summary>
    public void AnswerNextWith(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _statuses.Enqueue(status);
        }
    }

    /// <summary>Accept the next <paramref name="count"/> PUTs and never reply (30 s).</summary>
    public void HangNext(int count) => _hangsLeft = count;

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
        if (Interlocked.Decrement(ref _hangsLeft) >= 0)
        {
            Requests.Enqueue(new Received(context.Request.HttpMethod, context.Request.Headers["Content-Type"], body, Accepted: false));
            await Task.Delay(TimeSpan.FromSeconds(30));
            return;
        }

        var status = _statuses.TryDequeue(out var next) ? next : Interlocked.Decrement(ref _failuresLeft) < 0 ? 200 : 500;
        Requests.Enqueue(new Received(context.Request.HttpMethod, context.Request.Headers["Content-Type"], body, status == 200));
        context.Response.StatusCode = status;
    }

    public sealed record Received(string Method, string? ContentType, string Body, bool Accepted);
}
