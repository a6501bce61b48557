using System.CommandLine;

namespace Cli;

/// <summary>Entry point of the local workbench (never deployed).</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => Run(args, Console.OpenStandardOutput(), Console.Error);

    /// <summary>Parses and runs a command line. Exit codes: 0 ok, 1 a failed run or check, 2 usage.</summary>
    public static async Task<int> Run(string[] args, Stream stdout, TextWriter stderr)
    {
        var root = new RootCommand("DynamoLake: DynamoDB change data into an exact, queryable lake. Local workbench.")
        {
            PipelineCommand.Create(stdout, stderr),
            QueryCommand.Create(stdout, stderr),
            RedriveCommand.Create(stdout, stderr),
            BackfillCommand.Create(stdout, stderr),
            InvokeCommand.Create(stdout, stderr),
            ContractCommand.Create(stdout),
            SeedCommand.Create(stdout, stderr),
            ProvisionCommand.Create(stdout, stderr),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await stderr.WriteLineAsync($"error: {error.Message}");
            }

            await stderr.WriteLineAsync("Run with --help for usage.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = Console.Error, Error = stderr });
    }
}
