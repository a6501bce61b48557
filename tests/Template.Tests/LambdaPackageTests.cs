using System.Diagnostics;
using System.Reflection.PortableExecutable;
using DynamoLake.Testing;

namespace Template.Tests;

/// <summary>
/// What the Lambda packages carry for their first requests: ReadyToRun code (published as sam build and
/// dotnet lambda package publish them, for linux-arm64) and the runtime knob that lets hot methods tier up at once.
/// Speed itself is measured in bench/coldstart.sh, never asserted here.
/// </summary>
public sealed class LambdaPackageTests
{
    [Fact]
    public async Task Transform_PublishedForArm64_IsReadyToRun_WithItsCoreLibrary()
    {
        var output = Path.Combine(Path.GetTempPath(), "dynamolake-r2r-" + Guid.NewGuid().ToString("N"));
        try
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
            foreach (var argument in new[] { "publish", "src/Transform", "-c", "Release", "-r", "linux-arm64", "--self-contained", "false", "-o", output, "-v", "q", "--nologo" })
            {
                info.ArgumentList.Add(argument);
            }

            using var publish = Process.Start(info)!;
            var log = await publish.StandardOutput.ReadToEndAsync() + await publish.StandardError.ReadToEndAsync();
            await publish.WaitForExitAsync();
            Assert.True(publish.ExitCode == 0, log);

            foreach (var assembly in new[] { "Transform.dll", "DynamoLake.Core.dll" })
            {
                using var pe = new PEReader(File.OpenRead(Path.Combine(output, assembly)));
                Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{assembly} has no ReadyToRun code");
                // ReadyToRun images for Linux mark their machine XOR 0x7B79 (the Linux OS marker of crossgen2).
                Assert.Equal((ushort)Machine.Arm64, (ushort)((ushort)pe.PEHeaders.CoffHeader.Machine ^ 0x7B79));
            }

            // The package carries the contract the template's CONTRACT names, as the repository has it.
            Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "schema", "transactions.json")), File.ReadAllText(Path.Combine(output, "contracts", "transactions.json")));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("TransformFunction")]
    [InlineData("PartitionKeysFunction")]
    public void FirehoseProcessors_TierUpWithoutTheStartupDelay(string function)
    {
        var variables = ServerlessTemplate.Properties(function)["Environment"]!["Variables"]!;

        Assert.Equal("0", variables["DOTNET_TC_CallCountingDelayMs"]!.GetValue<string>());
        Assert.Null(variables["DOTNET_TieredPGO"]); // Dynamic PGO stays on
    }
}
