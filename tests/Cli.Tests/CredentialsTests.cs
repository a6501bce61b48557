using System.Diagnostics;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>
/// The credentials users really have, resolved by the SDK's chain in a separate process (the chain reads the
/// process's environment and AWS config): an assume-role profile is assumed through moto's STS, a broken one is
/// an error naming the profile — never hidden behind placeholder credentials for a local endpoint — and a
/// machine with no credentials at all is told when placeholders are used.
/// </summary>
public sealed class CredentialsTests(MotoFixture moto) : IClassFixture<MotoFixture>, IDisposable
{
    private readonly TempFolder _folder = new("dynamolake-credentials");

    public void Dispose() => _folder.Dispose();

    [RequiresServerFact(LocalServers.Moto)]
    public async Task AnAssumeRoleProfile_IsAssumedThroughSts_ForVerifyAndSeed()
    {
        var (exit, output) = await RunAsync("assumed", "verify", "--stack", "no-such-stack");

        // Credentials resolved (the role assumed at moto's STS): the first AWS call is made and answers.
        Assert.Equal(1, exit);
        Assert.Contains("Stack with id no-such-stack does not exist", output, StringComparison.Ordinal);
        Assert.DoesNotContain("could not be found or loaded", output, StringComparison.Ordinal);

        var table = $"creds-{Guid.NewGuid():N}";
        (exit, output) = await RunAsync("assumed", "seed", "--count", "20", "--table", table, "--create-table");
        Assert.True(exit == 0, output);
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task ABrokenProfile_IsAnErrorNamingIt_EvenAgainstALocalEndpoint()
    {
        var (exit, output) = await RunAsync("broken", "verify", "--stack", "no-such-stack");

        Assert.Equal(1, exit);
        Assert.Contains("the AWS credentials for profile 'broken' could not be resolved", output, StringComparison.Ordinal);
        Assert.Contains("nowhere", output, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist", output, StringComparison.Ordinal); // nothing was called with placeholders
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task WithAnExplicitLocalEndpoint_AProfileIsStillResolved_NotReplacedByPlaceholders()
    {
        var endpoint = moto.Server.Endpoint.ToString();
        var table = $"creds-{Guid.NewGuid():N}";

        var (exit, output) = await RunAsync("assumed", "seed", "--endpoint", endpoint, "--count", "10", "--table", table, "--create-table");
        Assert.True(exit == 0, output);

        (exit, output) = await RunAsync("broken", "seed", "--endpoint", endpoint, "--count", "10", "--table", table);
        Assert.NotEqual(0, exit);
        Assert.Contains("error: the AWS credentials for profile 'broken' could not be resolved (Error reading source profile [nowhere] for profile [broken])", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception 1 of", output, StringComparison.Ordinal);
    }

    [RequiresServerFact(LocalServers.Moto)]
    public async Task NoCredentialsAtAll_ALocalEndpointGetsPlaceholders_AndTheRunSaysSo()
    {
        var (exit, output) = await RunAsync(profile: null, "verify", "--stack", "no-such-stack");

        Assert.Equal(1, exit);
        Assert.Contains("note: no AWS credentials are configured: the calls to the local endpoint are signed with placeholder credentials.", output, StringComparison.Ordinal);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output)> RunAsync(string? profile, params string[] args)
    {
        var config = Path.Combine(_folder.Path, "config");
        await File.WriteAllTextAsync(config, """
            [profile base]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            region = us-east-1

            [profile assumed]
            role_arn = arn:aws:iam::123456789012:role/verifier
            source_profile = base
            region = us-east-1

            [profile broken]
            role_arn = arn:aws:iam::123456789012:role/verifier
            source_profile = nowhere
            region = us-east-1
            """);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _folder.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["AWS_CONFIG_FILE"] = config;
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_folder.Path, "no-credentials");
        start.Environment["AWS_REGION"] = "us-east-1";
        start.Environment["AWS_ENDPOINT_URL"] = moto.Server.Endpoint.ToString(); // STS included
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        if (profile is not null)
        {
            start.Environment["AWS_PROFILE"] = profile;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        return (process.ExitCode, await stderr + await stdout);
    }
}
