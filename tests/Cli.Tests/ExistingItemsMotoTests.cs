using System.Text.RegularExpressions;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>
/// Existing items against moto: the workload's first items are in the table before capture (their inserts are
/// not on the stream), the snapshot is the table's export read as AWS writes it (tests/tools/moto_server.py),
/// and the hand-off ends in parity, the table's and the view's.
/// </summary>
[Collection(UsesConsole.Name)]
public sealed class ExistingItemsMotoTests(MotoFixture moto) : IClassFixture<MotoFixture>, IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-existing-moto-");

    public void Dispose() => _temp.Dispose();

    [RequiresServerFact(LocalServers.Moto)]
    public async Task ExistingItems_AgainstMoto_HandTheExportOver_AndEndInParity_OverSeeds()
    {
        foreach (var seed in new[] { "3", "8" })
        {
            var table = $"existing-{seed}-{Guid.NewGuid():N}"[..24];
            var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--endpoint", moto.Server.Endpoint.ToString(), "--table", table, "--existing", "300", "--count", "600", "--seed", seed, "--lake", Path.Combine(_temp.Path, seed));

            Assert.True(exit == 0, $"seed {seed}: {stderr}{stdout}");
            Assert.Matches(@"^parity: [\d,]+ rows, 0 differences$", stdout.Split('\n')[0]);
            Assert.Equal("view parity (S3 change log, transactions_current): 0 differences", stdout.Split('\n')[1]);
            Assert.Matches($@"exported '{table}' \(export \d{{14}}-[0-9a-f]{{8}}\): [\d,]+ items", stderr);
            var loaded = Regex.Match(stderr.Replace("\n", " ", StringComparison.Ordinal), @"snapshot hand-off\s*│\s*(?<loaded>[\d,]+) loaded");
            Assert.True(loaded.Success && loaded.Groups["loaded"].Value != "0", stderr);
        }
    }
}
