using System.Buffers.Text;
using System.Diagnostics;
using System.Text.Json;
using DynamoLake.Core.Firehose;

namespace DynamoLake.Local;

/// <summary>
/// The speed a Firehose transform cannot beat on a request, and a handler's speed beside it: the floor reads the
/// request, base64-decodes every record's data and tokenises it with <see cref="Utf8JsonReader"/>, nothing else.
/// Shared by <c>invoke --repeat</c> and the benchmarks, so that every figure means the same.
/// </summary>
internal static class RequestFloor
{
    /// <summary>The requests of a fresh process counted as its warm-up.</summary>
    public const int WarmUpRequests = 40;

    /// <summary>The floor's work on one request: the JSON tokens of every record's data.</summary>
    public static long Scan(byte[] request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var firehose = FirehoseRequest.Parse(request);
        var scratch = new byte[64 * 1024];
        long tokens = 0;
        for (var i = 0; i < firehose.Count; i++)
        {
            var data = firehose.RawData(i);
            if (Base64.GetMaxDecodedFromUtf8Length(data.Length) > scratch.Length)
            {
                scratch = new byte[Base64.GetMaxDecodedFromUtf8Length(data.Length)];
            }

            Base64.DecodeFromUtf8(data, scratch, out _, out var written);
            var reader = new Utf8JsonReader(scratch.AsSpan(0, written));
            while (reader.Read())
            {
                tokens++;
            }
        }

        return tokens;
    }

    /// <summary>The floor's rate on a request, in MB/s, over <paramref name="times"/> scans after as many unmeasured.</summary>
    public static double Rate(byte[] request, int times)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (var i = 0; i < times; i++)
        {
            Scan(request);
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < times; i++)
        {
            Scan(request);
        }

        return request.Length * (double)times / watch.Elapsed.TotalSeconds / 1e6;
    }

    /// <summary>
    /// The warm-up and steady rates of a run of requests timed one by one, in MB/s: warm-up the first
    /// <see cref="WarmUpRequests"/> (or all), steady the last third (requests 201–300 of 300).
    /// </summary>
    public static (double WarmUp, int WarmUpCount, double Steady, int SteadyFrom) Rates(int requestBytes, IReadOnlyList<TimeSpan> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        var warm = Math.Min(WarmUpRequests, times.Count);
        var steadyFrom = times.Count - ((times.Count + 2) / 3);
        double Rate(IEnumerable<TimeSpan> part, int count) => requestBytes * (double)count / part.Sum(t => t.TotalSeconds) / 1e6;
        return (Rate(times.Take(warm), warm), warm, Rate(times.Skip(steadyFrom), times.Count - steadyFrom), steadyFrom + 1);
    }
}
