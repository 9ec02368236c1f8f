using System.Collections.Frozen;

namespace AfmEdge.Core;

/// <summary>
/// One scanned image set: every channel of one frame, with the scan that produced it and a metadata
/// record of what was done to it (processing steps, enhancer, source). Immutable: each stage returns
/// a new frame that shares the channels it did not change.
/// </summary>
public sealed class Frame
{
    private readonly FrozenDictionary<string, Channel> _byKey;

    public Frame(FrameId id, ScanSettings scan, IEnumerable<Channel> channels, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(channels);
        Id = id;
        Scan = scan;
        Channels = [.. channels];
        if (Channels.Count == 0)
        {
            throw new ArgumentException("A frame needs at least one channel.", nameof(channels));
        }

        Width = Channels[0].Width;
        Height = Channels[0].Height;
        foreach (var channel in Channels)
        {
            if (channel.Width != Width || channel.Height != Height)
            {
                throw new ArgumentException(
                    $"Channel '{channel.Descriptor.Key}' is {channel.Width}×{channel.Height} but '{Channels[0].Descriptor.Key}' is {Width}×{Height}; all channels of a frame share one grid.",
                    nameof(channels));
            }
        }

        var byKey = new Dictionary<string, Channel>(StringComparer.OrdinalIgnoreCase);
        foreach (var channel in Channels)
        {
            if (!byKey.TryAdd(channel.Descriptor.Key, channel))
            {
                throw new ArgumentException($"Channel '{channel.Descriptor.Key}' appears twice.", nameof(channels));
            }
        }

        _byKey = byKey.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        Metadata = metadata is null ? FrozenDictionary<string, string>.Empty : metadata.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public FrameId Id { get; }
    public DateTimeOffset AcquiredAt => Id.AcquiredAt;
    public ScanSettings Scan { get; }
    public IReadOnlyList<Channel> Channels { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Pixels per line of every channel (may differ from <see cref="Scan"/>.PixelsX after enhancement).</summary>
    public int Width { get; }

    public int Height { get; }

    /// <summary>Physical extent in metres: the scan's size, whatever the pixel count.</summary>
    public double SizeX => Scan.SizeX;

    public double SizeY => Scan.SizeY;
    public double PixelSizeX => SizeX / Width;
    public double PixelSizeY => SizeY / Height;

    /// <summary>The physical position (metres, relative to the scan origin) of a pixel's centre.</summary>
    public (double X, double Y) PixelCentre(int x, int y) => ((x + 0.5) * PixelSizeX, (y + 0.5) * PixelSizeY);

    public bool TryGetChannel(string name, ScanDirection direction, out Channel channel) =>
        _byKey.TryGetValue(ChannelDescriptor.ChannelKey(name, direction), out channel!);

    public bool TryGetChannel(string name, out Channel channel) => TryGetChannel(name, ScanDirection.Trace, out channel);

    public Channel GetChannel(string name, ScanDirection direction = ScanDirection.Trace) =>
        TryGetChannel(name, direction, out var channel)
            ? channel
            : throw new KeyNotFoundException(
                $"Frame {Id} has no channel '{ChannelDescriptor.ChannelKey(name, direction)}'; it has {string.Join(", ", Channels.Select(c => c.Descriptor.Key))}.");

    /// <summary>A frame with new channels (same id and scan) and one more metadata entry recording why.</summary>
    public Frame With(IEnumerable<Channel> channels, string metadataKey, string metadataValue)
    {
        var metadata = new Dictionary<string, string>(Metadata, StringComparer.Ordinal) { [metadataKey] = metadataValue };
        return new Frame(Id, Scan, channels, metadata);
    }
}
