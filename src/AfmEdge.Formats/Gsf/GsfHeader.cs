using System.Globalization;
using System.Text;
using AfmEdge.Core;

namespace AfmEdge.Formats.Gsf;

/// <summary>
/// The text header of a .gsf file and what it says about the samples after it, checked against the file's length:
/// the one parser behind <see cref="GsfReader"/> (whole file in memory) and <see cref="GsfRowReader"/> (row by row).
/// Sizes and offsets are in base SI units; <see cref="ToSi"/> scales samples written with a prefixed unit ("nm").
/// </summary>
internal sealed class GsfHeader
{
    private static readonly string[] StandardKeys = ["XRes", "YRes", "XReal", "YReal", "XOffset", "YOffset", "XYUnits", "ZUnits", "Title"];

    private readonly int _zPower;
    private readonly float _zScale;

    private GsfHeader(Dictionary<string, string> fields, int width, int height, int dataOffset, string fileName)
    {
        Fields = fields;
        Width = width;
        Height = height;
        DataOffset = dataOffset;
        XyUnit = Units.Parse(fields.GetValueOrDefault("XYUnits"), out var xyPower);
        ZUnit = Units.Parse(fields.GetValueOrDefault("ZUnits"), out _zPower);
        var xyScale = Math.Pow(10, xyPower);
        SizeX = OptionalDouble(fields, "XReal", 1.0, fileName) * xyScale;
        SizeY = OptionalDouble(fields, "YReal", 1.0, fileName) * xyScale;
        OffsetX = OptionalDouble(fields, "XOffset", 0.0, fileName) * xyScale;
        OffsetY = OptionalDouble(fields, "YOffset", 0.0, fileName) * xyScale;
        ImportedFrames.RequirePositiveFinite(SizeX, fileName, "XReal");
        ImportedFrames.RequirePositiveFinite(SizeY, fileName, "YReal");
        ImportedFrames.RequireFinite(OffsetX, fileName, "XOffset");
        ImportedFrames.RequireFinite(OffsetY, fileName, "YOffset");
        _zScale = (float)Math.Pow(10, _zPower);
        Title = fields.GetValueOrDefault("Title") ?? "Data";
    }

    /// <summary>Every header field as written, standard ones included.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Where the float32 samples start: the header and its NUL padding end on a multiple of 4.</summary>
    public int DataOffset { get; }

    public double SizeX { get; }

    public double SizeY { get; }

    public double OffsetX { get; }

    public double OffsetY { get; }

    public PhysicalUnit XyUnit { get; }

    /// <summary>The samples' unit without its prefix.</summary>
    public PhysicalUnit ZUnit { get; }

    public string Title { get; }

    /// <summary>The channel as the title names it, in the header's value unit.</summary>
    public ChannelDescriptor Descriptor
    {
        get
        {
            var (name, direction) = ImportedFrames.SplitTitle(Title);
            return new ChannelDescriptor(name, ZUnit, direction);
        }
    }

    public ScanSettings Scan => ImportedFrames.Scan(Width, Height, SizeX, SizeY, OffsetX, OffsetY);

    /// <summary>The frame metadata a .gsf file gives: format, source, title and every non-standard field as "gsf.&lt;name&gt;".</summary>
    public Dictionary<string, string> Metadata(string fileName)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "Gwyddion Simple Field",
            ["source"] = fileName,
            ["gsf.Title"] = Title,
        };
        if (XyUnit != PhysicalUnit.Metre)
        {
            metadata["xyUnit"] = XyUnit.Symbol;
        }

        foreach (var (key, value) in Fields)
        {
            if (Array.IndexOf(StandardKeys, key) < 0)
            {
                metadata["gsf." + key] = value;
            }
        }

        return metadata;
    }

    /// <summary>Scales samples read from the file to the base unit (nothing to do unless the unit had a prefix).</summary>
    public void ToSi(Span<float> samples)
    {
        if (_zPower != 0)
        {
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] *= _zScale;
            }
        }
    }

    /// <summary>
    /// Parses the header at the start of <paramref name="head"/>, which holds the file's first bytes: at least through
    /// the NUL padding, or the whole file when it is shorter. <paramref name="fileLength"/> is the whole file's length,
    /// which must be exactly the header plus XRes × YRes float32 samples.
    /// </summary>
    public static GsfHeader Parse(ReadOnlySpan<byte> head, long fileLength, string fileName)
    {
        if (!HasMagic(head))
        {
            throw new AfmFormatException(fileName, "magic line", "the file does not start with \"Gwyddion Simple Field 1.0\".");
        }

        var headerEnd = head.IndexOf((byte)0);
        if (headerEnd < 0)
        {
            throw new AfmFormatException(fileName, "header", "no NUL byte ends the text header.");
        }

        var fields = ParseFields(TextDecoding.Decode(head[GsfWriter.Magic.Length..headerEnd]), fileName);
        var dataStart = headerEnd + (4 - (headerEnd % 4));
        if (dataStart > fileLength)
        {
            throw new AfmFormatException(fileName, "header padding", $"the NUL padding runs to offset {dataStart}, past the end of the {fileLength}-byte file.");
        }

        for (var i = headerEnd; i < dataStart; i++)
        {
            if (head[i] != 0)
            {
                throw new AfmFormatException(fileName, "header padding", $"byte {i} is 0x{head[i]:X2}, not the NUL padding that aligns the data to 4 bytes.");
            }
        }

        var xres = RequiredInt(fields, "XRes", fileName);
        var yres = RequiredInt(fields, "YRes", fileName);
        var expected = (long)xres * yres * 4;
        if (fileLength - dataStart != expected)
        {
            throw new AfmFormatException(fileName, "data length",
                $"XRes × YRes = {xres} × {yres} needs {expected} bytes of float32 data after offset {dataStart}, but the file has {fileLength - dataStart}.");
        }

        return new GsfHeader(fields, xres, yres, dataStart, fileName);
    }

    /// <summary>
    /// Reads and parses the header from the start of <paramref name="stream"/> (a file of <paramref name="fileLength"/>
    /// bytes), reading only as far as the padding after the NUL; the stream is left wherever that reading stopped.
    /// </summary>
    public static GsfHeader Read(Stream stream, long fileLength, string fileName)
    {
        var head = new byte[(int)Math.Min(fileLength, 4096)];
        var filled = 0;
        while (true)
        {
            var n = stream.Read(head, filled, head.Length - filled);
            filled += n;
            var nul = head.AsSpan(0, filled).IndexOf((byte)0);

            // Done once the padding (up to 4 bytes after the NUL) is in, or there is nothing more to read.
            if ((nul >= 0 && filled >= Math.Min(fileLength, nul + 4)) || n == 0 || filled == fileLength)
            {
                return Parse(head.AsSpan(0, filled), fileLength, fileName);
            }

            if (filled == head.Length)
            {
                Array.Resize(ref head, (int)Math.Min(Math.Min(fileLength, Array.MaxLength), 2L * head.Length));
            }
        }
    }

    internal static bool HasMagic(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Encoding.ASCII.GetBytes(GsfWriter.Magic));

    private static Dictionary<string, string> ParseFields(string header, string fileName)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var rawLine in header.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new AfmFormatException(fileName, "header", $"line \"{Shorten(line)}\" is not of the form \"name = value\".");
            }

            fields[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }

        return fields;
    }

    private static int RequiredInt(Dictionary<string, string> fields, string key, string fileName)
    {
        if (!fields.TryGetValue(key, out var text))
        {
            throw new AfmFormatException(fileName, key, "the required field is missing from the header.");
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw new AfmFormatException(fileName, key, $"\"{Shorten(text)}\" is not an integer.");
        }

        ImportedFrames.RequirePixels(value, fileName, key);
        return value;
    }

    private static double OptionalDouble(Dictionary<string, string> fields, string key, double fallback, string fileName)
    {
        if (!fields.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new AfmFormatException(fileName, key, $"\"{Shorten(text)}\" is not a number.");
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
