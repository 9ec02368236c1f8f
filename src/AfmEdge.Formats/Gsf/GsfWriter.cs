using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using AfmEdge.Core;

namespace AfmEdge.Formats.Gsf;

/// <summary>
/// Writes one channel as a Gwyddion Simple Field (.gsf) file:
/// <code>
/// "Gwyddion Simple Field 1.0\n"
/// "Key = Value\n" ...          ASCII/UTF-8 header, one field per line
/// NUL × (1..4)                  pads the header so the data starts at a multiple of 4
/// float32 LE × XRes × YRes      row-major, first row first
/// </code>
/// </summary>
public static class GsfWriter
{
    internal const string Magic = "Gwyddion Simple Field 1.0\n";

    private static readonly HashSet<string> ReservedKeys =
        new(StringComparer.Ordinal) { "XRes", "YRes", "XReal", "YReal", "XOffset", "YOffset", "XYUnits", "ZUnits", "Title" };

    /// <summary>
    /// Writes one channel of <paramref name="frame"/> (by key, e.g. "Height-retrace") with the frame's size and
    /// offsets; the frame's metadata entries whose names are identifiers go along as extra header fields.
    /// </summary>
    public static void Write(Stream stream, Frame frame, string channelKey)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(channelKey);
        var channel = frame.Channels.FirstOrDefault(c => string.Equals(c.Descriptor.Key, channelKey, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException(
                $"Frame {frame.Id} has no channel '{channelKey}'; it has {string.Join(", ", frame.Channels.Select(c => c.Descriptor.Key))}.", nameof(channelKey));
        var extra = frame.Metadata.Where(kv => IsIdentifier(kv.Key) && !ReservedKeys.Contains(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal);
        Write(stream, channel, frame.SizeX, frame.SizeY, channel.Descriptor.Key, frame.Scan.OffsetX, frame.Scan.OffsetY, PhysicalUnit.Metre, extra);
    }

    /// <summary>Writes <paramref name="channel"/> to a new file at <paramref name="path"/> (overwriting it).</summary>
    public static void Write(string path, Channel channel, double sizeX, double sizeY, string? title = null,
        double offsetX = 0, double offsetY = 0, PhysicalUnit? xyUnit = null, IEnumerable<KeyValuePair<string, string>>? extraFields = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, channel, sizeX, sizeY, title, offsetX, offsetY, xyUnit, extraFields);
    }

    /// <summary>
    /// Writes <paramref name="channel"/> with physical size <paramref name="sizeX"/> × <paramref name="sizeY"/> and
    /// offsets in <paramref name="xyUnit"/> (metres by default); the value unit is the channel's.
    /// <paramref name="extraFields"/> become further header lines that Gwyddion shows as metadata.
    /// </summary>
    public static void Write(Stream stream, Channel channel, double sizeX, double sizeY, string? title = null,
        double offsetX = 0, double offsetY = 0, PhysicalUnit? xyUnit = null, IEnumerable<KeyValuePair<string, string>>? extraFields = null)
    {
        ArgumentNullException.ThrowIfNull(channel);
        WriteHeader(stream, channel.Width, channel.Height, channel.Unit, sizeX, sizeY, title ?? channel.Descriptor.Key, offsetX, offsetY, xyUnit, extraFields);
        WriteSamples(stream, channel.Data);
    }

    /// <summary>
    /// Writes the header (and its NUL padding) of a <paramref name="width"/> × <paramref name="height"/> field whose values
    /// are in <paramref name="unit"/>; the samples follow with <see cref="WriteSamples"/>, all of them, first row first,
    /// in as many calls as suit the writer (a band of rows at a time, for a frame that is never whole in memory).
    /// The other parameters are those of <see cref="Write(Stream, Channel, double, double, string?, double, double, PhysicalUnit?, IEnumerable{KeyValuePair{string, string}}?)"/>.
    /// </summary>
    public static void WriteHeader(Stream stream, int width, int height, PhysicalUnit unit, double sizeX, double sizeY, string title,
        double offsetX = 0, double offsetY = 0, PhysicalUnit? xyUnit = null, IEnumerable<KeyValuePair<string, string>>? extraFields = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (!(sizeX > 0 && double.IsFinite(sizeX)))
        {
            throw new ArgumentOutOfRangeException(nameof(sizeX), sizeX, "The physical width must be positive and finite.");
        }

        if (!(sizeY > 0 && double.IsFinite(sizeY)))
        {
            throw new ArgumentOutOfRangeException(nameof(sizeY), sizeY, "The physical height must be positive and finite.");
        }

        if (!double.IsFinite(offsetX))
        {
            throw new ArgumentOutOfRangeException(nameof(offsetX), offsetX, "The x offset must be finite.");
        }

        if (!double.IsFinite(offsetY))
        {
            throw new ArgumentOutOfRangeException(nameof(offsetY), offsetY, "The y offset must be finite.");
        }

        var header = new StringBuilder(Magic);
        AppendLine(header, "XRes", width.ToString(CultureInfo.InvariantCulture));
        AppendLine(header, "YRes", height.ToString(CultureInfo.InvariantCulture));
        AppendLine(header, "XReal", Format(sizeX));
        AppendLine(header, "YReal", Format(sizeY));
        if (offsetX != 0)
        {
            AppendLine(header, "XOffset", Format(offsetX));
        }

        if (offsetY != 0)
        {
            AppendLine(header, "YOffset", Format(offsetY));
        }

        AppendLine(header, "XYUnits", (xyUnit ?? PhysicalUnit.Metre).Symbol);
        AppendLine(header, "ZUnits", unit.Symbol);
        AppendLine(header, "Title", SingleLine(title));
        foreach (var (key, value) in extraFields ?? [])
        {
            if (!IsIdentifier(key) || ReservedKeys.Contains(key))
            {
                throw new ArgumentException($"Extra GSF field name '{key}' must be an identifier and not one of the standard fields.", nameof(extraFields));
            }

            AppendLine(header, key, SingleLine(value));
        }

        var headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        var padding = 4 - (headerBytes.Length % 4);
        stream.Write(headerBytes);
        Span<byte> nuls = stackalloc byte[4];
        nuls.Clear();
        stream.Write(nuls[..padding]);
    }

    /// <summary>
    /// Writes samples after <see cref="WriteHeader"/> as little-endian float32, row-major: a straight copy on
    /// little-endian machines, so writing a band allocates nothing.
    /// </summary>
    public static void WriteSamples(Stream stream, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        Span<byte> buffer = stackalloc byte[4096];
        while (!values.IsEmpty)
        {
            var n = Math.Min(values.Length, buffer.Length / 4);
            for (var i = 0; i < n; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer[(i * 4)..], values[i]);
            }

            stream.Write(buffer[..(n * 4)]);
            values = values[n..];
        }
    }

    // Shortest round-trip text with C's lowercase exponent ("8e-05"), as Gwyddion writes it.
    internal static string Format(double value) =>
        value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    private static void AppendLine(StringBuilder header, string key, string value) => header.Append(key).Append(" = ").Append(value).Append('\n');

    // A header line ends at '\n' and the header at the first NUL, so neither may appear inside a value.
    private static string SingleLine(string value) =>
        value.Replace('\n', ' ').Replace('\r', ' ').Replace('\0', ' ').Trim();

    private static bool IsIdentifier(string key) =>
        key.Length > 0 && (char.IsAsciiLetter(key[0]) || key[0] == '_') && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
