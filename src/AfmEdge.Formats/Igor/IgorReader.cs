using System.Buffers.Binary;
using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Formats.Igor;

/// <summary>
/// Reads Igor Pro binary waves (.ibw, version 5) as Asylum Research writes them: a 3-D wave whose
/// layers are the channels, named by the third dimension's labels, with the scan in the wave's scaling
/// and the instrument's settings in the wave note. Layout (either byte order, told by the version word):
/// <code>
/// BinHeader5   64 bytes   version, checksum, wfmSize, formula/note/units/labels sizes
/// WaveHeader5 320 bytes   npnts, type, name, nDim[4], sfA[4], sfB[4], units
/// data        wfmSize − 320 bytes, first dimension fastest (x, then y, then layer)
/// formula, note, extended units, dimension labels (32 bytes each), …
/// </code>
/// Lines are flipped so that row 0 is the top of the image, as Gwyddion shows it.
/// </summary>
public static class IgorReader
{
    private const int BinHeaderSize = 64;
    private const int WaveHeaderSize = 320;
    private const int HeadersSize = BinHeaderSize + WaveHeaderSize;
    private const int LabelSize = 32;

    public static Frame Read(string path) => FileBytes.Parse(path, (bytes, name) => Parse(bytes, name, buffers: null));

    public static Frame Read(Stream stream, string fileName = "<stream>") => FileBytes.Parse(stream, fileName, (bytes, name) => Parse(bytes, name, buffers: null));

    internal static bool HasMagic(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 2 && (BinaryPrimitives.ReadInt16LittleEndian(bytes) == 5 || BinaryPrimitives.ReadInt16BigEndian(bytes) == 5);

    internal static Frame Parse(ReadOnlyMemory<byte> bytes, string fileName, ChannelBufferPool? buffers) =>
        ParseGuard.Run(fileName, () => ParseUnguarded(bytes, fileName, buffers));

    private static Frame ParseUnguarded(ReadOnlyMemory<byte> bytes, string fileName, ChannelBufferPool? buffers)
    {
        var probe = new ByteCursor(bytes, fileName);
        probe.Need(HeadersSize, "headers");
        var bigEndian = BinaryPrimitives.ReadInt16LittleEndian(bytes.Span) != 5;
        var c = new ByteCursor(bytes, fileName, bigEndian);
        var version = c.ReadInt16("version");
        if (version != 5)
        {
            throw c.Error("version", $"{version} is not 5; only version 5 waves hold images.");
        }

        ushort sum = 0;
        for (var i = 0; i < HeadersSize; i += 2)
        {
            sum += bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes.Span[i..]) : BinaryPrimitives.ReadUInt16LittleEndian(bytes.Span[i..]);
        }

        if (sum != 0)
        {
            throw c.Error("checksum", $"the 384 header bytes sum to 0x{sum:X4}, not 0: the header is corrupt.");
        }

        c.ReadInt16("checksum");
        var wfmSize = c.ReadInt32("wfmSize");
        var formulaSize = c.ReadInt32("formulaSize");
        var noteSize = c.ReadInt32("noteSize");
        var dataEUnitsSize = c.ReadInt32("dataEUnitsSize");
        var dimEUnitsSize = new int[4];
        var dimLabelsSize = new int[4];
        for (var i = 0; i < 4; i++)
        {
            dimEUnitsSize[i] = c.ReadInt32("dimEUnitsSize");
        }

        for (var i = 0; i < 4; i++)
        {
            dimLabelsSize[i] = c.ReadInt32("dimLabelsSize");
        }

        c.Position = BinHeaderSize + 12;
        var npnts = c.ReadInt32("npnts");
        var type = c.ReadInt16("type");
        c.Position = BinHeaderSize + 28;
        var waveName = ReadFixedString(c.Take(32, "bname"));
        c.Position = BinHeaderSize + 68;
        var nDim = new int[4];
        for (var i = 0; i < 4; i++)
        {
            nDim[i] = c.ReadInt32("nDim");
        }

        var sfA = new double[4];
        for (var i = 0; i < 4; i++)
        {
            sfA[i] = c.ReadDouble("sfA");
        }

        c.Position = BinHeaderSize + 148;
        var dataUnits = ReadFixedString(c.Take(4, "dataUnits"));
        var xyUnitText = ReadFixedString(c.Take(4, "dimUnits"));

        if (nDim[3] != 0 || nDim[0] <= 0 || nDim[1] <= 0 || nDim[2] < 0)
        {
            throw c.Error("nDim", $"{nDim[0]}×{nDim[1]}×{nDim[2]}×{nDim[3]} is not an image stack (x × y × layers).");
        }

        // Gwyddion treats a square 2-D wave as a single image; other 2-D waves are curves.
        if (nDim[2] == 0 && nDim[1] != nDim[0])
        {
            throw c.Error("nDim", $"{nDim[0]}×{nDim[1]} is a set of curves, not an image.");
        }

        var xres = nDim[0];
        var yres = nDim[1];
        var layers = Math.Max(nDim[2], 1);
        ImportedFrames.RequirePixels(xres, fileName, "nDim[0]");
        ImportedFrames.RequirePixels(yres, fileName, "nDim[1]");
        var itemSize = ItemSize(type) ?? throw c.Error("type", $"wave type 0x{type:X2} is not a real integer or floating-point type.");
        var expectedPoints = (long)xres * yres * layers;
        if (npnts != expectedPoints)
        {
            throw c.Error("npnts", $"{npnts} points do not match {xres} × {yres} × {layers}.");
        }

        if (wfmSize < WaveHeaderSize || (long)BinHeaderSize + wfmSize > bytes.Length || wfmSize - WaveHeaderSize < expectedPoints * itemSize)
        {
            throw c.Error("wfmSize", $"{wfmSize} does not cover the 320-byte wave header and {expectedPoints} × {itemSize} data bytes within the {bytes.Length}-byte file.");
        }

        // The sections after the data, each checked against the file before it is read.
        var tail = new ByteCursor(bytes, fileName, bigEndian, start: BinHeaderSize + wfmSize);
        tail.Take(NonNegative(formulaSize, "formulaSize", c), "formula");
        var note = TextDecoding.Decode(tail.Take(NonNegative(noteSize, "noteSize", c), "note"));
        tail.Take(NonNegative(dataEUnitsSize, "dataEUnitsSize", c), "data extended units");
        for (var i = 0; i < 4; i++)
        {
            tail.Take(NonNegative(dimEUnitsSize[i], "dimEUnitsSize", c), "dimension extended units");
        }

        for (var i = 0; i < 2; i++)
        {
            tail.Take(NonNegative(dimLabelsSize[i], "dimLabelsSize", c), "dimension labels");
        }

        var labelBytes = tail.Take(NonNegative(dimLabelsSize[2], "dimLabelsSize", c), "layer labels");
        var titles = new string?[layers];
        for (var i = 0; i < layers && (i + 2) * LabelSize <= labelBytes.Length; i++)
        {
            var label = ReadFixedString(labelBytes.Slice((i + 1) * LabelSize, LabelSize));
            titles[i] = label.Length > 0 ? label : null;
        }

        var noteEntries = ParseNote(note);
        var xyUnit = Units.Parse(xyUnitText, out var xyPower);
        var xreal = Math.Abs(sfA[0] * xres) * Math.Pow(10, xyPower);
        var yreal = Math.Abs(sfA[1] * yres) * Math.Pow(10, xyPower);
        ImportedFrames.RequirePositiveFinite(xreal, fileName, "sfA[0]");
        ImportedFrames.RequirePositiveFinite(yreal, fileName, "sfA[1]");

        var channels = new List<Channel>(layers);
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var metadata = new Dictionary<string, string>(noteEntries, StringComparer.Ordinal)
        {
            ["format"] = "Igor binary wave (Asylum Research)",
            ["source"] = fileName,
            ["igor.waveName"] = waveName,
        };

        var layerSize = xres * yres;
        for (var layer = 0; layer < layers; layer++)
        {
            var title = titles[layer] ?? string.Create(CultureInfo.InvariantCulture, $"Channel {layer + 1}");
            var unitText = noteEntries.Count > 0
                ? noteEntries.GetValueOrDefault(CanonicalName(title) + "Unit") ?? UnitForTitle(CanonicalName(title))
                : dataUnits;
            var unit = Units.Parse(unitText, out var power);
            var scale = Math.Pow(10, power);
            // Every row and every column is written below, so the array need not be zeroed first.
            var data = ChannelBufferPool.Allocate(buffers, layerSize);
            var source = bytes.Span.Slice(HeadersSize + (layer * layerSize * itemSize), layerSize * itemSize);
            for (var row = 0; row < yres; row++)
            {
                // Igor's first row is the bottom of the image.
                var target = data.AsSpan((yres - 1 - row) * xres, xres);
                var line = source.Slice(row * xres * itemSize, xres * itemSize);
                for (var x = 0; x < xres; x++)
                {
                    var value = ReadItem(line.Slice(x * itemSize, itemSize), type, bigEndian);
                    target[x] = (float)(power == 0 ? value : value * scale);
                }
            }

            var (name, direction) = ImportedFrames.SplitTitle(title);
            var descriptor = ImportedFrames.Unique(new ChannelDescriptor(name, unit, direction), taken);
            metadata["igor.title." + descriptor.Key] = title;
            channels.Add(new Channel(descriptor, xres, yres, data));
        }

        if (xyUnit != PhysicalUnit.Metre)
        {
            metadata["xyUnit"] = xyUnit.Symbol;
        }

        var lineRate = noteEntries.TryGetValue("ScanRate", out var rate)
            && double.TryParse(rate, NumberStyles.Float, CultureInfo.InvariantCulture, out var hz) ? hz : double.NaN;
        var angle = noteEntries.TryGetValue("ScanAngle", out var angleText)
            && double.TryParse(angleText, NumberStyles.Float, CultureInfo.InvariantCulture, out var deg) ? deg : 0;
        var scan = ImportedFrames.Scan(xres, yres, xreal, yreal, lineRateHz: lineRate, angleDegrees: angle);
        return new Frame(new FrameId(ParseDate(noteEntries), 0), scan, channels, metadata);
    }

    /// <summary>Asylum's channel name without direction or modulation suffix: "HeightRetrace" → "Height", "PhaseMod1Trace"… → "Phase".</summary>
    private static string CanonicalName(string title)
    {
        var name = title;
        var mod = name.IndexOf("Mod", StringComparison.Ordinal);
        if (mod >= 0 && name.AsSpan(mod + 3).IndexOfAnyExceptInRange('0', '9') < 0)
        {
            name = name[..mod];
        }

        if (name.EndsWith("Trace", StringComparison.Ordinal))
        {
            return name[..^"Trace".Length];
        }

        return name.EndsWith("Retrace", StringComparison.Ordinal) ? name[..^"Retrace".Length] : name;
    }

    /// <summary>Asylum's implied unit by channel kind when the note does not state "&lt;name&gt;Unit"; everything else is volts.</summary>
    private static string UnitForTitle(string name)
    {
        var kind = name.StartsWith("DAC", StringComparison.Ordinal) || name.StartsWith("Nap", StringComparison.Ordinal) ? name[3..] : name;
        (string Prefix, string Unit)[] table =
        [
            ("Height", "m"), ("ZSensor", "m"), ("Deflection", "m"), ("Amplitude", "m"), ("Phase", "deg"), ("Current", "A"),
            ("Frequency", "Hz"), ("Capacitance", "F"), ("Potential", "V"), ("Count", string.Empty), ("QFactor", string.Empty),
        ];
        foreach (var (prefix, unit) in table)
        {
            if (kind.StartsWith(prefix, StringComparison.Ordinal))
            {
                return unit;
            }
        }

        return "V";
    }

    private static Dictionary<string, string> ParseNote(string note)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in note.Split('\r', '\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                entries[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return entries;
    }

    private static DateTimeOffset ParseDate(Dictionary<string, string> note)
    {
        if (note.TryGetValue("Date", out var date) && note.TryGetValue("Time", out var time)
            && DateTime.TryParseExact(date + " " + time, "yyyy-MM-dd h:mm:ss tt", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var when))
        {
            return new DateTimeOffset(when, TimeSpan.Zero);
        }

        return DateTimeOffset.UnixEpoch;
    }

    private static int? ItemSize(short type) => type switch
    {
        2 => 4,
        4 => 8,
        8 or 0x48 => 1,
        0x10 or 0x50 => 2,
        0x20 or 0x60 => 4,
        _ => null,
    };

    private static double ReadItem(ReadOnlySpan<byte> item, short type, bool bigEndian) => type switch
    {
        2 => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(item) : BinaryPrimitives.ReadSingleLittleEndian(item),
        4 => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(item) : BinaryPrimitives.ReadDoubleLittleEndian(item),
        8 => (sbyte)item[0],
        0x48 => item[0],
        0x10 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(item) : BinaryPrimitives.ReadInt16LittleEndian(item),
        0x50 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(item) : BinaryPrimitives.ReadUInt16LittleEndian(item),
        0x20 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(item) : BinaryPrimitives.ReadInt32LittleEndian(item),
        _ => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(item) : BinaryPrimitives.ReadUInt32LittleEndian(item),
    };

    private static int NonNegative(int size, string field, ByteCursor c) =>
        size >= 0 ? size : throw c.Error(field, $"{size} is negative.");

    private static string ReadFixedString(ReadOnlySpan<byte> bytes)
    {
        var nul = bytes.IndexOf((byte)0);
        return TextDecoding.Decode(nul < 0 ? bytes : bytes[..nul]).Trim();
    }
}
