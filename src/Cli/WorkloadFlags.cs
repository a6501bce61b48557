namespace Cli;

/// <summary>
/// The workload's problems (<see cref="Seeder.WorkloadOptions.Problems"/> names the Seeder request's fields,
/// <c>count</c>, <c>updateFraction</c>, …) told in the CLI's own words: the flag to change.
/// </summary>
internal static class WorkloadFlags
{
    private static readonly (string Field, string Flag)[] s_flags =
    [
        ("count", "--count"),
        ("updateFraction", "--update-fraction"),
        ("moveFraction", "--move-fraction"),
        ("deleteFraction", "--delete-fraction"),
        ("ttlFraction", "--ttl-fraction"),
        ("window", "--days"),
    ];

    public static IEnumerable<string> Problems(Seeder.WorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var problem in options.Problems())
        {
            var match = s_flags.FirstOrDefault(f => problem.StartsWith(f.Field + " ", StringComparison.Ordinal));
            yield return match.Flag is null ? problem : match.Flag + problem[match.Field.Length..];
        }
    }
}
