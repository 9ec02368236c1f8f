using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Formats.Gwy;

/// <summary>
/// Reads native Gwyddion files (.gwy, GWYP and the Gwyddion 1 GWYO serialization): every "/N/data"
/// channel with its title, mask, metadata and palette.
/// </summary>
public static class GwyReader
{
    public static GwyDocument Read(string path) => Read(path, singleData: false);

    public static GwyDocument Read(Stream stream, string fileName = "<stream>")
    {
        using var bytes = FileBytes.Read(stream, fileName);
        return Parse(bytes.Memory, fileName, DateTimeOffset.UnixEpoch);
    }

    /// <summary>The first frame of the file (the channels that share the first channel's grid).</summary>
    public static Frame ReadFrame(string path) => Read(path, singleData: true).ToFrames()[0];

    /// <summary>
    /// Parses a whole file. <paramref name="singleData"/> decodes the samples straight to float32 for callers that only
    /// want Core frames; the document's fields then widen to double only if someone asks for <see cref="GwyDataField.Data"/>.
    /// </summary>
    internal static GwyDocument Parse(
        ReadOnlyMemory<byte> bytes, string fileName, DateTimeOffset fileTime, bool singleData = false, ChannelBufferPool? buffers = null) =>
        ParseGuard.Run(fileName, () => ParseUnguarded(bytes, fileName, fileTime, singleData, buffers));

    private static GwyDocument Read(string path, bool singleData)
    {
        using var bytes = FileBytes.Read(path);
        return Parse(bytes.Memory, Path.GetFileName(path), new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero), singleData);
    }

    private static GwyDocument ParseUnguarded(ReadOnlyMemory<byte> bytes, string fileName, DateTimeOffset fileTime, bool singleData, ChannelBufferPool? buffers)
    {
        var root = GwyDeserializer.Parse(bytes, fileName, singleData, buffers);
        if (root.TypeName != "GwyContainer")
        {
            throw new AfmFormatException(fileName, "top-level object", $"is a {root.TypeName}, not a GwyContainer.");
        }

        var items = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var item in root.Components)
        {
            items[item.Name] = item.Value;
        }

        var channels = new List<GwyChannel>();
        foreach (var (key, value) in items)
        {
            if (!TryParseDataKey(key, out var id))
            {
                continue;
            }

            if (value is not GwyObject dataObject)
            {
                throw new AfmFormatException(fileName, key, "is not an object.");
            }

            var field = GwyDataField.FromObject(dataObject, fileName, key);
            var prefix = string.Create(CultureInfo.InvariantCulture, $"/{id}/");
            GwyDataField? mask = null;
            if (items.TryGetValue(prefix + "mask", out var maskValue) && maskValue is GwyObject maskObject)
            {
                mask = GwyDataField.FromObject(maskObject, fileName, prefix + "mask");
                if (mask.XRes != field.XRes || mask.YRes != field.YRes)
                {
                    throw new AfmFormatException(fileName, prefix + "mask",
                        $"is {mask.XRes}×{mask.YRes} but its channel is {field.XRes}×{field.YRes}.");
                }
            }

            var title = items.GetValueOrDefault(prefix + "data/title") as string ?? "Unknown channel";
            var palette = items.GetValueOrDefault(prefix + "base/palette") as string;
            var metadata = items.GetValueOrDefault(prefix + "meta") is GwyObject { TypeName: "GwyContainer" } meta
                ? ReadMetadata(meta)
                : new Dictionary<string, string>(StringComparer.Ordinal);
            channels.Add(new GwyChannel(id, title, field, mask, metadata, palette));
        }

        if (channels.Count == 0)
        {
            throw new AfmFormatException(fileName, "/N/data", "the container holds no image channel.");
        }

        channels.Sort((a, b) => a.Id.CompareTo(b.Id));
        return new GwyDocument(root, channels, fileName, bytes.Span.StartsWith("GWYO"u8), fileTime);
    }

    private static bool TryParseDataKey(string key, out int id)
    {
        id = -1;
        return key.Length > "/0/data".Length - 1
            && key[0] == '/'
            && key.EndsWith("/data", StringComparison.Ordinal)
            && int.TryParse(key.AsSpan(1, key.Length - 1 - "/data".Length), NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }

    private static Dictionary<string, string> ReadMetadata(GwyObject meta)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in meta.Components)
        {
            result[item.Name] = item.Value switch
            {
                string s => s,
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => item.Value.ToString() ?? string.Empty,
            };
        }

        return result;
    }
}
