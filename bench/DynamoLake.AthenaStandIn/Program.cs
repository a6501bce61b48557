// The tests' Athena stand-in (tests/Cli.Tests/AthenaStandIn.cs) as a process: it serves the lake in args[0],
// writing UNLOAD results into the S3 endpoint in args[1], prints its endpoint, and runs until stdin closes.
if (args.Length != 2 || !Uri.TryCreate(args[1], UriKind.Absolute, out var s3))
{
    await Console.Error.WriteLineAsync("usage: DynamoLake.AthenaStandIn LAKE S3_ENDPOINT");
    return 2;
}

using var athena = new Cli.Tests.AthenaStandIn(args[0], s3);
Console.WriteLine(athena.Endpoint);
await Console.In.ReadToEndAsync();
return 0;
