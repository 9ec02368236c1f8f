using AfmEdge.Core;
using AfmEdge.Formats;

namespace AfmEdge.Cli;

/// <summary>Opens an AFM file for a command, turning every way it can be unreadable into one line on stderr.</summary>
internal static class FrameFiles
{
    /// <summary>The file's frames, or null after printing why it cannot be read (the caller exits 2).</summary>
    public static Task<IReadOnlyList<Frame>?> TryOpenAsync(string path, TextWriter error) => TryAsync(path, FrameImporter.OpenAll, error);

    /// <summary>What <paramref name="open"/> makes of <paramref name="path"/>, or null after printing why it cannot be read.</summary>
    public static async Task<T?> TryAsync<T>(string path, Func<string, T> open, TextWriter error)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(open);
        try
        {
            return open(path);
        }
        catch (AfmFormatException e)
        {
            await error.WriteLineAsync("afmedge: " + e.Message);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            await error.WriteLineAsync($"afmedge: {path}: no such file.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"afmedge: {path}: cannot be read: {e.Message}");
        }

        return null;
    }
}
