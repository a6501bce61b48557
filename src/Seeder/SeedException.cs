namespace Seeder;

/// <summary>A seed run that could not start (bad request, missing table) or did not write everything.</summary>
public sealed class SeedException : Exception
{
    public SeedException()
    {
    }

    public SeedException(string message)
        : base(message)
    {
    }

    public SeedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
