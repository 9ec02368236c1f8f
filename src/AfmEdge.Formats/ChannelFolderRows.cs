using AfmEdge.Core;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.Formats;

/// <summary>
/// A channel folder (<see cref="ChannelFolder"/>) opened for reading row by row: one <see cref="GsfRowReader"/> per
/// channel file, each named after its file, all of one grid and field of view. Disposing it closes the files.
/// </summary>
public sealed class ChannelFolderRows : IDisposable
{
    private readonly GsfRowReader[] _channels;

    internal ChannelFolderRows(IReadOnlyList<GsfRowReader> channels, IReadOnlyDictionary<string, string> metadata)
    {
        _channels = [.. channels];
        Metadata = metadata;
    }

    /// <summary>The channel files, trace then retrace, in <see cref="ChannelFolder.ChannelNames"/> order.</summary>
    public IReadOnlyList<GsfRowReader> Channels => _channels;

    /// <summary>The id <see cref="ChannelFolder.Open"/> gives the folder's frame.</summary>
    public FrameId Id => _channels[0].Id;

    public ScanSettings Scan => _channels[0].Scan;

    public int Width => _channels[0].Width;

    public int Height => _channels[0].Height;

    /// <summary>The metadata <see cref="ChannelFolder.Open"/> gives the folder's frame.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
