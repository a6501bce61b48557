using System.Globalization;
using System.Text;
using CsCheck;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;

namespace DynamoLake.Core.Tests;

/// <summary>Whether two row values fall in one partition, for each time transform, against the calendar.</summary>
public sealed class PartitionValuesTests
{
    private static PartitionField Field(string transform)
    {
        var json = $$$"""{"table":"t","uniqueKey":["id"],"partitionSpec":[{"source":"ts","transform":"{{{transform}}}","name":"p"}],"columns":[{"name":"id","type":"string","required":true},{"name":"ts","type":"timestamptz","required":true,"immutable":true,"sourceUnit":"microseconds"}]}""";
        return TableContract.Parse(Encoding.UTF8.GetBytes(json), "t.json").PartitionSpec[0];
    }

    [Theory]
    [InlineData("hour")]
    [InlineData("day")]
    [InlineData("month")]
    [InlineData("year")]
    public void SamePartition_IsTheCalendarsAnswer_ForAnyTwoInstants(string transform)
    {
        var field = Field(transform);
        var min = new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Utc).Subtract(DateTime.UnixEpoch).Ticks / 10;
        var max = new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc).Subtract(DateTime.UnixEpoch).Ticks / 10;
        Gen.Select(Gen.Long[min, max], Gen.Long[-40L * 86_400_000_000, 40L * 86_400_000_000]).Sample((a, shift) =>
        {
            var b = Math.Clamp(a + shift, min, max);
            var (x, y) = (DateTime.UnixEpoch.AddTicks(a * 10), DateTime.UnixEpoch.AddTicks(b * 10));
            var expected = transform switch
            {
                "hour" => x.Date == y.Date && x.Hour == y.Hour,
                "day" => x.Date == y.Date,
                "month" => x.Year == y.Year && x.Month == y.Month,
                _ => x.Year == y.Year,
            };
            return PartitionValues.Same(field, Text(a), Text(b)) == expected;
        }, iter: 20_000);
    }

    [Fact]
    public void BeyondYear9999_IsComparedWithoutThrowing()
    {
        var year12000 = 317_000_000_000_000_000L; // about 12,015 AD, in µs
        Assert.True(PartitionValues.Same(Field("month"), Text(year12000), Text(year12000 + 1)));
        Assert.False(PartitionValues.Same(Field("year"), Text(year12000), Text(year12000 + (400L * 86_400_000_000))));
    }

    private static byte[] Text(long micros) => Encoding.UTF8.GetBytes(micros.ToString(CultureInfo.InvariantCulture));
}
