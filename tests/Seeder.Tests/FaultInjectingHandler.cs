using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Seeder.Tests;

/// <summary>
/// Sits in front of the real server inside the SDK's HTTP pipeline and misbehaves like DynamoDB under
/// load: throttling errors, 500s before and after the write was applied, and partial BatchWriteItem
/// results (the server gets only some of the items; the rest come back as UnprocessedItems).
/// </summary>
public sealed class FaultInjectingHandler : DelegatingHandler
{
    private readonly Random _random;
    private readonly Lock _gate = new();
    private int _throttled;
    private int _serverErrors;
    private int _appliedThenFailed;
    private int _partial;

    public FaultInjectingHandler(int seed)
        : base(new SocketsHttpHandler())
    {
        _random = new Random(seed);
    }

    public double ThrottleRate { get; init; }

    public double ServerErrorRate { get; init; }

    /// <summary>Forward the request, then answer 500 anyway: the write landed but the client cannot know.</summary>
    public double ErrorAfterApplyRate { get; init; }

    /// <summary>BatchWriteItem only: forward a random part of the items and return the rest as unprocessed.</summary>
    public double PartialRate { get; init; }

    /// <summary>BatchWriteItem items whose transaction_id matches are never forwarded: always unprocessed.</summary>
    public Func<string, bool>? NeverProcess { get; init; }

    public int Throttled => _throttled;

    public int ServerErrors => _serverErrors;

    public int AppliedThenFailed => _appliedThenFailed;

    public int Partial => _partial;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : "";
        var batchWrite = target.EndsWith(".BatchWriteItem", StringComparison.Ordinal);
        if (!batchWrite && !target.EndsWith(".UpdateItem", StringComparison.Ordinal))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var roll = Roll();
        if (roll < ThrottleRate)
        {
            Interlocked.Increment(ref _throttled);
            return Error(request, HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.");
        }

        roll -= ThrottleRate;
        if (roll < ServerErrorRate)
        {
            Interlocked.Increment(ref _serverErrors);
            return Error(request, HttpStatusCode.InternalServerError, "InternalServerError", "Internal server error");
        }

        roll -= ServerErrorRate;
        if (roll < ErrorAfterApplyRate)
        {
            var applied = await base.SendAsync(request, cancellationToken);
            if (!applied.IsSuccessStatusCode)
            {
                return applied; // not applied after all (e.g. a failed condition): answer truthfully
            }

            applied.Dispose();
            Interlocked.Increment(ref _appliedThenFailed);
            return Error(request, HttpStatusCode.InternalServerError, "InternalServerError", "Internal server error");
        }

        roll -= ErrorAfterApplyRate;
        if (batchWrite && (roll < PartialRate || NeverProcess is not null))
        {
            return await PartialAsync(request, partial: roll < PartialRate, cancellationToken);
        }

        return await base.SendAsync(request, cancellationToken);
    }

    private async Task<HttpResponseMessage> PartialAsync(HttpRequestMessage request, bool partial, CancellationToken cancellationToken)
    {
        var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
        var items = body["RequestItems"]!.AsObject();
        var heldBack = new JsonObject();
        foreach (var (table, node) in items.ToList())
        {
            var writes = node!.AsArray();
            var keep = partial ? RandomBelow(writes.Count) : writes.Count;
            var forward = new JsonArray();
            var hold = new JsonArray();
            for (var i = 0; i < writes.Count; i++)
            {
                var write = writes[i]!.DeepClone();
                var key = (write["PutRequest"]?["Item"] ?? write["DeleteRequest"]?["Key"])!["transaction_id"]!["S"]!.GetValue<string>();
                (i < keep && NeverProcess?.Invoke(key) != true ? forward : hold).Add(write);
            }

            if (hold.Count > 0)
            {
                heldBack[table] = hold;
            }

            if (forward.Count > 0)
            {
                items[table] = forward;
            }
            else
            {
                items.Remove(table);
            }
        }

        if (heldBack.Count > 0 && partial)
        {
            Interlocked.Increment(ref _partial);
        }

        JsonObject response;
        if (items.Count > 0)
        {
            var forwarded = new HttpRequestMessage(request.Method, request.RequestUri) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString())) };
            foreach (var header in request.Headers)
            {
                forwarded.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            forwarded.Content.Headers.ContentType = request.Content.Headers.ContentType;
            using var upstream = await base.SendAsync(forwarded, cancellationToken);
            var text = await upstream.Content.ReadAsStringAsync(cancellationToken);
            if (!upstream.IsSuccessStatusCode)
            {
                return Json(request, upstream.StatusCode, text);
            }

            response = JsonNode.Parse(text)!.AsObject();
        }
        else
        {
            response = new JsonObject();
        }

        var unprocessed = response["UnprocessedItems"] as JsonObject ?? [];
        foreach (var (table, node) in heldBack)
        {
            var list = unprocessed[table] as JsonArray ?? [];
            foreach (var write in node!.AsArray())
            {
                list.Add(write!.DeepClone());
            }

            unprocessed[table] = list;
        }

        response["UnprocessedItems"] = unprocessed;
        return Json(request, HttpStatusCode.OK, response.ToJsonString());
    }

    private double Roll()
    {
        lock (_gate)
        {
            return _random.NextDouble();
        }
    }

    private int RandomBelow(int n)
    {
        lock (_gate)
        {
            return _random.Next(n);
        }
    }

    private static HttpResponseMessage Error(HttpRequestMessage request, HttpStatusCode status, string type, string message) =>
        Json(request, status, new JsonObject { ["__type"] = "com.amazonaws.dynamodb.v20120810#" + type, ["message"] = message }.ToJsonString());

    // A rewritten body has no valid x-amz-crc32, so none is sent (the SDK checks it when present).
    private static HttpResponseMessage Json(HttpRequestMessage request, HttpStatusCode status, string json)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = new("application/x-amz-json-1.0");
        var response = new HttpResponseMessage(status) { Content = content, RequestMessage = request };
        response.Headers.TryAddWithoutValidation("x-amzn-RequestId", Guid.NewGuid().ToString());
        return response;
    }
}
