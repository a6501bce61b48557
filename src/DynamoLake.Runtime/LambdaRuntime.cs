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

        // Never through a proxy the function's environment may name: the Runtime API is local.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{runtimeApi}/{Version}/runtime/"), Timeout = Timeout.InfiniteTimeSpan };
        Func<Stream, Task<Stream>> handler;
        try
        {
            handler = init();
        }
        catch (Exception e)
        {
            // No event exists yet: the message (a missing contract, a bad setting) is what the operator needs.
            await log.WriteLineAsync($"init error: {e.GetType().Name}: {e.Message}");
            try
            {
                using var posted = await PostErrorAsync(http, "init/error", e, "Runtime.InitError", cancellationToken);
            }
            catch (Exception post) when (post is HttpRequestException or OperationCanceledException)
            {
                await log.WriteLineAsync($"init error not reported: {post.GetType().Name}");
            }

            return 1;
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // Headers first: the handler reads the event from the connection itself (the loop keeps no copy of it).
                using var next = await http.GetAsync("invocation/next", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (!next.IsSuccessStatusCode || !next.Headers.TryGetValues("Lambda-Runtime-Aws-Request-Id", out var ids))
                {
                    // The Runtime API answers 500 when the runtime should exit; anything else is as unusable.
                    await log.WriteLineAsync($"runtime API: next answered {(int)next.StatusCode}{(next.IsSuccessStatusCode ? " without Lambda-Runtime-Aws-Request-Id" : "")}; exiting");
                    return 1;
                }

                var id = ids.First();
                Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", next.Headers.TryGetValues("Lambda-Runtime-Trace-Id", out var trace) ? trace.First() : null);
                await using var payload = await next.Content.ReadAsStreamAsync(cancellationToken);
                if (!await InvokeAsync(http, handler, id, payload, log, cancellationToken))
                {
                    return 1;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (e is HttpRequestException or HttpIOException)
        {
            // Also an event cut off while the handler was reading it: the Runtime API is gone.
            await log.WriteLineAsync($"runtime API unreachable: {e.GetType().Name}; exiting");
            return 1;
        }

        return 0;
    }

    // One invocation: the handler's response, or its exception, posted back under the request's id. False when
    // the Runtime API cannot take the outcome (the process should exit).
    private static async Task<bool> InvokeAsync(HttpClient http, Func<Stream, Task<Stream>> handler, string id, Stream payload, TextWriter log, CancellationToken cancellationToken)
    {
        Stream? response;
        try
        {
            response = await handler(payload);
        }
        catch (Exception e) when (e is not (HttpRequestException or HttpIOException) && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            await log.WriteLineAsync($"invocation {id}: {e.GetType().Name}");
            return await ReportAsync(http, id, e, "Runtime.UnhandledException", log, cancellationToken);
        }

        if (response is null)
        {
            return await ReportAsync(http, id, new InvalidOperationException("the handler returned no response"), "Runtime.NullResponse", log, cancellationToken);
        }

        await using (response)
        {
            using var content = new StreamContent(response);
            using var posted = await http.PostAsync($"invocation/{id}/response", content, cancellationToken);
            if (posted.StatusCode == HttpStatusCode.RequestEntityTooLarge)
            {
                // Lambda refused the response (over its payload limit): the invocation fails, saying so.
                await log.WriteLineAsync($"invocation {id}: response refused as too large");
                return await ReportAsync(http, id, new InvalidOperationException("the response is larger than Lambda's payload limit"), "Function.ResponseSizeTooLarge", log, cancellationToken);
            }

            return await AcceptedAsync(posted, id, "response", log);
        }
    }

    private static async Task<bool> ReportAsync(HttpClient http, string id, Exception e, string errorType, TextWriter log, CancellationToken cancellationToken)
    {
        using var posted = await PostErrorAsync(http, $"invocation/{id}/error", e, errorType, cancellationToken);
        return await AcceptedAsync(posted, id, "error", log);
    }

    // 202 is the Runtime API's answer; a 500 means the runtime should exit; another status is logged and passed.
    private static async Task<bool> AcceptedAsync(HttpResponseMessage posted, string id, string what, TextWriter log)
    {
        if (posted.StatusCode == HttpStatusCode.Accepted)
        {
            return true;
        }

        await log.WriteLineAsync($"invocation {id}: the {what} was answered {(int)posted.StatusCode}");
        return (int)posted.StatusCode < 500;
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
