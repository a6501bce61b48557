namespace Cli;

internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The run failed or a check (e.g. parity) found differences.</summary>
    public const int Failed = 1;

    /// <summary>Bad command line: unknown verb, function or flag, missing file.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C), as shells report a SIGINT.</summary>
    public const int Cancelled = 130;
}
