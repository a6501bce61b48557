using System.Text.Json;
using Amazon.DynamoDBv2;
using DynamoLake.Core.Contract;

namespace Seeder;

/// <summary>
/// Seeder Lambda: writes a realistic change workload (inserts, status updates, deletes, TTL items) to the
/// table named by TABLE_NAME and returns the summary. A run that could not write everything fails with the
/// exact shortfall. Handler: <c>Seeder::Seeder.Function::FunctionHandler</c>.
/// </summary>
public sealed class Function
{
    private readonly SeedRun _run;
    private readonly SeederSettings _settings;
    private readonly TextWriter _log;
    private readonly TimeProvider _clock;

    /// <summary>Used by the Lambda runtime: the SDK's default client, settings from the environment, logs to stdout.</summary>
    public Function()
        : this(DynamoDbClients.Create(endpoint: null, region: null), SeederSettings.FromEnvironment(), new RetryPolicy(), Console.Out, contract: TableContract.FromEnvironment(Environment.GetEnvironmentVariable))
    {
        DynamoLake.Core.Observability.LambdaEnvironment.WarnAboutLogFormat(Environment.GetEnvironmentVariable, Console.Out);
    }

    internal Function(IAmazonDynamoDB client, SeederSettings settings, RetryPolicy retry, TextWriter log, TimeProvider? clock = null, TableContract? contract = null)
    {
        _run = new SeedRun(client, contract ?? TableContract.LoadEmbedded(), retry);
        _settings = settings;
        _log = log;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Reads a seed request (JSON) and returns the summary (JSON).</summary>
    /// <exception cref="SeedException">The request is invalid, the table is missing, or writes were left unwritten.</exception>
    public async Task<Stream> FunctionHandler(Stream request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var buffer = new MemoryStream();
        await request.CopyToAsync(buffer);
        var (options, parallelism) = SeedRequest.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), _clock.GetUtcNow());

        var summary = await _run.RunAsync(_settings.TableName, options, parallelism, progress: null, CancellationToken.None);
        var response = SeedResponse.From(summary);

        // Counts and names only: no item values in logs.
        await _log.WriteLineAsync(JsonSerializer.Serialize(response, SeederJsonContext.Default.SeedResponse));
        if (!summary.Complete)
        {
            throw new SeedException(summary.Shortfall());
        }

        var output = new MemoryStream();
        await JsonSerializer.SerializeAsync(output, response, SeederJsonContext.Default.SeedResponse);
        output.Position = 0;
        return output;
    }
}
