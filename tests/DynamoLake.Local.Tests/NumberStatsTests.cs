using DynamoLake.Local.Contracts;

namespace DynamoLake.Local.Tests;

/// <summary>The digits contract infer counts for a DynamoDB number, read by the record path's own number parser.</summary>
public sealed class NumberStatsTests
{
    [Theory]
    [InlineData("123.4500", 3, 2, false)]
    [InlineData("0.0012", 0, 4, false)]
    [InlineData("-7", 1, 0, true)]
    [InlineData("1E+3", 4, 0, true)]
    [InlineData("1.5E-2", 0, 3, false)]
    [InlineData("1200", 4, 0, true)]
    [InlineData("-0", 0, 0, true)]
    [InlineData("9223372036854775807", 19, 0, true)]
    [InlineData("9223372036854775808", 19, 0, false)]
    [InlineData("12345678901234567890123456789.123456789012", 29, 12, false)]
    public void TryDigits_CountsWholeAndFractionDigits_AndWhetherALongHoldsIt(string text, int integerDigits, int scale, bool fitsLong)
    {
        Assert.True(NumberStats.TryDigits(text, out var whole, out var fraction, out var fits));

        Assert.Equal((integerDigits, scale, fitsLong), (whole, fraction, fits));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1.2.3")]
    public void Add_ANotANumber_IsCountedApart(string text)
    {
        var stats = new NumberStats();

        stats.Add(text);
        stats.Add("12.5");

        Assert.Equal((1L, 1L, 2, 1), (stats.Unreadable, stats.Count, stats.MaxIntegerDigits, stats.MaxScale));
    }
}
