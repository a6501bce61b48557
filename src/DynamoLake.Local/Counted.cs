using System.Globalization;

namespace DynamoLake.Local;

/// <summary>A count with its noun in the right number: "1 row", "2 rows", "1,024 error objects".</summary>
internal static class Counted
{
    public static string Of(long count, string singular, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? singular : plural ?? singular + "s")}");
}
