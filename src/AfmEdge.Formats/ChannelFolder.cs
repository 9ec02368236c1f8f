using AfmEdge.Core;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.Formats;

/// <summary>
/// A frame stored as one Gwyddion Simple Field file per channel, as `afmedge simulate` and `afmedge enhance`
/// write it: <c>Height.gsf</c>, <c>Current.gsf</c>, …, and <c>&lt;Channel&gt;-retrace.gsf</c>. Only files named
/// after a recorded channel are channels; anything else in the folder (labels.gsf, chromosomes.gsf, truth.json,
/// plots) is never opened, so ground truth cannot leak into what reads the frame.
/// </summary>
public static class ChannelFolder
{
    /// <summary>The physical channels a three-probe AFM records, as files name them.</summary>
    public static IReadOnlyList<string> ChannelNames { get; } = ["Height", "Current", "Potential", "Adhesion"];

    /// <summary>The channel files in <paramref name="directory"/>, trace then retrace, in <see cref="ChannelNames"/> order.</summary>
    public static IReadOnlyList<string> ChannelFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var files = new List<string>();
        foreach (var direction in new[] { ScanDirection.Trace, ScanDirection.Retrace })
        {
            foreach (var name in ChannelNames)
            {
                var path = Path.Combine(directory, ChannelDescriptor.ChannelKey(name, direction) + ".gsf");
                if (File.Exists(path))
                {
                    files.Add(path);
                }
            }
        }

        return files;
    }

    /// <summary>True when <paramref name="directory"/> holds at least one channel file.</summary>
    public static bool IsChannelFolder(string directory) => Directory.Exists(directory) && ChannelFiles(directory).Count > 0;

    /// <summary>
    /// Reads the folder's channel files into one frame. A folder without channel files, a file whose title names
    /// another channel than its file name, or channels of different sizes or fields of view are errors naming the file.
    /// </summary>
    public static Frame Open(string directory) => Open(directory, buffers: null);

    /// <summary>
    /// Reads the folder's channel files into one frame whose channels' samples are arrays from <paramref name="buffers"/>
    /// (see <see cref="ChannelBufferPool"/>), for callers that open folder after folder and return each frame when done.
    /// </summary>
    public static Frame Open(string directory, ChannelBufferPool? buffers)
    {
        var files = RequireChannelFiles(directory);
        var frames = files.Select(f => GsfReader.Read(f, buffers)).ToList();
        var channels = new List<Channel>();
        for (var i = 0; i < files.Count; i++)
        {
            var channel = frames[i].Channels[0];
            CheckSameScan(files, i, frames[i].Width, frames[i].Height, frames[i].SizeX, frames[i].SizeY, frames[0].Width, frames[0].Height, frames[0].SizeX, frames[0].SizeY);

            // The one-file frame is dropped here, so its array moves to the new channel instead of being copied.
            var data = ChannelBufferPool.ArrayOf(channel) ?? channel.Data.ToArray();
            channels.Add(new Channel(NamedByFile(files[i], channel.Descriptor), channel.Width, channel.Height, data));
        }

        return new Frame(frames[0].Id, frames[0].Scan, channels, FolderMetadata(directory, frames[0].Metadata));
    }

    /// <summary>
    /// Opens the folder's channel files to be read row by row, with the checks of <see cref="Open"/>: a frame of any
    /// height then needs memory for a few rows only. The caller disposes the result, which closes the files.
    /// </summary>
    public static ChannelFolderRows OpenRows(string directory)
    {
        var files = RequireChannelFiles(directory);
        var readers = new List<GsfRowReader>(files.Count);
        try
        {
            for (var i = 0; i < files.Count; i++)
            {
                var reader = GsfRowReader.Open(files[i]);
                readers.Add(reader);
                CheckSameScan(files, i, reader.Width, reader.Height, reader.SizeX, reader.SizeY, readers[0].Width, readers[0].Height, readers[0].SizeX, readers[0].SizeY);
                reader.Descriptor = NamedByFile(files[i], reader.Descriptor);
            }

            return new ChannelFolderRows(readers, FolderMetadata(directory, readers[0].Metadata));
        }
        catch
        {
            foreach (var reader in readers)
            {
                reader.Dispose();
            }

            throw;
        }
    }

    private static IReadOnlyList<string> RequireChannelFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"{directory}: no such folder.");
        }

        var files = ChannelFiles(directory);
        if (files.Count == 0)
        {
            throw new AfmFormatException(directory, "channels",
                $"no channel files; expected one or more of {string.Join(", ", ChannelNames.Select(n => n + ".gsf"))}.");
        }

        return files;
    }

    // Every channel must be the first file's grid and field of view; otherwise the files are not one scan.
    private static void CheckSameScan(IReadOnlyList<string> files, int index, int width, int height, double sizeX, double sizeY,
        int firstWidth, int firstHeight, double firstSizeX, double firstSizeY)
    {
        var fileName = Path.GetFileName(files[index]);
        if (width != firstWidth || height != firstHeight)
        {
            throw new AfmFormatException(fileName, "XRes/YRes",
                $"{width}×{height} pixels, but {Path.GetFileName(files[0])} is {firstWidth}×{firstHeight}.");
        }

        if (!Close(sizeX, firstSizeX) || !Close(sizeY, firstSizeY))
        {
            throw new AfmFormatException(fileName, "XReal/YReal",
                $"the field of view differs from {Path.GetFileName(files[0])}'s; the channels are not one scan.");
        }
    }

    // The file name decides the channel; the title inside may carry a free-form description.
    private static ChannelDescriptor NamedByFile(string path, ChannelDescriptor read)
    {
        var (name, direction) = ImportedFrames.SplitTitle(Path.GetFileNameWithoutExtension(path));
        return read with { Name = name, Direction = direction };
    }

    private static Dictionary<string, string> FolderMetadata(string directory, IReadOnlyDictionary<string, string> first) =>
        new(first.Where(p => !p.Key.StartsWith("gsf.", StringComparison.Ordinal)), StringComparer.Ordinal)
        {
            ["source"] = Path.GetFullPath(directory),
        };

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b));
}
