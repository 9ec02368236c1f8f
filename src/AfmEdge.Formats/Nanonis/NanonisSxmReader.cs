using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using AfmEdge.Core;

namespace AfmEdge.Formats.Nanonis;

/// <summary>
/// Reads Nanonis scan files (.sxm): an ASCII header of <c>:TAG:</c> lines, each followed by its value
/// lines, up to <c>:SCANIT_END:</c>; then the bytes 0x1A 0x04; then, for every channel of
/// <c>:DATA_INFO:</c> in order, its forward image and (direction "both") its backward image, each
/// SCAN_PIXELS x × y float32 values (big-endian for MSBFIRST) in physical units.
/// Lines are stored in acquisition order: an "up" scan starts at the bottom, so its rows are flipped
/// to put row 0 at the top, and backward lines run right to left, so they are mirrored.
/// </summary>
public static class NanonisSxmReader
{
    private const string EndTag = ":SCANIT_END:";

    public static Frame Read(string path) => FileBytes.Parse(path, (bytes, name) => Parse(bytes, name, buffers: null));

    public static Frame Read(Stream stream, string fileName = "<stream>") => FileBytes.Parse(stream, fileName, (bytes, name) => Parse(bytes, name, buffers: null));

    internal static bool HasMagic(ReadOnlySpan<byte> bytes) => bytes.StartsWith(":NANONIS_VERSION:"u8);

    internal static Frame Parse(ReadOnlyMemory<byte> bytes, string fileName, ChannelBufferPool? buffers) =>
        ParseGuard.Run(fileName, () => ParseUnguarded(bytes, fileName, buffers));

    private static Frame ParseUnguarded(ReadOnlyMemory<byte> bytes, string fileName, ChannelBufferPool? buffers)
    {
        if (!HasMagic(bytes.Span))
        {
            throw new AfmFormatException(fileName, ":NANONIS_VERSION:", "the file does not start with a Nanonis header.");
        }

        var endTag = bytes.Span.IndexOf(Encoding.ASCII.GetBytes(EndTag));
        if (endTag < 0)
        {
            throw new AfmFormatException(fileName, EndTag, "the header never ends.");
        }

        var marker = bytes.Span[endTag..].IndexOf("\x1A\x04"u8);
        if (marker < 0)
        {
            throw new AfmFormatException(fileName, "data marker", "no 0x1A 0x04 marker follows :SCANIT_END:.");
        }

        var dataStart = endTag + marker + 2;
        var tags = ParseHeader(Encoding.Latin1.GetString(bytes.Span[..endTag]));

        var pixels = Numbers(Required(tags, "SCAN_PIXELS", fileName), 2, "SCAN_PIXELS", fileName);
        if (pixels[0] != Math.Floor(pixels[0]) || pixels[1] != Math.Floor(pixels[1]))
        {
            throw new AfmFormatException(fileName, "SCAN_PIXELS", "pixel counts must be whole numbers.");
        }

        ImportedFrames.RequirePixels((long)pixels[0], fileName, "SCAN_PIXELS");
        ImportedFrames.RequirePixels((long)pixels[1], fileName, "SCAN_PIXELS");
        var xres = (int)pixels[0];
        var yres = (int)pixels[1];
        var range = Numbers(Required(tags, "SCAN_RANGE", fileName), 2, "SCAN_RANGE", fileName);
        ImportedFrames.RequirePositiveFinite(range[0], fileName, "SCAN_RANGE");
        ImportedFrames.RequirePositiveFinite(range[1], fileName, "SCAN_RANGE");
        var centre = tags.TryGetValue("SCAN_OFFSET", out var offsetText) ? Numbers(offsetText, 2, "SCAN_OFFSET", fileName) : [0.0, 0.0];
        ImportedFrames.RequireFinite(centre[0], fileName, "SCAN_OFFSET");
        ImportedFrames.RequireFinite(centre[1], fileName, "SCAN_OFFSET");
        var angle = tags.TryGetValue("SCAN_ANGLE", out var angleText) ? Numbers(angleText, 1, "SCAN_ANGLE", fileName)[0] : 0;

        var type = tags.GetValueOrDefault("SCANIT_TYPE") ?? "FLOAT MSBFIRST";
        var typeWords = type.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (!typeWords.Contains("FLOAT", StringComparer.Ordinal))
        {
            throw new AfmFormatException(fileName, "SCANIT_TYPE", $"\"{type.Trim()}\" is not FLOAT data.");
        }

        var bigEndian = !typeWords.Contains("LSBFIRST", StringComparer.Ordinal);
        var scanUp = (tags.GetValueOrDefault("SCAN_DIR") ?? "up").Trim().Equals("up", StringComparison.OrdinalIgnoreCase);
        var infos = ParseDataInfo(Required(tags, "DATA_INFO", fileName), fileName);

        var images = infos.Sum(i => i.Both ? 2L : 1L);
        var imageBytes = (long)xres * yres * 4;
        if (bytes.Length - dataStart < images * imageBytes)
        {
            throw new AfmFormatException(fileName, "data length",
                $"{infos.Count} channels need {images} images of {xres} × {yres} float32 ({images * imageBytes} bytes) after offset {dataStart}, but the file has {bytes.Length - dataStart}.");
        }

        var channels = new List<Channel>();
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var position = dataStart;
        foreach (var info in infos)
        {
            foreach (var direction in info.Both ? [ScanDirection.Trace, ScanDirection.Retrace] : new[] { info.Direction })
            {
                var data = ReadImage(bytes.Span.Slice(position, (int)imageBytes), xres, yres, bigEndian, flipRows: scanUp, mirror: direction == ScanDirection.Retrace, buffers);
                position += (int)imageBytes;
                var descriptor = ImportedFrames.Unique(new ChannelDescriptor(info.Name, Units.Parse(info.Unit, out var power), direction), taken);
                if (power != 0)
                {
                    var scale = (float)Math.Pow(10, power);
                    for (var i = 0; i < data.Length; i++)
                    {
                        data[i] *= scale;
                    }
                }

                channels.Add(new Channel(descriptor, xres, yres, data));
            }
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            if (key != "DATA_INFO" && value.Length > 0)
            {
                metadata[key] = value;
            }
        }

        metadata["format"] = "Nanonis SXM";
        metadata["source"] = fileName;

        var lineRate = double.NaN;
        if (tags.TryGetValue("SCAN_TIME", out var timeText))
        {
            var times = Numbers(timeText, 1, "SCAN_TIME", fileName);
            var lineTime = times.Sum();
            lineRate = lineTime > 0 ? 1 / lineTime : double.NaN;
            if (double.IsFinite(lineRate))
            {
                metadata["scan.lineRateHz"] = lineRate.ToString("R", CultureInfo.InvariantCulture);
            }
        }

        // SCAN_OFFSET is the centre of the frame; the Core offset is its corner.
        var scan = ImportedFrames.Scan(xres, yres, range[0], range[1], centre[0] - (range[0] / 2), centre[1] - (range[1] / 2), lineRate, angle);
        return new Frame(new FrameId(ParseDate(tags), 0), scan, channels, metadata);
    }

    // Straight to optimized code: a file is often opened once, and a tier-0 loop over every sample costs more than the disk.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] ReadImage(ReadOnlySpan<byte> source, int xres, int yres, bool bigEndian, bool flipRows, bool mirror, ChannelBufferPool? buffers)
    {
        // Every row and every column is written below, so the array need not be zeroed first.
        var data = ChannelBufferPool.Allocate(buffers, xres * yres);
        for (var row = 0; row < yres; row++)
        {
            var target = data.AsSpan((flipRows ? yres - 1 - row : row) * xres, xres);
            var line = source.Slice(row * xres * 4, xres * 4);
            for (var x = 0; x < xres; x++)
            {
                var item = line.Slice(x * 4, 4);
                target[mirror ? xres - 1 - x : x] = bigEndian ? BinaryPrimitives.ReadSingleBigEndian(item) : BinaryPrimitives.ReadSingleLittleEndian(item);
            }
        }

        return data;
    }

    private sealed record ChannelInfo(string Name, string Unit, bool Both, ScanDirection Direction);

    private static List<ChannelInfo> ParseDataInfo(string text, string fileName)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length < 2)
        {
            throw new AfmFormatException(fileName, "DATA_INFO", "the table lists no channel.");
        }

        var columns = lines[0].Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var nameColumn = Array.IndexOf(columns, "Name");
        var unitColumn = Array.IndexOf(columns, "Unit");
        var directionColumn = Array.IndexOf(columns, "Direction");
        if (nameColumn < 0 || unitColumn < 0 || directionColumn < 0)
        {
            throw new AfmFormatException(fileName, "DATA_INFO", $"header row \"{lines[0]}\" lacks Name, Unit or Direction.");
        }

        var infos = new List<ChannelInfo>();
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split('\t', StringSplitOptions.TrimEntries);
            if (cells.Length <= Math.Max(nameColumn, Math.Max(unitColumn, directionColumn)))
            {
                throw new AfmFormatException(fileName, "DATA_INFO", $"row \"{line}\" has {cells.Length} cells; the header has {columns.Length}.");
            }

            var direction = cells[directionColumn].ToLowerInvariant();
            if (direction is not ("both" or "forward" or "backward"))
            {
                throw new AfmFormatException(fileName, "DATA_INFO", $"direction \"{cells[directionColumn]}\" is not both, forward or backward.");
            }

            infos.Add(new ChannelInfo(cells[nameColumn], cells[unitColumn], direction == "both",
                direction == "backward" ? ScanDirection.Retrace : ScanDirection.Trace));
        }

        return infos;
    }

    private static Dictionary<string, string> ParseHeader(string header)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        string? tag = null;
        var value = new StringBuilder();
        foreach (var raw in header.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length >= 2 && line[0] == ':' && line[^1] == ':')
            {
                if (tag is not null)
                {
                    tags[tag] = value.ToString().Trim();
                }

                tag = line[1..^1];
                value.Clear();
            }
            else if (tag is not null)
            {
                value.Append(line).Append('\n');
            }
        }

        if (tag is not null)
        {
            tags[tag] = value.ToString().Trim();
        }

        return tags;
    }

    private static string Required(Dictionary<string, string> tags, string tag, string fileName) =>
        tags.TryGetValue(tag, out var value) ? value : throw new AfmFormatException(fileName, tag, "the header lacks this tag.");

    private static double[] Numbers(string text, int minimum, string tag, string fileName)
    {
        var words = text.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var numbers = new double[words.Length];
        for (var i = 0; i < words.Length; i++)
        {
            if (!double.TryParse(words[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]))
            {
                throw new AfmFormatException(fileName, tag, $"\"{words[i]}\" is not a number.");
            }
        }

        return numbers.Length >= minimum
            ? numbers
            : throw new AfmFormatException(fileName, tag, $"needs {minimum} numbers but has {numbers.Length}.");
    }

    private static DateTimeOffset ParseDate(Dictionary<string, string> tags)
    {
        if (tags.TryGetValue("REC_DATE", out var date) && tags.TryGetValue("REC_TIME", out var time)
            && DateTime.TryParseExact(date.Trim() + " " + time.Trim(), "dd.MM.yyyy HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var when))
        {
            return new DateTimeOffset(when, TimeSpan.Zero);
        }

        return DateTimeOffset.UnixEpoch;
    }
}
