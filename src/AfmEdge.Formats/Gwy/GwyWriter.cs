using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Formats.Gwy;

/// <summary>What to store beside a frame's channels in a .gwy file.</summary>
public sealed record GwyWriteOptions
{
    /// <summary>Masks by channel key ("Height", "Height-retrace"): true marks a pixel; stored as "/N/mask".</summary>
    public IReadOnlyDictionary<string, bool[]>? Masks { get; init; }

    /// <summary>Gwyddion palette name for every channel ("Gray", "Gwyddion.net"); none when null.</summary>
    public string? Palette { get; init; }

    /// <summary>Whether the frame's metadata goes to each channel's "/N/meta" container.</summary>
    public bool IncludeMetadata { get; init; } = true;
}

/// <summary>
/// Writes native Gwyddion files (GWYP): a GwyContainer with "/N/data" (GwyDataField), "/N/data/title",
/// optional "/N/mask", "/N/meta" and "/N/base/palette" per channel.
/// </summary>
public static class GwyWriter
{
    public static void Write(string path, Frame frame, GwyWriteOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, frame, options);
    }

    /// <summary>Writes every channel of <paramref name="frame"/>, titled by its key, with the frame's size and offsets.</summary>
    public static void Write(Stream stream, Frame frame, GwyWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        options ??= new GwyWriteOptions();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.IncludeMetadata)
        {
            foreach (var (key, value) in frame.Metadata)
            {
                metadata[key] = value;
            }

            metadata[GwyDocument.FrameIdKey] = frame.Id.ToString();
        }

        var channels = new List<GwyChannel>(frame.Channels.Count);
        for (var i = 0; i < frame.Channels.Count; i++)
        {
            var channel = frame.Channels[i];
            var field = GwyDataField.FromChannel(channel, frame.SizeX, frame.SizeY, frame.Scan.OffsetX, frame.Scan.OffsetY);
            GwyDataField? mask = null;
            if (options.Masks is not null && options.Masks.TryGetValue(channel.Descriptor.Key, out var bits))
            {
                if (bits.Length != channel.Data.Length)
                {
                    throw new ArgumentException(
                        $"Mask for '{channel.Descriptor.Key}' has {bits.Length} pixels; the channel has {channel.Data.Length}.", nameof(options));
                }

                var maskData = new double[bits.Length];
                for (var p = 0; p < bits.Length; p++)
                {
                    maskData[p] = bits[p] ? 1.0 : 0.0;
                }

                mask = new GwyDataField(field.XRes, field.YRes, field.XReal, field.YReal, field.XOffset, field.YOffset, field.XYUnit, PhysicalUnit.Dimensionless, maskData);
            }

            channels.Add(new GwyChannel(i, channel.Descriptor.Key, field, mask, metadata, options.Palette));
        }

        Write(stream, channels);
    }

    /// <summary>Writes channels of any geometry; their ids become the "/N/" keys and must be distinct and non-negative.</summary>
    public static void Write(Stream stream, IReadOnlyList<GwyChannel> channels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Count == 0)
        {
            throw new ArgumentException("A .gwy file needs at least one channel.", nameof(channels));
        }

        var ids = new HashSet<int>();
        var root = new GwyObject("GwyContainer");
        foreach (var channel in channels)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(channel.Id);
            if (!ids.Add(channel.Id))
            {
                throw new ArgumentException($"Channel id {channel.Id} appears twice.", nameof(channels));
            }

            var prefix = string.Create(CultureInfo.InvariantCulture, $"/{channel.Id}/");
            root.Add(prefix + "data", channel.Field.ToObject());
            root.Add(prefix + "data/title", channel.Title);
            if (channel.Palette is not null)
            {
                root.Add(prefix + "base/palette", channel.Palette);
            }

            if (channel.Mask is not null)
            {
                root.Add(prefix + "mask", channel.Mask.ToObject());
            }

            if (channel.Metadata.Count > 0)
            {
                var meta = new GwyObject("GwyContainer");
                foreach (var (key, value) in channel.Metadata.Where(kv => kv.Key.Length > 0).OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    meta.Add(key, value);
                }

                root.Add(prefix + "meta", meta);
            }
        }

        GwySerializer.WriteFile(stream, root);
    }
}
