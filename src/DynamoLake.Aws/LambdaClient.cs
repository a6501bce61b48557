using System.Text;
using System.Text.Json;
using DynamoLake.Core.Iam;

namespace DynamoLake.Aws;

/// <summary>
/// Lambda's Invoke (REST, <c>POST /2015-03-31/functions/NAME/invocations</c>, service <c>lambda</c>), request and
/// response: backfill --stack runs the conversion function once per export data file with it. A function error
/// (the <c>X-Amz-Function-Error</c> header on a 200) throws with the function's own errorType and errorMessage.
/// </summary>
internal sealed class LambdaClient(AwsRestClient rest)
{
    public const string SigningName = "lambda";

    /// <summary>Called by the CLI only (backfill --stack), never by a deployed function.</summary>
    public static readonly AwsOperation Invoke = new("lambda:InvokeFunction", IamResource.AnyResource, LocalOnly: true, Api: "Invoke");

    /// <summary>Invokes a function and waits for its response (at most the function's timeout, 15 minutes).</summary>
    /// <exception cref="LambdaFunctionException">The function failed (its error, as Lambda reports it).</exception>
    public async Task<JsonDocument> InvokeAsync(string function, byte[] payload, CancellationToken cancellationToken)
    {
        using var response = await rest.SendAsync(Invoke, HttpMethod.Post, $"/2015-03-31/functions/{Uri.EscapeDataString(function)}/invocations", payload, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.Headers.TryGetValues("X-Amz-Function-Error", out var kind))
        {
            string? type = null, message = null;
            try
            {
                using var error = JsonDocument.Parse(body);
                type = error.RootElement.TryGetProperty("errorType", out var t) ? t.GetString() : null;
                message = error.RootElement.TryGetProperty("errorMessage", out var m) ? m.GetString() : null;
            }
            catch (JsonException)
            {
                // Not JSON: the body itself is the message below.
            }

            throw new LambdaFunctionException(function, type ?? kind.First(), message ?? Encoding.UTF8.GetString(body));
        }

        return JsonDocument.Parse(body);
    }
}

/// <summary>A Lambda function that ran and failed, with its own error.</summary>
internal sealed class LambdaFunctionException(string function, string type, string message)
    : Exception($"the function {function} failed: {type}: {message}");
