using System.Text.RegularExpressions;
using DynamoLake.Testing;

namespace Cli.Tests;

/// <summary>
/// Items in the table before capture starts reach the lake by a snapshot handed over while the stream goes
/// on (ADR 0018): the load reads a third of the way through the later changes and commits two thirds of the
/// way, so that changes race it, and the repair runs at the end. The lake ends equal to the table.
/// </summary>
[Collection(UsesConsole.Name)]
public sealed partial class ExistingItemsTests : IDisposable
{
    private readonly TempFolder _temp = new("dynamolake-existing-");

    private string Lake => Path.Combine(_temp.Path, "lake");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ExistingItems_WithWritesDuringTheHandOff_EndInParity_OverSeeds()
    {
        var repaired = 0L;
        foreach (var seed in new[] { "1", "2", "3", "4" })
        {
            var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--existing", "2000", "--count", "4000", "--seed", seed, "--duplicates", "0.3", "--shuffle", "--shards", "3", "--lake", Lake, "--force");

            Assert.True(exit == 0, $"seed {seed}: {stderr}{stdout}");
            Assert.Matches(@"^parity: [\d,]+ rows, 0 differences$", stdout.Split('\n')[0]);
            Assert.Equal("view parity (S3 change log, transactions_current): 0 differences", stdout.Split('\n')[1]);
            var handOff = HandOffRow().Match(stderr.Replace("\n", " ", StringComparison.Ordinal));
            Assert.True(handOff.Success, stderr);
            Assert.True(long.Parse(handOff.Groups["loaded"].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) > 0);
            repaired += long.Parse(handOff.Groups["repaired"].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        }

        // Changes really raced the load: the repair removed snapshot rows the stream had overtaken.
        Assert.True(repaired > 0);
    }

    [Fact]
    public async Task ExistingItems_OfAnotherContract_WithACompositeKeyAndLists_EndInParity()
    {
        var contract = Path.Combine(RepoPaths.Root, "examples", "customer-orders.json");

        var (exit, stdout, stderr) = await CliRun.Run("pipeline", "--contract", contract, "--existing", "1500", "--count", "3000", "--duplicates", "0.3", "--shuffle", "--lake", Lake);

        Assert.True(exit == 0, stderr + stdout);
        Assert.Matches(@"^parity: [\d,]+ rows, 0 differences$", stdout.Split('\n')[0]);
        Assert.Equal("view parity (S3 change log, customer_orders_current): 0 differences", stdout.Split('\n')[1]);
    }

    [Theory]
    [InlineData(new[] { "--existing", "5", "--count", "4" }, "--existing must be between 0 and --count (4), not 5.")]
    [InlineData(new[] { "--existing", "2", "--count", "4", "--contract", "SET" }, "--existing hands a snapshot over to one contract's table")]
    public async Task Existing_ThatCannotRun_IsAUsageError(string[] args, string message)
    {
        var arguments = args.Select(a => a == "SET" ? string.Join(',', new[] { "shop-orders.json", "shop-customers.json" }.Select(f => Path.Combine(RepoPaths.Root, "examples", f))) : a);

        var (exit, _, stderr) = await CliRun.Run(["pipeline", "--lake", Lake, .. arguments]);

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"snapshot hand-off[\s│]*(?<loaded>[\d,]+)[\s│]*loaded,[\s│]*(?<skipped>[\d,]+)[\s│]*skipped,[\s│]*(?<repaired>[\d,]+)[\s│]*repaired,[\s│]*0[\s│]*failed")]
    private static partial Regex HandOffRow();
}
