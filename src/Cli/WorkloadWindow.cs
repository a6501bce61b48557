using System.CommandLine;
using System.Globalization;

namespace Cli;

/// <summary>
/// The transaction-time window of <c>seed</c> and <c>pipeline</c>, alike: <c>--from</c> and <c>--days</c>.
/// By default the window is the last <c>--days</c> days ending at the moment the command starts, so queries
/// over "the last 7 days" and "today" answer right after a run, and no transaction lies in the future. The
/// same <c>--seed</c> and <c>--from</c> give the same data; a window that would end after now is refused.
/// </summary>
internal static class WorkloadWindow
{
    public const double DefaultDays = 7;
    public const double MaxDays = 3650;

    /// <summary><c>--from</c>: a date or time read as UTC unless it names its offset, whatever the machine's zone.</summary>
    public static Option<DateTimeOffset?> FromOption() => new("--from")
    {
        Description = "Start of the UTC timestamp window, e.g. 2026-11-01 (default: --days before now, so the window ends now). The window may not end after now.",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            {
                return value;
            }

            result.AddError($"--from must be a date or time such as 2026-11-01 or 2026-11-01T12:00:00Z, not '{text}'.");
            return null;
        },
    };

    public static Option<double> DaysOption() => new("--days")
    {
        Description = "Length of the timestamp window in days.",
        DefaultValueFactory = _ => DefaultDays,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var days))
            {
                return days;
            }

            result.AddError($"--days must be a number of days such as 7 or 1.5, not '{text}'.");
            return 0;
        },
    };

    /// <summary>The window's start and length, or a problem that names the flag.</summary>
    public static (DateTimeOffset From, TimeSpan Window, string? Problem) Resolve(DateTimeOffset? from, double days, DateTimeOffset now)
    {
        if (!(days > 0 && days <= MaxDays))
        {
            return (default, default, string.Create(CultureInfo.InvariantCulture, $"--days must be more than 0 and at most {MaxDays:0}, not {days}."));
        }

        // Whole milliseconds: the generator's clock.
        var end = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        var window = TimeSpan.FromDays(days);
        var start = from ?? end - window;
        if (start + window > end)
        {
            return (default, default, string.Create(CultureInfo.InvariantCulture, $"--from {start:yyyy-MM-ddTHH:mm:ssZ} with --days {days} ends at {start + window:yyyy-MM-ddTHH:mm:ssZ}, after now ({end:yyyy-MM-ddTHH:mm:ssZ}): transactions may not lie in the future. Choose an earlier --from or fewer --days."));
        }

        return (start, window, null);
    }
}
