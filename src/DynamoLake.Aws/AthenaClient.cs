using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoLake.Aws;

/// <summary>
/// The Athena calls verify makes (JSON protocol, <c>AmazonAthena.*</c>, API 2017-05-18): a workgroup's
/// result location, and a query run to its end.
/// </summary>
internal sealed class AthenaClient(AwsJsonClient client)
{
    /// <summary>A workgroup's settings that decide where results may go.</summary>
    /// <param name="OutputLocation">The workgroup's query result location, if it has one.</param>
    /// <param name="Enforced">Whether the workgroup's settings override the client's (its location wins).</param>
    /// <param name="ManagedResults">Whether Athena manages the results (no S3 location of the user's).</param>
    public sealed record WorkGroup(string? OutputLocation, bool Enforced, bool ManagedResults);

    /// <summary>A finished query.</summary>
    /// <param name="Id">The query execution id.</param>
    /// <param name="OutputLocation">Where Athena wrote the query's own result files (metadata, manifest).</param>
    /// <param name="ScannedBytes">The bytes Athena scanned (what the query is billed by).</param>
    public sealed record Finished(string Id, string? OutputLocation, long ScannedBytes = 0);

    public async Task<WorkGroup> GetWorkGroupAsync(string name, CancellationToken cancellationToken)
    {
        using var response = await client.CallAsync("GetWorkGroup", new JsonObject { ["WorkGroup"] = name }, cancellationToken);
        var group = response.RootElement.GetProperty("WorkGroup");
        if (group.TryGetProperty("State", out var state) && state.GetString() == "DISABLED")
        {
            throw new AwsCallException("athena:GetWorkGroup", 400, "WorkGroupDisabled", $"the Athena workgroup '{name}' is disabled; enable it or give another with --workgroup.");
        }

        var configuration = group.TryGetProperty("Configuration", out var c) ? c : default;
        string? location = null;
        if (configuration.ValueKind == JsonValueKind.Object
            && configuration.TryGetProperty("ResultConfiguration", out var result)
            && result.TryGetProperty("OutputLocation", out var output)
            && output.GetString() is { Length: > 0 } text)
        {
            location = text;
        }

        var enforced = configuration.ValueKind == JsonValueKind.Object && configuration.TryGetProperty("EnforceWorkGroupConfiguration", out var e) && e.ValueKind == JsonValueKind.True;
        var managed = configuration.ValueKind == JsonValueKind.Object
            && configuration.TryGetProperty("ManagedQueryResultsConfiguration", out var m)
            && m.TryGetProperty("Enabled", out var enabled) && enabled.ValueKind == JsonValueKind.True;
        return new WorkGroup(location, enforced, managed);
    }

    /// <summary>
    /// Starts a query and waits until it ends. A FAILED or CANCELLED query throws with Athena's reason; a query
    /// still running at the deadline is stopped and throws naming the flag that sets the deadline.
    /// </summary>
    public async Task<Finished> RunAsync(string sql, string workGroup, string? outputLocation, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var request = new JsonObject
        {
            ["QueryString"] = sql,
            ["WorkGroup"] = workGroup,

            // Required when not using an SDK, which would make one (the API reference says so).
            ["ClientRequestToken"] = Guid.NewGuid().ToString("N"),
        };
        if (outputLocation is not null)
        {
            request["ResultConfiguration"] = new JsonObject { ["OutputLocation"] = outputLocation };
        }

        // Not cancellable: once Athena may have accepted the query, its id is needed to stop it.
        string id;
        using (var started = await client.CallAsync("StartQueryExecution", request, CancellationToken.None))
        {
            id = started.RootElement.GetProperty("QueryExecutionId").GetString()!;
        }

        var deadline = DateTimeOffset.UtcNow + timeout;
        var pause = TimeSpan.FromMilliseconds(200);
        try
        {
            while (true)
            {
                using var response = await client.CallAsync("GetQueryExecution", new JsonObject { ["QueryExecutionId"] = id }, cancellationToken);
                var execution = response.RootElement.GetProperty("QueryExecution");
                var status = execution.GetProperty("Status");
                switch (status.GetProperty("State").GetString())
                {
                    case "SUCCEEDED":
                        var location = execution.TryGetProperty("ResultConfiguration", out var result) && result.TryGetProperty("OutputLocation", out var output) ? output.GetString() : null;
                        var scanned = execution.TryGetProperty("Statistics", out var statistics) && statistics.TryGetProperty("DataScannedInBytes", out var bytes) && bytes.TryGetInt64(out var n) ? n : 0;
                        return new Finished(id, location, scanned);
                    case "FAILED":
                    case "CANCELLED":
                        var reason = status.TryGetProperty("AthenaError", out var error) && error.TryGetProperty("ErrorMessage", out var message) ? message.GetString()
                            : status.TryGetProperty("StateChangeReason", out var change) ? change.GetString() : null;
                        throw new AthenaQueryException(id, status.GetProperty("State").GetString()!, reason ?? "Athena gave no reason");
                }

                if (DateTimeOffset.UtcNow >= deadline)
                {
                    throw new AthenaQueryException(id, "TIMEOUT", $"still running after {timeout.TotalSeconds:0} s; it was stopped. Give it longer with --query-timeout SECONDS");
                }

                await Task.Delay(pause, cancellationToken);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 1.5, 5000));
            }
        }
        catch (Exception e) when (e is not AthenaQueryException { State: "FAILED" or "CANCELLED" })
        {
            // Whatever ends the wait (the deadline, a cancellation, an error of the calls), the query must not go
            // on writing after the caller has removed what it wrote.
            await StopAsync(id);
            throw;
        }
    }

    // Stops a query that is no longer wanted, and waits (a minute at most) until Athena says it has ended.
    private async Task StopAsync(string id)
    {
        try
        {
            using (await client.CallAsync("StopQueryExecution", new JsonObject { ["QueryExecutionId"] = id }, CancellationToken.None))
            {
            }

            for (var look = 0; look < 60; look++)
            {
                using var response = await client.CallAsync("GetQueryExecution", new JsonObject { ["QueryExecutionId"] = id }, CancellationToken.None);
                if (response.RootElement.GetProperty("QueryExecution").GetProperty("Status").GetProperty("State").GetString() is "SUCCEEDED" or "FAILED" or "CANCELLED")
                {
                    return;
                }

                await Task.Delay(1000, CancellationToken.None);
            }
        }
        catch (AwsCallException)
        {
            // Nothing more to do: the timeout, cancellation or error is what the user hears about.
        }
    }
}

/// <summary>An Athena query that did not succeed, with Athena's own reason.</summary>
internal sealed class AthenaQueryException(string id, string state, string reason)
    : Exception($"the Athena query {id} ended {state}: {reason}")
{
    public string State { get; } = state;
}
