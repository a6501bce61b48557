using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>
/// A local Lambda for the tests (moto runs no .NET functions without Docker): Invoke
/// (<c>POST /2015-03-31/functions/NAME/invocations</c>) runs the export conversion's real handler in this process,
/// with the environment the template gives it and S3 at moto (the function's own S3 client, at moto's endpoint). A handler's exception comes back as Lambda returns a
/// function error: 200 with <c>X-Amz-Function-Error: Unhandled</c> and the errorType and errorMessage.
/// </summary>
internal sealed class LambdaStandIn : IDisposable
{
    private readonly FakeHttpServer _server;
    private readonly ExportConverter.Function _converter;

    /// <param name="function">The function name Invoke answers to.</param>
    /// <param name="s3">moto's endpoint.</param>
    /// <param name="table">SOURCE_TABLE_NAME.</param>
    /// <param name="contract">CONTRACT (default: the sample).</param>
    public LambdaStandIn(string function, Uri s3, string table, string? contract = null)
    {
        Function = function;
        var environment = new Dictionary<string, string?> { ["SOURCE_TABLE_NAME"] = table, ["CONTRACT"] = contract };
        _converter = new ExportConverter.Function(name => environment.GetValueOrDefault(name), () => ExportConverter.Function.Client(name => name == "AWS_ENDPOINT_URL_S3" ? s3.ToString() : null, _ => Task.FromResult(new DynamoLake.Aws.AwsCredentials("local", "local", null))), TextWriter.Synchronized(Log));
        _server = new FakeHttpServer(HandleAsync);
    }

    public string Function { get; }

    public Uri Endpoint => _server.Endpoint;

    /// <summary>Every invocation's payload, in order.</summary>
    public ConcurrentQueue<string> Invocations { get; } = new();

    /// <summary>What the function wrote to its log.</summary>
    public StringWriter Log { get; } = new();

    public void Dispose()
    {
        _server.Dispose();
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        if (context.Request.HttpMethod != "POST" || path != $"/2015-03-31/functions/{Function}/invocations")
        {
            await AnswerAsync(context, 404, new JsonObject { ["Type"] = "User", ["message"] = $"Function not found: {path}" }, functionError: false);
            return;
        }

        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var payload = await reader.ReadToEndAsync();
        Invocations.Enqueue(payload);
        try
        {
            await using var response = await _converter.FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
            using var text = new StreamReader(response);
            await AnswerAsync(context, 200, JsonNode.Parse(await text.ReadToEndAsync())!.AsObject(), functionError: false);
        }
        catch (Exception e)
        {
            await AnswerAsync(context, 200, new JsonObject { ["errorType"] = e.GetType().Name, ["errorMessage"] = e.Message }, functionError: true);
        }
    }

    private static async Task AnswerAsync(HttpListenerContext context, int status, JsonObject body, bool functionError)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (functionError)
        {
            context.Response.Headers["X-Amz-Function-Error"] = "Unhandled";
        }

        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }
}
