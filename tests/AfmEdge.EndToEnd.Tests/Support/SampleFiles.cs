namespace AfmEdge.EndToEnd.Tests.Support;

/// <summary>The shared real AFM files (shared/data/afm beside the repository).</summary>
internal static class SampleFiles
{
    private static readonly Lazy<string?> Directory = new(Find);

    /// <summary>The path of a sample, or a dynamic skip when the data set is not beside the repository.</summary>
    public static string Path(string fileName)
    {
        var dir = Directory.Value;
        if (dir is null)
        {
            Assert.Skip("shared/data/afm was not found above the test's base directory.");
        }

        return System.IO.Path.Combine(dir, fileName);
    }

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "data", "afm");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
