using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;

// A fresh process that loads a published function the way the Lambda runtime does (by path, handler string)
// and calls it on one event N times: how long until the first response, and how fast the first N requests go
// while the JIT is still at tier 0 (or not, with ReadyToRun).
// The steady state is measured in the same process, over the last 100 of 300 requests.
//   dotnet DynamoLake.ColdStart.dll <published folder> <Assembly::Type::Method> <event.json> [first=40]
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: DynamoLake.ColdStart <published folder> <Assembly::Namespace.Type::Method> <event.json> [requests=40]");
    return 2;
}

var folder = Path.GetFullPath(args[0]);
var handler = args[1].Split("::");
var request = File.ReadAllBytes(args[2]);
var first40 = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 40;
const int Total = 300;
const int Steady = 100;
var count = Math.Max(Total, first40);

// In Lambda the package is the application's base folder, where CONTRACT (contracts/…) is found; this host's
// base folder is its own, so the contract is named by its path in the published folder.
var contract = Environment.GetEnvironmentVariable("CONTRACT") ?? "contracts/transactions.json";
Environment.SetEnvironmentVariable("CONTRACT", Path.IsPathRooted(contract) ? contract : Path.Combine(folder, contract));
Console.SetOut(TextWriter.Null); // the function's log lines (it takes Console.Out when built) are not what is measured
var context = new FolderLoadContext(folder);
var assembly = context.LoadFromAssemblyPath(Path.Combine(folder, handler[0] + ".dll"));
var type = assembly.GetType(handler[1], throwOnError: true)!;
var instance = Activator.CreateInstance(type)!;
var method = type.GetMethod(handler[2])!;
var call = method.CreateDelegate<Func<Stream, Task<Stream>>>(instance);

var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
var times = new double[count];
var first = TimeSpan.Zero;
for (var i = 0; i < count; i++)
{
    var watch = Stopwatch.StartNew();
    using (var response = await call(new MemoryStream(request, writable: false)))
    {
    }

    times[i] = watch.Elapsed.TotalSeconds;
    if (i == 0)
    {
        first = sinceStart + watch.Elapsed;
    }
}

if (Environment.GetEnvironmentVariable("COLDSTART_DETAIL") == "1")
{
    // Each of the first requests in ms, to see where a slow start is spent.
    Console.Error.WriteLine(string.Join(' ', times[..first40].Select(t => (t * 1000).ToString("F1", CultureInfo.InvariantCulture))));
}

if (Environment.GetEnvironmentVariable("COLDSTART_MEDIAN") == "1")
{
    // The steady requests' median, for comparing two builds: one slow request (a neighbour's burst) moves a mean.
    var sorted = times[^Steady..].Order().ToArray();
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median {request.Length / sorted[Steady / 2] / 1e6:F1}"));
}

var early = (double)request.Length * first40 / times[..first40].Sum() / 1e6;
var steady = (double)request.Length * Steady / times[^Steady..].Sum() / 1e6;
Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first response {first.TotalMilliseconds:F0} ms after process start, response {first40} at {first.TotalMilliseconds + (times[1..first40].Sum() * 1000):F0} ms (first request {times[0] * 1000:F0} ms); first {first40} requests {early:F1} MB/s = {100 * early / steady:F0}% of steady {steady:F1} MB/s (last {Steady} of {count})"));
return 0;

internal sealed class FolderLoadContext(string folder) : AssemblyLoadContext(isCollectible: false)
{
    protected override Assembly? Load(AssemblyName name)
    {
        var path = Path.Combine(folder, name.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
