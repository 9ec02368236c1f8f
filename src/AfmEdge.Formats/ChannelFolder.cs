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

        var frames = files.Select(f => GsfReader.Read(f, buffers)).ToList();
        var channels = new List<Channel>();
        for (var i = 0; i < files.Count; i++)
        {
            var fileName = Path.GetFileName(files[i]);
            var key = Path.GetFileNameWithoutExtension(files[i]);
            var (name, direction) = ImportedFrames.SplitTitle(key);
            var channel = frames[i].Channels[0];
            if (channel.Width != frames[0].Width || channel.Height != frames[0].Height)
            {
                throw new AfmFormatException(fileName, "XRes/YRes",
                    $"{channel.Width}×{channel.Height} pixels, but {Path.GetFileName(files[0])} is {frames[0].Width}×{frames[0].Height}.");
            }

            if (!Close(frames[i].SizeX, frames[0].SizeX) || !Close(frames[i].SizeY, frames[0].SizeY))
            {
                throw new AfmFormatException(fileName, "XReal/YReal",
                    $"the field of view differs from {Path.GetFileName(files[0])}'s; the channels are not one scan.");
            }

            // The file name decides the channel; the title inside may carry a free-form description. The one-file frame is
            // dropped here, so its array moves to the new channel instead of being copied.
            var data = ChannelBufferPool.ArrayOf(channel) ?? channel.Data.ToArray();
            channels.Add(new Channel(channel.Descriptor with { Name = name, Direction = direction }, channel.Width, channel.Height, data));
        }

        var metadata = new Dictionary<string, string>(frames[0].Metadata.Where(p => !p.Key.StartsWith("gsf.", StringComparison.Ordinal)), StringComparer.Ordinal)
        {
            ["source"] = Path.GetFullPath(directory),
        };
        return new Frame(frames[0].Id, frames[0].Scan, channels, metadata);
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b));
}
