namespace DynamoLake.Testing;

internal static class RepoPaths
{
    /// <summary>The repository root (the folder holding the .slnx), found from the test binaries.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (dir.GetFiles("*.slnx").Length > 0)
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with a .slnx) was not found above " + AppContext.BaseDirectory);
    }
}
