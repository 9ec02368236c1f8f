using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using AfmEdge.Core;

namespace AfmEdge.Formats.Nanoscope;

/// <summary>
/// Reads Bruker/Veeco Nanoscope files (.spm, .000–.999) with version 4.3 and later headers: an ASCII
/// header of <c>\*Section</c> lines and <c>\Key: value</c> entries, then one binary block per
/// <c>\*Ciao image list</c>. Values become physical as
/// <c>raw / 256^bytesPerPixel × Z scale × sensitivity</c> (e.g. V × nm/V → m), the way Gwyddion does,
/// and lines are flipped so that row 0 is the top of the image (the file stores the bottom line first).
/// Each image list's own size wins over the scan list's, unless only the scan list's agrees with the data length.
/// </summary>
public static class NanoscopeReader
{
    private const string FileListEnd = "\\*File list end";

    public static IReadOnlyList<Frame> ReadFrames(string path)
        => FileBytes.Parse(path, (bytes, name) => Parse(bytes, name, buffers: null));

    public static IReadOnlyList<Frame> ReadFrames(Stream stream, string fileName = "<stream>")
        => FileBytes.Parse(stream, fileName, (bytes, name) => Parse(bytes, name, buffers: null));

    /// <summary>The first frame: every image that shares the first image's grid.</summary>
    public static Frame Read(string path) => ReadFrames(path)[0];

    internal static bool HasMagic(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith("\\*File list"u8) || bytes.StartsWith("?*File list"u8) || bytes.StartsWith("\\*EC File list"u8);

    internal static IReadOnlyList<Frame> Parse(ReadOnlyMemory<byte> bytes, string fileName, ChannelBufferPool? buffers) =>
        ParseGuard.Run(fileName, () => ParseUnguarded(bytes, fileName, buffers));

    private static List<Frame> ParseUnguarded(ReadOnlyMemory<byte> bytes, string fileName, ChannelBufferPool? buffers)
    {
        var sections = ParseHeader(bytes, fileName);
        var images = sections.Where(s => s.Name == "Ciao image list").ToList();
        if (images.Count == 0)
        {
            throw new AfmFormatException(fileName, "\\*Ciao image list", "the header lists no image.");
        }

        var scanList = sections.FirstOrDefault(s => s.Name == "Ciao scan list")?.Entries ?? [];
        var scannerList = sections.FirstOrDefault(s => s.Name == "Scanner list")?.Entries ?? [];
        var sharedMetadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var section in sections.Where(s => s.Name is "File list" or "EC File list" or "Scanner list" or "Equipment list" or "Ciao scan list"))
        {
            foreach (var (key, value) in section.Entries)
            {
                if (value.Length > 0)
                {
                    sharedMetadata[key.TrimStart('@')] = value.Replace('~', 'µ');
                }
            }
        }

        sharedMetadata["format"] = "Bruker Nanoscope";
        sharedMetadata["source"] = fileName;
        var acquired = ParseDate(sharedMetadata.GetValueOrDefault("Date"));
        var lineRate = scanList.TryGetValue("Scan rate", out var rateText) ? NanoscopeValue.SplitNumber(rateText).Value ?? double.NaN : double.NaN;
        if (double.IsFinite(lineRate))
        {
            sharedMetadata["scan.lineRateHz"] = lineRate.ToString("R", CultureInfo.InvariantCulture);
        }

        var parsed = new List<(ChannelDescriptor Descriptor, int XRes, int YRes, double XReal, double YReal, PhysicalUnit XYUnit, float[] Data, Dictionary<string, string> Entries)>();
        for (var i = 0; i < images.Count; i++)
        {
            parsed.Add(ReadImage(bytes, fileName, i, images[i].Entries, scanList, scannerList, buffers));
        }

        var frames = new List<Frame>();
        var remaining = parsed.ToList();
        while (remaining.Count > 0)
        {
            var first = remaining[0];
            var group = remaining.Where(p => p.XRes == first.XRes && p.YRes == first.YRes && p.XReal == first.XReal && p.YReal == first.YReal).ToList();
            remaining.RemoveAll(group.Contains);
            var metadata = new Dictionary<string, string>(sharedMetadata, StringComparer.Ordinal);
            var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var channels = new List<Channel>();
            foreach (var image in group)
            {
                var descriptor = ImportedFrames.Unique(image.Descriptor, taken);
                foreach (var (key, value) in image.Entries)
                {
                    if (value.Length > 0)
                    {
                        metadata[descriptor.Key + "." + key.TrimStart('@')] = value.Replace('~', 'µ');
                    }
                }

                channels.Add(new Channel(descriptor, image.XRes, image.YRes, image.Data));
            }

            if (first.XYUnit != PhysicalUnit.Metre)
            {
                metadata["xyUnit"] = first.XYUnit.Symbol;
            }

            var scan = ImportedFrames.Scan(first.XRes, first.YRes, first.XReal, first.YReal, lineRateHz: lineRate);
            frames.Add(new Frame(new FrameId(acquired, frames.Count), scan, channels, metadata));
        }

        return frames;
    }

    private static (ChannelDescriptor, int, int, double, double, PhysicalUnit, float[], Dictionary<string, string>) ReadImage(
        ReadOnlyMemory<byte> bytes, string fileName, int index, Dictionary<string, string> image, Dictionary<string, string> scanList, Dictionary<string, string> scannerList,
        ChannelBufferPool? buffers)
    {
        var where = string.Create(CultureInfo.InvariantCulture, $"image {index + 1}");
        var offset = RequiredNumber(image, "Data offset", fileName, where);
        var length = RequiredNumber(image, "Data length", fileName, where);
        var bpp = image.TryGetValue("Bytes/pixel", out var bppText) ? NanoscopeValue.SplitNumber(bppText).Value ?? 2 : 2;
        if (bpp is not (2 or 4))
        {
            throw new AfmFormatException(fileName, where + " Bytes/pixel", $"{bpp} is not 2 or 4.");
        }

        if (offset < 0 || length < 0 || offset + length > bytes.Length)
        {
            throw new AfmFormatException(fileName, where + " Data offset",
                $"data at offset {offset} with length {length} does not lie within the {bytes.Length}-byte file.");
        }

        var xres = (long)RequiredNumber(image, "Samps/line", fileName, where);
        var yres = (long)RequiredNumber(image, "Number of lines", fileName, where);
        ImportedFrames.RequirePixels(xres, fileName, where + " Samps/line");
        ImportedFrames.RequirePixels(yres, fileName, where + " Number of lines");
        if (!image.TryGetValue("Scan size", out var sizeText))
        {
            throw new AfmFormatException(fileName, where + " Scan size", "the image list has no scan size.");
        }

        var (xreal, yreal, xyUnit) = ParseScanSize(sizeText, fileName, where);

        // The image list's geometry is authoritative; the scan list's (gxres × gyres) only when the data
        // length matches it and not the image's.
        var needed = (long)bpp * xres * yres;
        if (length != needed)
        {
            var gxres = scanList.TryGetValue("Samps/line", out var gx) ? (long)(NanoscopeValue.SplitNumber(gx).Value ?? 0) : 0;
            var gyres = scanList.TryGetValue("Lines", out var gy) ? (long)(NanoscopeValue.SplitNumber(gy).Value ?? 0) : 0;
            if (gxres > 0 && gyres > 0 && length == (long)bpp * gxres * gyres)
            {
                xreal *= (double)gxres / xres;
                yreal *= (double)gyres / yres;
                (xres, yres) = (gxres, gyres);
                ImportedFrames.RequirePixels(xres, fileName, "Ciao scan list Samps/line");
                ImportedFrames.RequirePixels(yres, fileName, "Ciao scan list Lines");
                needed = length;
            }
            else if (length < needed)
            {
                throw new AfmFormatException(fileName, where + " Data length",
                    $"{length} bytes cannot hold {xres} × {yres} samples of {bpp} bytes ({needed} bytes).");
            }
        }

        var (scale, unit) = PhysicalScale(image, scannerList, scanList, fileName, where);
        var divisor = Math.Pow(256, bpp);
        var q = scale / divisor;
        var w = (int)xres;
        var h = (int)yres;
        // Every row and every column is written below, so the array need not be zeroed first.
        var data = ChannelBufferPool.Allocate(buffers, w * h);
        var source = bytes.Span.Slice((int)offset, (int)needed);
        for (var row = 0; row < h; row++)
        {
            // The file's first line is the bottom of the image.
            var target = data.AsSpan((h - 1 - row) * w, w);
            var line = source.Slice(row * w * (int)bpp, w * (int)bpp);
            for (var x = 0; x < w; x++)
            {
                double raw = bpp == 2
                    ? BinaryPrimitives.ReadInt16LittleEndian(line[(x * 2)..])
                    : BinaryPrimitives.ReadInt32LittleEndian(line[(x * 4)..]);
                target[x] = (float)(raw * q);
            }
        }

        var name = ImageName(image) ?? string.Create(CultureInfo.InvariantCulture, $"Image {index + 1}");
        var direction = image.TryGetValue("Line direction", out var dir) && dir.Trim().Equals("Retrace", StringComparison.OrdinalIgnoreCase)
            ? ScanDirection.Retrace
            : ScanDirection.Trace;
        return (new ChannelDescriptor(name, unit, direction), w, h, xreal, yreal, xyUnit, data, image);
    }

    /// <summary>The conversion factor per full-scale count and the base unit, as Gwyddion derives it.</summary>
    private static (double Scale, PhysicalUnit Unit) PhysicalScale(
        Dictionary<string, string> image, Dictionary<string, string> scannerList, Dictionary<string, string> scanList, string fileName, string where)
    {
        string? key = null;
        foreach (var candidate in new[] { "@4:Z scale", "@2:Z scale" })
        {
            if (image.ContainsKey(candidate))
            {
                key = candidate;
                break;
            }
        }

        if (key is null)
        {
            if (image.TryGetValue("Z scale", out var oldStyle))
            {
                // Version 4.2 and older: the hard value alone, in its own unit.
                var old = NanoscopeValue.Parse(oldStyle, typed: false);
                var oldUnit = Units.Parse(old.HardValueUnit, out var oldPower);
                return (Finite(old.HardValue, fileName, where + " Z scale") * Math.Pow(10, oldPower), oldUnit);
            }

            throw new AfmFormatException(fileName, where + " @2:Z scale", "the image has no Z scale.");
        }

        var value = NanoscopeValue.Parse(image[key], typed: true);
        var hard = Finite(value.HardValue, fileName, where + " " + key);
        if (value.SoftScale is null)
        {
            var unitOnly = Units.Parse(value.HardValueUnit, out var power);
            return (hard * Math.Pow(10, power), unitOnly);
        }

        var sensKey = "@" + value.SoftScale;
        if (!scannerList.TryGetValue(sensKey, out var sensText) && !scanList.TryGetValue(sensKey, out sensText))
        {
            // Gwyddion keeps the bare hard value and no unit when the sensitivity is missing.
            return (hard, PhysicalUnit.Dimensionless);
        }

        var sens = NanoscopeValue.Parse(sensText, typed: true);
        var sensValue = Finite(sens.HardValue, fileName, sensKey);
        if (sens.HardValueUnit.Length == 0)
        {
            return (hard * sensValue, value.SoftScale == "Sens. Phase" ? PhysicalUnit.Degree : PhysicalUnit.Volt);
        }

        // sensitivity unit × Z scale unit, e.g. nm/V × V = nm → m with 1e-9.
        var sensUnit = sens.HardValueUnit;
        var zUnit = value.HardValueUnit.Length > 0 ? value.HardValueUnit : "V";
        var q2 = 0;
        var q1 = 0;
        var slash = sensUnit.IndexOf('/', StringComparison.Ordinal);
        PhysicalUnit unit;
        if (slash > 0 && Units.Parse(sensUnit[(slash + 1)..], out var denominatorPower) is var denominator
            && Units.Parse(zUnit, out q1) == denominator)
        {
            unit = Units.Parse(sensUnit[..slash], out q2);
            q2 -= denominatorPower;
        }
        else
        {
            var numerator = Units.Parse(sensUnit, out q2);
            var zBase = Units.Parse(zUnit, out q1);
            unit = new PhysicalUnit(numerator.Symbol + "·" + zBase.Symbol);
        }

        return (hard * sensValue * Math.Pow(10, q1 + q2), unit);
    }

    /// <summary>The channel name: the soft-scale reference of "@2:Image Data: S [Height] \"Height\"", else its quoted text (Gwyddion's order).</summary>
    private static string? ImageName(Dictionary<string, string> image)
    {
        foreach (var key in new[] { "@2:Image Data", "@3:Image Data", "@4:Image Data", "Image data" })
        {
            if (!image.TryGetValue(key, out var value))
            {
                continue;
            }

            var parsed = NanoscopeValue.Parse(value, typed: key[0] == '@');
            if (!string.IsNullOrEmpty(parsed.SoftScale))
            {
                return parsed.SoftScale;
            }

            var text = parsed.Text.Trim('"', ' ');
            return text.Length > 0 ? text : null;
        }

        return null;
    }

    private static (double X, double Y, PhysicalUnit Unit) ParseScanSize(string text, string fileName, string where)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var numbers = new List<double>();
        var unitText = string.Empty;
        foreach (var part in parts)
        {
            if (numbers.Count < 2 && double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                numbers.Add(n);
            }
            else
            {
                unitText += part;
            }
        }

        if (numbers.Count == 0)
        {
            throw new AfmFormatException(fileName, where + " Scan size", $"\"{text}\" holds no number.");
        }

        var unit = Units.Parse(unitText, out var power);
        var scale = Math.Pow(10, power);
        var x = Math.Abs(numbers[0]) * scale;
        var y = Math.Abs(numbers.Count > 1 ? numbers[1] : numbers[0]) * scale;
        ImportedFrames.RequirePositiveFinite(x, fileName, where + " Scan size");
        ImportedFrames.RequirePositiveFinite(y, fileName, where + " Scan size");
        return (x, y, unit);
    }

    private static double Finite(double? value, string fileName, string field) =>
        value is { } v && double.IsFinite(v) ? v : throw new AfmFormatException(fileName, field, "has no finite numeric value.");

    private static long RequiredNumber(Dictionary<string, string> entries, string key, string fileName, string where)
    {
        if (!entries.TryGetValue(key, out var text) || NanoscopeValue.SplitNumber(text).Value is not { } value
            || !double.IsFinite(value) || value != Math.Floor(value) || Math.Abs(value) > int.MaxValue)
        {
            throw new AfmFormatException(fileName, where + " " + key, entries.ContainsKey(key) ? $"\"{text}\" is not a whole number." : "is missing.");
        }

        return (long)value;
    }

    private static DateTimeOffset ParseDate(string? text)
    {
        // "10:27:26 AM Fri Oct 17 2014"
        if (text is not null && DateTime.TryParseExact(text.Trim(), "h:mm:ss tt ddd MMM d yyyy", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowInnerWhite, out var date))
        {
            return new DateTimeOffset(date, TimeSpan.Zero);
        }

        return DateTimeOffset.UnixEpoch;
    }

    private sealed record Section(string Name, Dictionary<string, string> Entries);

    private static List<Section> ParseHeader(ReadOnlyMemory<byte> bytes, string fileName)
    {
        if (!HasMagic(bytes.Span))
        {
            throw new AfmFormatException(fileName, "\\*File list", "the file does not start with a Nanoscope header.");
        }

        // The header's length is the first "\Data length" (in the file list); never read past the file.
        var probe = Encoding.Latin1.GetString(bytes.Span[..Math.Min(bytes.Length, 4096)]);
        var marker = probe.IndexOf("\\Data length:", StringComparison.Ordinal);
        if (marker < 0)
        {
            throw new AfmFormatException(fileName, "\\Data length", "the file list does not give the header length.");
        }

        var (headerLengthValue, _) = NanoscopeValue.SplitNumber(ReadLine(probe, marker + "\\Data length:".Length));
        if (headerLengthValue is not { } headerLength || headerLength <= 0 || headerLength > bytes.Length || headerLength != Math.Floor(headerLength))
        {
            throw new AfmFormatException(fileName, "\\Data length", $"header length {headerLengthValue} does not fit the {bytes.Length}-byte file.");
        }

        var header = Encoding.Latin1.GetString(bytes.Span[..(int)headerLength]);
        var end = header.IndexOf(FileListEnd, StringComparison.Ordinal);
        if (end < 0)
        {
            throw new AfmFormatException(fileName, "\\*File list end", $"the header's {headerLength} bytes do not end with \\*File list end.");
        }

        var sections = new List<Section>();
        Section? current = null;
        foreach (var raw in header[..end].Split('\n'))
        {
            var line = raw.TrimEnd('\r', '\0', ' ');
            if (line.Length < 2 || line[0] is not ('\\' or '?'))
            {
                continue;
            }

            if (line[1] == '*')
            {
                current = new Section(line[2..].Trim(), new Dictionary<string, string>(StringComparer.Ordinal));
                sections.Add(current);
                continue;
            }

            if (current is null)
            {
                throw new AfmFormatException(fileName, "header", $"entry \"{line}\" comes before any \\*section.");
            }

            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0 && line.EndsWith(':'))
            {
                colon = line.Length - 1;
            }

            if (colon < 1)
            {
                continue;
            }

            current.Entries[line[1..colon]] = colon + 2 <= line.Length ? line[(colon + 2)..].Trim() : string.Empty;
        }

        return sections;
    }

    private static string ReadLine(string text, int start)
    {
        var end = text.IndexOfAny(['\r', '\n'], start);
        return end < 0 ? text[start..] : text[start..end];
    }
}
