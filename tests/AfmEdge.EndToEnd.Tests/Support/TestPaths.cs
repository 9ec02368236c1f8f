namespace AfmEdge.EndToEnd.Tests.Support;

internal static class TestPaths
{
    /// <summary>The repository root: the first ancestor of the test binary that holds AfmEdge.sln.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AfmEdge.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No AfmEdge.sln above {AppContext.BaseDirectory}.");
    }
}
