using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Formats.Gwy;

/// <summary>A parsed .gwy file: the raw object tree and its image channels in id order.</summary>
public sealed class GwyDocument
{
    /// <summary>The metadata key under which AfmEdge stores a frame's id, so a round trip keeps it.</summary>
    public const string FrameIdKey = "afmedge.frameId";

    internal GwyDocument(GwyObject root, IReadOnlyList<GwyChannel> channels, string fileName, bool oldSerialization, DateTimeOffset fileTime)
    {
        Root = root;
        Channels = channels;
        FileName = fileName;
        IsGwyddion1 = oldSerialization;
        FileTime = fileTime;
    }

    public GwyObject Root { get; }
    public IReadOnlyList<GwyChannel> Channels { get; }
    public string FileName { get; }

    /// <summary>True for the Gwyddion 1.x ("GWYO") serialization.</summary>
    public bool IsGwyddion1 { get; }

    private DateTimeOffset FileTime { get; }

    /// <summary>
    /// The channels as Core frames, one frame per distinct grid (resolution, size, offset) in order of
    /// first appearance: a Core frame holds channels of one grid only. Each frame's metadata is the
    /// "/N/meta" of its first channel, plus the file's own string items ("gwy/filename") and the titles.
    /// </summary>
    public IReadOnlyList<Frame> ToFrames()
    {
        var frames = new List<Frame>();
        var remaining = Channels.ToList();
        while (remaining.Count > 0)
        {
            var first = remaining[0].Field;
            var group = remaining.Where(c => SameGrid(c.Field, first)).ToList();
            remaining.RemoveAll(group.Contains);
            frames.Add(BuildFrame(group, frames.Count));
        }

        return frames;
    }

    private Frame BuildFrame(List<GwyChannel> group, int index)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in group[0].Metadata)
        {
            metadata[key] = value;
        }

        foreach (var item in Root.Components)
        {
            if (item.Value is string text && !IsChannelKey(item.Name))
            {
                metadata["gwy" + item.Name] = text;
            }
        }

        metadata["format"] = IsGwyddion1 ? "Gwyddion 1 (GWYO)" : "Gwyddion (GWYP)";
        metadata["source"] = FileName;
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var channels = new List<Channel>(group.Count);
        foreach (var channel in group)
        {
            var (name, direction) = ImportedFrames.SplitTitle(channel.Title);
            var descriptor = ImportedFrames.Unique(new ChannelDescriptor(name, channel.Field.ZUnit, direction), taken);
            metadata[string.Create(CultureInfo.InvariantCulture, $"gwy/{channel.Id}/title")] = channel.Title;
            if (channel.Mask is not null)
            {
                metadata[string.Create(CultureInfo.InvariantCulture, $"gwy/{channel.Id}/mask")] = "present";
            }

            channels.Add(new Channel(descriptor, channel.Field.XRes, channel.Field.YRes, channel.Field.ToSingles()));
        }

        var field = group[0].Field;
        if (field.XYUnit != PhysicalUnit.Metre)
        {
            metadata["xyUnit"] = field.XYUnit.Symbol;
        }

        var id = metadata.TryGetValue(FrameIdKey, out var idText) && TryParseFrameId(idText, out var parsed)
            ? parsed
            : new FrameId(FileTime, index);
        var scan = ImportedFrames.Scan(field.XRes, field.YRes, field.XReal, field.YReal, field.XOffset, field.YOffset);
        return new Frame(id, scan, channels, metadata);
    }

    private static bool IsChannelKey(string key) => key.Length > 1 && char.IsAsciiDigit(key[1]);

    private static bool TryParseFrameId(string text, out FrameId id)
    {
        try
        {
            id = FrameId.Parse(text);
            return true;
        }
        catch (FormatException)
        {
            id = default;
            return false;
        }
    }

    private static bool SameGrid(GwyDataField a, GwyDataField b) =>
        a.XRes == b.XRes && a.YRes == b.YRes && a.XReal == b.XReal && a.YReal == b.YReal
        && a.XOffset == b.XOffset && a.YOffset == b.YOffset && a.XYUnit == b.XYUnit;
}
