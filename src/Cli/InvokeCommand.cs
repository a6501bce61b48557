using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DynamoLake.Local;
using DynamoLake.Local.Pipeline;

namespace Cli;

/// <summary>
/// <c>invoke FUNCTION EVENT</c>: runs a function's Lambda entry point on an event file (or stdin) and
/// prints exactly the response on stdout — the <c>sam local invoke</c> of users without Docker. The
/// function's own log lines go to stderr.
/// </summary>
internal static class InvokeCommand
{
    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var function = new Argument<string>("function")
        {
            Description = $"Function to run: {string.Join(", ", LambdaFunctions.All.Keys)}.",
        };
        var eventPath = new Argument<string>("event")
        {
            Description = "Event JSON file (e.g. events/kinesis-insert.json), or - for stdin.",
        };
        var repeat = new Option<int>("--repeat")
        {
            Description = "Run the handler once (printed), then N times timed on the same request, and print on stderr its warm-up rate (requests 1–40), its steady rate (the last third: 201–300 of 300) and the floor (the same request read, base64-decoded and tokenised, nothing else), in MB/s; the last line is 'MB/s <steady>'.",
            DefaultValueFactory = _ => 1,
        };
        var contractFile = ContractFlag.Create();

        var command = new Command("invoke", "Run a function's Lambda handler on an event and print its response.")
        {
            function,
            eventPath,
            repeat,
            contractFile,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetValue(function)!, parse.GetValue(eventPath)!, parse.GetValue(repeat), ContractFlag.Environment(parse, contractFile), stdout, stderr, cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(string functionName, string eventPath, int repeat, FunctionEnvironment environment, Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!LambdaFunctions.All.TryGetValue(functionName, out var factory))
        {
            await stderr.WriteLineAsync($"error: unknown function '{functionName}'; expected one of: {string.Join(", ", LambdaFunctions.All.Keys)}.");
            return ExitCodes.Usage;
        }

        if (repeat < 1)
        {
            await stderr.WriteLineAsync($"error: --repeat must be at least 1, not {repeat}.");
            return ExitCodes.Usage;
        }

        if (environment.IsSet && functionName is not ("transform" or "provisioner"))
        {
            await stderr.WriteLineAsync($"error: {functionName} reads one contract, and --contract names {environment.ContractFileNames.Count}: a set on one stream runs through the Transform (and the provisioner); the S3 path and the Seeder take one contract.");
            return ExitCodes.Usage;
        }

        if (eventPath != "-" && Directory.Exists(eventPath))
        {
            await stderr.WriteLineAsync($"error: the event '{eventPath}' is a folder; give an event file such as events/kinesis-insert.json, or - for stdin.");
            return ExitCodes.Usage;
        }

        byte[] request;
        try
        {
            request = eventPath == "-" ? await ReadAllAsync(Console.OpenStandardInput(), cancellationToken) : await File.ReadAllBytesAsync(eventPath, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"error: cannot read event file '{eventPath}': {e.Message}");
            return ExitCodes.Usage;
        }

        // Editors (and aws-lambda-dotnet's own fixtures) save JSON with a UTF-8 byte order mark; Lambda never
        // sends one, so it is not part of the event.
        if (request.AsSpan().StartsWith("\uFEFF"u8))
        {
            request = request[3..];
        }

        // The function logs to Console.Out as in Lambda — the managed runtime's console for the template's
        // environment, so its lines look as CloudWatch would receive them; here stdout carries only the response.
        var originalOut = Console.Out;
        var template = environment.Template();
        var console = template.ConsoleFor(LambdaFunctions.LogicalIds[functionName], stderr);
        environment = environment.For(template, LambdaFunctions.LogicalIds[functionName]);
        console.RequestId = Guid.NewGuid().ToString();
        Console.SetOut(console);
        try
        {
            var handler = factory(environment);
            byte[] response;
            using (var responseStream = await handler(new MemoryStream(request, writable: false)))
            {
                response = await ReadAllAsync(responseStream, cancellationToken);
            }

            if (repeat > 1)
            {
                // The repeats' log lines stay out of the measurement and out of the way: the MB/s line comes last.
                // (A function takes Console.Out as its log when it is built, as in Lambda: build a quiet one.)
                // N more invocations, each timed alike on one quiet instance, its response read to the end as Lambda
                // reads it; the printed one before them is not timed (it also writes its log and the response).
                Console.SetOut(TextWriter.Null);
                var quiet = factory(environment);
                var times = new List<TimeSpan>(repeat);
                var watch = new Stopwatch();
                for (var i = 0; i < repeat; i++)
                {
                    watch.Restart();
                    await using (var again = await quiet(new MemoryStream(request, writable: false)))
                    {
                        await again.CopyToAsync(Stream.Null, cancellationToken);
                    }

                    times.Add(watch.Elapsed);
                }

                Console.SetOut(console);
                var (warmUp, warmCount, steady, steadyFrom) = RequestFloor.Rates(request.Length, times);
                var floor = RequestFloor.Rate(request, repeat - steadyFrom + 1);
                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"({repeat:N0} invocations timed one by one, their log lines omitted)"));
                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"warm-up MB/s {warmUp:F1} (timed requests 1–{warmCount}, after the printed one)"));
                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"steady MB/s {steady:F1} (requests {steadyFrom}–{repeat}), {steady / floor:P0} of the floor"));
                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"floor MB/s {floor:F1} (the same request read, base64-decoded and tokenised, nothing else)"));
                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"MB/s {steady:F1}"));
            }

            await stdout.WriteAsync(response, cancellationToken);
            if (response.Length > 0 && response[^1] != (byte)'\n')
            {
                stdout.WriteByte((byte)'\n');
            }

            await stdout.FlushAsync(cancellationToken);
            if (functionName == "provisioner" && ProvisionerAnswer(response) is ("FAILED", var reason))
            {
                await stderr.WriteLineAsync($"error: the custom resource answered FAILED: {reason ?? "(no Reason given)"}");
                return ExitCodes.Failed;
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await stderr.WriteLineAsync($"error: the {functionName} handler failed on '{eventPath}': {ErrorText.Of(e)}");
            return ExitCodes.Failed;
        }
        finally
        {
            Console.SetOut(originalOut);
        }
    }

    // The Status and Reason the custom resource sent (what CloudFormation would show).
    private static (string? Status, string? Reason) ProvisionerAnswer(byte[] response)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(response);
            var root = document.RootElement;
            return (root.TryGetProperty("Status", out var status) ? status.GetString() : null, root.TryGetProperty("Reason", out var reason) ? reason.GetString() : null);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, null);
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken);
        return copy.ToArray();
    }
}
