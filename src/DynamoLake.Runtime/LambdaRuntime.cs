using System.Net;
using System.Text;
using System.Text.Json;

namespace DynamoLake.Runtime;

/// <summary>
/// The Lambda Runtime API loop of a custom runtime (API version 2018-06-01, AWS Lambda developer guide, "Using
/// the Lambda runtime API for custom runtimes"): build the handler once (an exception is posted to
/// <c>/runtime/init/error</c> and the process exits), then for ever GET <c>/runtime/invocation/next</c> (no
/// timeout: Lambda answers when there is an event), run the handler on its body, and POST the result to
/// <c>/runtime/invocation/{id}/response</c>, or the exception to <c>/runtime/invocation/{id}/error</c> with the
/// <c>Lambda-Runtime-Function-Error-Type</c> header. A response Lambda refuses (413, too large) is reported as
/// that invocation's error. The X-Ray trace header of each event is set in <c>_X_AMZN_TRACE_ID</c>.
/// Logs (stderr) carry request ids and error types only, never an event or a response.
/// </summary>
public static class LambdaRuntime
{
    private const string Version = "2018-06-01";
    private const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    /// <summary>The loop of a deployed bootstrap: the endpoint from AWS_LAMBDA_RUNTIME_API.</summary>
    public static Task<int> RunAsync(Func<Func<Stream, Task<Stream>>> init) =>
        RunAsync(init, Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API"), Console.Error, CancellationToken.None);

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (0) or the handler cannot be built (1).</summary>
    /// <param name="init">Builds the handler (the function's constructor: it reads its settings and contract).</param>
    /// <param name="runtimeApi">host:port of the Runtime API.</param>
    /// <param name="log">Where the loop's own lines go.</param>
    /// <param name="cancellationToken">Ends the loop (tests; Lambda ends the process instead).</param>
    public static async Task<int> RunAsync(Func<Func<Stream, Task<Stream>>> init, string? runtimeApi, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(log);
        if (string.IsNullOrEmpty(runtimeApi))
        {
            await log.WriteLineAsync("error: AWS_LAMBDA_RUNTIME_API is not set: this bootstrap runs inside Lambda's provided.al2023 runtime (or beside a Runtime API emulator)");
            return 2;
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://{runtimeApi}/{Version}/runtime/"), Timeout = Timeout.InfiniteTimeSpan };
        Func<Stream, Task<Stream>> handler;
        try
        {
            handler = init();
        }
        catch (Exception e)
        {
            await log.WriteLineAsync($"init error: {e.GetType().Name}");
            using var posted = await PostErrorAsync(http, "init/error", e, "Runtime.InitError", cancellationToken);
            return 1;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            string id;
            byte[] payload;
            try
            {
                using var next = await http.GetAsync("invocation/next", HttpCompletionOption.ResponseContentRead, cancellationToken);
                next.EnsureSuccessStatusCode();
                id = next.Headers.TryGetValues("Lambda-Runtime-Aws-Request-Id", out var ids) ? ids.First() : throw new InvalidOperationException("the Runtime API sent an event without Lambda-Runtime-Aws-Request-Id");
                Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", next.Headers.TryGetValues("Lambda-Runtime-Trace-Id", out var trace) ? trace.First() : null);
                payload = await next.Content.ReadAsByteArrayAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return 0;
            }

            await InvokeAsync(http, handler, id, payload, log, cancellationToken);
        }

        return 0;
    }

    // One invocation: the handler's response, or its exception, posted back under the request's id.
    private static async Task InvokeAsync(HttpClient http, Func<Stream, Task<Stream>> handler, string id, byte[] payload, TextWriter log, CancellationToken cancellationToken)
    {
        Stream response;
        try
        {
            response = await handler(new MemoryStream(payload, writable: false));
        }
        catch (Exception e)
        {
            await log.WriteLineAsync($"invocation {id}: {e.GetType().Name}");
            using var failed = await PostErrorAsync(http, $"invocation/{id}/error", e, "Runtime.UnhandledException", cancellationToken);
            return;
        }

        await using (response)
        {
            using var content = new StreamContent(response);
            using var posted = await http.PostAsync($"invocation/{id}/response", content, cancellationToken);
            if (posted.StatusCode == HttpStatusCode.RequestEntityTooLarge)
            {
                // Lambda refused the response (over its payload limit): the invocation fails, saying so.
                await log.WriteLineAsync($"invocation {id}: response refused as too large");
                using var failed = await PostErrorAsync(http, $"invocation/{id}/error", new InvalidOperationException("the response is larger than Lambda's payload limit"), "Function.ResponseSizeTooLarge", cancellationToken);
            }
        }
    }

    private static async Task<HttpResponseMessage> PostErrorAsync(HttpClient http, string path, Exception e, string errorType, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("errorMessage", e.Message);
            json.WriteString("errorType", e.GetType().Name);
            json.WriteStartArray("stackTrace");
            json.WriteEndArray();
            json.WriteEndObject();
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body.ToArray()) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TryAddWithoutValidation(ErrorTypeHeader, errorType);
        return await http.SendAsync(request, cancellationToken);
    }
}
