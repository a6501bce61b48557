using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using DynamoLake.Core.Contract;
using DynamoLake.Runtime;
using DynamoLake.Testing;

namespace Transform.Tests;

/// <summary>
/// The Native AOT build's Runtime API loop, against a fake Runtime API that follows the documented protocol
/// (2018-06-01: GET next with the request id, deadline and trace headers; POST response, invocation error and init
/// error, each answered 202; 413 for a response over the limit): the Transform's responses as its handler gives
/// them, a handler's exception as that invocation's error, an init failure as an init error, and the loop going on.
/// </summary>
public sealed class RuntimeLoopTests
{
    [Fact]
    public async Task TheLoop_PostsEachResponseUnderItsRequestId_AndAFailedInvocationAsItsError_ThenGoesOn()
    {
        var insert = await File.ReadAllBytesAsync(Harness.EventPath("kinesis-insert"));
        var mixed = await File.ReadAllBytesAsync(Harness.EventPath("kinesis-mixed-batch"));
        using var api = new FakeRuntimeApi([("req-1", insert), ("req-2", "{\"not\":\"firehose\"}"u8.ToArray()), ("req-3", mixed)]);
        var function = new Function(TableContract.LoadEmbedded(), new TransformSettings(), TimeProvider.System, TextWriter.Null);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var log = new StringWriter();

        var loop = LambdaRuntime.RunAsync(() => function.FunctionHandler, api.HostAndPort, log, stop.Token);
        await Task.WhenAny(loop, api.Posted(3)).WaitAsync(stop.Token);
        Assert.False(loop.IsCompleted, "the loop ended early");
        await stop.CancelAsync();

        Assert.Equal(0, await loop);
        Assert.Equal(["invocation/req-1/response", "invocation/req-2/error", "invocation/req-3/response"], api.Posts.Select(p => p.Path));
        Assert.Equal(await Direct(function, insert), api.Posts.ElementAt(0).Body);
        Assert.Equal(await Direct(function, mixed), api.Posts.ElementAt(2).Body);
        var error = api.Posts.ElementAt(1);
        Assert.Equal("Runtime.UnhandledException", error.ErrorType);
        using var body = JsonDocument.Parse(error.Body);
        Assert.Equal("InvalidFirehoseRequestException", body.RootElement.GetProperty("errorType").GetString());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("errorMessage").GetString()));
        Assert.Equal(0, body.RootElement.GetProperty("stackTrace").GetArrayLength());
        Assert.Equal("Root=1-trace-req-3", Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID"));

        // The loop's own log names the request and the error's type, never the event.
        Assert.Equal("invocation req-2: InvalidFirehoseRequestException\n", log.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task AHandlerThatCannotBeBuilt_IsPostedAsAnInitError_AndTheProcessEnds()
    {
        using var api = new FakeRuntimeApi([("req-1", "{}"u8.ToArray())]);

        var exit = await LambdaRuntime.RunAsync(() => throw new TableContractException("contracts/missing.json: no such contract file in the package"), api.HostAndPort, TextWriter.Null, CancellationToken.None);

        Assert.Equal(1, exit);
        var post = Assert.Single(api.Posts);
        Assert.Equal("init/error", post.Path);
        Assert.Equal("Runtime.InitError", post.ErrorType);
        using var body = JsonDocument.Parse(post.Body);
        Assert.Equal("TableContractException", body.RootElement.GetProperty("errorType").GetString());
        Assert.Equal(0, api.NextCalls);
    }

    // The Runtime API answers 500 when the runtime should exit: on next, and on a posted response.
    [Theory]
    [InlineData("next")]
    [InlineData("response")]
    public async Task TheRuntimeApiSaying500_EndsTheProcess(string where)
    {
        using var api = new FakeRuntimeApi([("req-1", "{}"u8.ToArray())]) { FailWith500 = where };
        var log = new StringWriter();

        var exit = await LambdaRuntime.RunAsync(() => _ => Task.FromResult<Stream>(new MemoryStream("{}"u8.ToArray())), api.HostAndPort, log, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exit);
        Assert.Contains("500", log.ToString(), StringComparison.Ordinal);
    }

    // The handler reads the event from the Runtime API's connection: an event cut off on the way is the API gone,
    // not the function's failure.
    [Fact]
    public async Task AnEventCutOffOnTheWay_EndsTheProcess()
    {
        var insert = await File.ReadAllBytesAsync(Harness.EventPath("kinesis-insert"));
        using var api = new FakeRuntimeApi([("req-1", insert)]) { CutTheEvent = true };
        var function = new Function(TableContract.LoadEmbedded(), new TransformSettings(), TimeProvider.System, TextWriter.Null);
        var log = new StringWriter();

        var exit = await LambdaRuntime.RunAsync(() => function.FunctionHandler, api.HostAndPort, log, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exit);
        Assert.Contains("runtime API unreachable", log.ToString(), StringComparison.Ordinal);
        Assert.Empty(api.Posts);
    }

    [Fact]
    public async Task AResponseLambdaRefusesAsTooLarge_BecomesThatInvocationsError()
    {
        using var api = new FakeRuntimeApi([("req-1", "{}"u8.ToArray())]) { RefuseResponses = true };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var loop = LambdaRuntime.RunAsync(() => _ => Task.FromResult<Stream>(new MemoryStream(new byte[1024])), api.HostAndPort, TextWriter.Null, stop.Token);
        await Task.WhenAny(loop, api.Posted(2)).WaitAsync(stop.Token);
        Assert.False(loop.IsCompleted, "the loop ended early");
        await stop.CancelAsync();

        Assert.Equal(0, await loop);
        Assert.Equal(["invocation/req-1/response", "invocation/req-1/error"], api.Posts.Select(p => p.Path));
        Assert.Equal("Function.ResponseSizeTooLarge", api.Posts.ElementAt(1).ErrorType);
    }

    [Fact]
    public async Task WithoutTheRuntimeApi_TheBootstrapSaysWhereItRuns()
    {
        var log = new StringWriter();

        Assert.Equal(2, await LambdaRuntime.RunAsync(() => _ => Task.FromResult<Stream>(new MemoryStream()), null, log, CancellationToken.None));
        Assert.Contains("AWS_LAMBDA_RUNTIME_API is not set", log.ToString(), StringComparison.Ordinal);
    }

    private static async Task<byte[]> Direct(Function function, byte[] request)
    {
        await using var response = await function.FunctionHandler(new MemoryStream(request));
        using var copy = new MemoryStream();
        await response.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>The Runtime API as the developer guide documents it, serving the given events in order, then none.</summary>
    private sealed class FakeRuntimeApi : IDisposable
    {
        private readonly ConcurrentQueue<(string Id, byte[] Event)> _events;
        private readonly FakeHttpServer _server;
        private readonly CancellationTokenSource _closing = new();

        public FakeRuntimeApi(IEnumerable<(string Id, byte[] Event)> events)
        {
            _events = new(events);
            _server = new FakeHttpServer(HandleAsync);
        }

        public string HostAndPort => $"127.0.0.1:{_server.Port}";

        public bool RefuseResponses { get; init; }

        /// <summary>Each event is announced whole (Content-Length) but only half sent, then the connection dropped.</summary>
        public bool CutTheEvent { get; init; }

        /// <summary>"next" or "response": that call is answered 500.</summary>
        public string? FailWith500 { get; init; }

        public ConcurrentQueue<(string Path, string? ErrorType, byte[] Body)> Posts { get; } = new();

        public int NextCalls { get; private set; }

        public async Task Posted(int count)
        {
            while (Posts.Count < count)
            {
                await Task.Delay(20);
            }
        }

        public void Dispose()
        {
            _closing.Cancel();
            _server.Dispose();
            _closing.Dispose();
        }

        private async Task HandleAsync(HttpListenerContext context)
        {
            var path = context.Request.Url!.AbsolutePath;
            const string Prefix = "/2018-06-01/runtime/";
            if (!path.StartsWith(Prefix, StringComparison.Ordinal))
            {
                await AnswerAsync(context, 404);
                return;
            }

            path = path[Prefix.Length..];
            if (context.Request.HttpMethod == "GET" && path == "invocation/next")
            {
                NextCalls++;
                if (FailWith500 == "next")
                {
                    await AnswerAsync(context, 500);
                    return;
                }

                if (!_events.TryDequeue(out var next))
                {
                    // No more events: Lambda would hold the request until one came.
                    try
                    {
                        await Task.Delay(Timeout.Infinite, _closing.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    return;
                }

                context.Response.Headers["Lambda-Runtime-Aws-Request-Id"] = next.Id;
                context.Response.Headers["Lambda-Runtime-Deadline-Ms"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-1:123456789012:function:transform";
                context.Response.Headers["Lambda-Runtime-Trace-Id"] = "Root=1-trace-" + next.Id;
                if (CutTheEvent)
                {
                    context.Response.StatusCode = 200;
                    context.Response.ContentLength64 = next.Event.Length;
                    await context.Response.OutputStream.WriteAsync(next.Event.AsMemory(0, next.Event.Length / 2));
                    await context.Response.OutputStream.FlushAsync();
                    context.Response.Abort();
                    return;
                }

                await AnswerAsync(context, 200, next.Event);
                return;
            }

            using var copy = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(copy);
            var tooLarge = RefuseResponses && path.EndsWith("/response", StringComparison.Ordinal);
            var failing = FailWith500 == "response" && path.EndsWith("/response", StringComparison.Ordinal);
            await AnswerAsync(context, failing ? 500 : tooLarge ? 413 : 202, tooLarge ? Encoding.UTF8.GetBytes("{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 bytes).\",\"errorType\":\"RequestEntityTooLarge\"}") : []);
            Posts.Enqueue((path, context.Request.Headers["Lambda-Runtime-Function-Error-Type"], copy.ToArray()));
        }

        private static async Task AnswerAsync(HttpListenerContext context, int status, byte[]? body = null)
        {
            context.Response.StatusCode = status;
            if (body is { Length: > 0 })
            {
                await context.Response.OutputStream.WriteAsync(body);
            }

            context.Response.Close();
        }
    }
}
