namespace Cli;

/// <summary>An exception as one line a person can act on: its message and its inner causes, never a stack trace.</summary>
internal static class ErrorText
{
    public static string Of(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var parts = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            var message = e.Message.Trim();
            if (message.Length > 0 && !parts.Any(p => p.Contains(message, StringComparison.Ordinal)))
            {
                parts.Add(message);
            }
        }

        return string.Join(" ← ", parts);
    }
}
