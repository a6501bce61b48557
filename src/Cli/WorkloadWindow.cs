using System.CommandLine;
using System.Globalization;

namespace Cli;

/// <summary>
/// The transaction-time window of <c>seed</c> and <c>pipeline</c>, alike: <c>--from</c> and <c>--days</c>.
/// By default the window is the last <c>--days</c> UTC calendar days, today included, so that queries over
/// "the last 7 days" and "today" answer right after a run. It starts at a UTC midnight, so the same
/// <c>--seed</c> on the same day (or with the same <c>--from</c>) gives the same data.
/// </summary>
internal static class WorkloadWindow
{
    public const double DefaultDays = 7;
    public const double MaxDays = 3650;

    public static Option<DateTimeOffset?> FromOption() => new("--from")
    {
        Description = "Start of the UTC timestamp window, e.g. 2026-11-01 (default: 00:00 UTC --days-1 days ago, so the window ends with today).",
    };

    public static Option<double> DaysOption() => new("--days")
    {
        Description = "Length of the timestamp window in days.",
        DefaultValueFactory = _ => DefaultDays,
    };

    /// <summary>The window's start and length, or a problem that names the flag.</summary>
    public static (DateTimeOffset From, TimeSpan Window, string? Problem) Resolve(DateTimeOffset? from, double days, DateTimeOffset now)
    {
        if (!(days > 0 && days <= MaxDays))
        {
            return (default, default, string.Create(CultureInfo.InvariantCulture, $"--days must be more than 0 and at most {MaxDays:0}, not {days}."));
        }

        var start = from ?? new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-(Math.Ceiling(days) - 1));
        return (start, TimeSpan.FromDays(days), null);
    }
}
