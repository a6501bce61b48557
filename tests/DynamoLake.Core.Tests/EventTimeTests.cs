using System.Globalization;
using System.Text;
using CsCheck;
using DynamoLake.Core.Changes;

namespace DynamoLake.Core.Tests;

public sealed class EventTimeTests
{
    [Theory]
    [InlineData("1795426800", 1795426800000000)] // seconds
    [InlineData("1795426800123", 1795426800123000)] // milliseconds
    [InlineData("1795426800123456", 1795426800123456)] // microseconds
    [InlineData("1795426800.5", 1795426800500000)] // seconds with a fraction (DynamoDB Streams)
    [InlineData("0", 0)]
    public void ApproximateCreationDateTime_IsReadInTheUnitItsSizeSays(string text, long expected)
    {
        Assert.Equal(ReasonCode.None, EventTime.TryToMicroseconds(Encoding.UTF8.GetBytes(text), out var micros));
        Assert.Equal(expected, micros);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("-1795426800")]
    [InlineData("")]
    public void ANegativeOrUnreadableTime_IsInvalid(string text) =>
        Assert.Equal(ReasonCode.InvalidValue, EventTime.TryToMicroseconds(Encoding.UTF8.GetBytes(text), out _));

    [Theory]
    [InlineData("1e400")]
    [InlineData("9999999999999999999")] // 19 digits of microseconds: past a long
    public void ATimeBeyondALong_Overflows(string text) =>
        Assert.Equal(ReasonCode.Overflow, EventTime.TryToMicroseconds(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void AnIntegerWrittenAnyOtherWay_IsTheSameTimeAsItsPlainText()
    {
        // Leading zeros, a ".0" fraction or an exponent do not change the number, so they must not change the
        // unit its size says, nor the instant, for any size of number.
        Gen.Select(Gen.Int[1, 18], Gen.ULong, Gen.Int[0, 2]).Sample((digits, bits, form) =>
        {
            var value = (long)(bits % (ulong)Math.Pow(10, digits));
            var plain = value.ToString(CultureInfo.InvariantCulture);
            var other = form switch
            {
                0 => "00" + plain,
                1 => plain + ".0",
                _ => plain + "E0",
            };
            var a = EventTime.TryToMicroseconds(Encoding.UTF8.GetBytes(plain), out var fromPlain);
            var b = EventTime.TryToMicroseconds(Encoding.UTF8.GetBytes(other), out var fromOther);
            return a == b && fromPlain == fromOther;
        }, iter: DynamoLake.Testing.HostileRecords.Iterations(20_000));
    }
}
