using System.Collections.Concurrent;

namespace AfmEdge.EndToEnd.Tests.Support;

/// <summary>
/// Temporary folders for the tests, deleted when the test process ends. Tests hand these paths to helpers and to the CLI,
/// so no one scope owns them; left behind, every run of the suite would leave about eighty folders in the temp directory.
/// </summary>
internal static class Scratch
{
    private static readonly ConcurrentBag<string> Created = [];

    static Scratch() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteAll();

    /// <summary>A new empty folder in the temp directory, its name starting with <paramref name="prefix"/>.</summary>
    public static DirectoryInfo Folder(string prefix)
    {
        var folder = Directory.CreateTempSubdirectory(prefix);
        Created.Add(folder.FullName);
        return folder;
    }

    private static void DeleteAll()
    {
        foreach (var path in Created)
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Already deleted by its test, or held by a process the test left: nothing more to do at exit.
            }
        }
    }
}
