using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using AfmEdge.Core;

namespace AfmEdge.Formats.Jpk;

/// <summary>
/// Reads JPK Instruments image scans (.jpk, .jpk-qi-image): a TIFF file whose first directory holds a
/// thumbnail and the scan's JPK tags (grid size and origin, scan rate, feedback), and whose further
/// directories each hold one channel as a 16- or 32-bit grayscale page with its own JPK tags:
/// <code>
/// 0x8050 Channel, 0x8052 ChannelFancyName   name (the fancy one wins)
/// 0x8051 Channel_retrace                    non-zero for the retrace line
/// 0x8080 NrOfSlots, 0x8081 DefaultSlot      calibration slots; the default slot's scaling gives physical values
/// 0x8090 + 0x30·n Slot_Name, 0x80A2 + 0x30·n Encoder_Unit, 0x80A3 + 0x30·n Scaling_Type,
/// 0x80A4 + 0x30·n Scaling_Multiply, 0x80A5 + 0x30·n Scaling_Offset     value = raw × multiply + offset
/// </code>
/// The tag numbers and their meaning are those of JPK's own loader in Gwyddion (modules/file/jpk.h, jpkscan.c),
/// and so is the orientation: the first stored row is the bottom of the image unless the page sets Grid_Reflect.
/// </summary>
public static class JpkReader
{
    // JPK's TIFF tags (public so that tools and tests can write files the reader understands).
    public const ushort GridX0 = 0x8040;
    public const ushort GridY0 = 0x8041;
    public const ushort GridULength = 0x8042;
    public const ushort GridVLength = 0x8043;
    public const ushort GridReflect = 0x8045;
    public const ushort ScanrateFrequency = 0x8049;
    public const ushort ScanrateDutycycle = 0x804A;
    public const ushort ChannelTag = 0x8050;
    public const ushort ChannelRetrace = 0x8051;
    public const ushort ChannelFancyName = 0x8052;
    public const ushort NrOfSlots = 0x8080;
    public const ushort DefaultSlot = 0x8081;

    public static ushort SlotName(int n) => (ushort)(0x8090 + (n * 0x30));

    public static ushort EncoderUnit(int n) => (ushort)(0x80A2 + (n * 0x30));

    public static ushort ScalingType(int n) => (ushort)(0x80A3 + (n * 0x30));

    public static ushort ScalingMultiply(int n) => (ushort)(0x80A4 + (n * 0x30));

    public static ushort ScalingOffset(int n) => (ushort)(0x80A5 + (n * 0x30));

    /// <summary>Slots whose tags still fit in 16 bits: 0x8090 + 0x30·n + 0x18 ≤ 0xFFFF.</summary>
    private const int MaxSlots = 1300;

    private const ushort ImageWidth = 256;
    private const ushort ImageLength = 257;
    private const ushort BitsPerSample = 258;
    private const ushort Compression = 259;
    private const ushort Photometric = 262;
    private const ushort StripOffsets = 273;
    private const ushort SamplesPerPixel = 277;
    private const ushort RowsPerStrip = 278;
    private const ushort StripByteCounts = 279;
    private const ushort TileWidth = 322;
    private const ushort SampleFormat = 339;

    private static readonly (ushort Tag, string Key)[] TextMetadata =
    [
        (0x8004, "Name"), (0x8005, "Comment"), (0x8007, "Sample"), (0x8009, "AccountName"), (0x8003, "StartDate"),
        (0x8006, "EndDate"), (0x8030, "Feedback.Mode"), (0x8002, "SavedByProgram"), (0x8001, "ProgramVersion"),
    ];

    private static readonly (ushort Tag, string Key)[] NumberMetadata =
    [
        (GridX0, "Grid.x0"), (GridY0, "Grid.y0"), (GridULength, "Grid.uLength"), (GridVLength, "Grid.vLength"), (0x8044, "Grid.Theta"),
        (ScanrateFrequency, "Scanrate.Frequency"), (ScanrateDutycycle, "Scanrate.Dutycycle"), (0x8031, "Feedback.pGain"),
        (0x8032, "Feedback.iGain"), (0x8033, "Feedback.Setpoint"),
    ];

    public static IReadOnlyList<Frame> ReadFrames(string path) => FileBytes.Parse(path, (bytes, name) => Parse(bytes, name, buffers: null));

    public static IReadOnlyList<Frame> ReadFrames(Stream stream, string fileName = "<stream>") => FileBytes.Parse(stream, fileName, (bytes, name) => Parse(bytes, name, buffers: null));

    internal static IReadOnlyList<Frame> Parse(ReadOnlyMemory<byte> bytes, string fileName, ChannelBufferPool? buffers) =>
        ParseGuard.Run(fileName, () => ParseUnguarded(bytes, fileName, buffers));

    private static List<Frame> ParseUnguarded(ReadOnlyMemory<byte> bytes, string fileName, ChannelBufferPool? buffers)
    {
        var directories = TiffDirectory.ReadAll(bytes, fileName);
        if (directories.Count == 0)
        {
            throw new AfmFormatException(fileName, "IFD 0", "the TIFF file has no image directory.");
        }

        var global = directories[0];
        var uLength = Math.Abs(global.GetNumber(GridULength) ?? throw new AfmFormatException(fileName, "Grid_uLength (0x8042)",
            "the first directory has no JPK grid size, so this TIFF is not a JPK scan."));
        var vLength = Math.Abs(global.GetNumber(GridVLength) ?? throw new AfmFormatException(fileName, "Grid_vLength (0x8043)", "the grid has no height."));
        ImportedFrames.RequirePositiveFinite(uLength, fileName, "Grid_uLength (0x8042)");
        ImportedFrames.RequirePositiveFinite(vLength, fileName, "Grid_vLength (0x8043)");
        var x0 = global.GetNumber(GridX0) ?? 0;
        var y0 = global.GetNumber(GridY0) ?? 0;
        ImportedFrames.RequireFinite(x0, fileName, "Grid_x0 (0x8040)");
        ImportedFrames.RequireFinite(y0, fileName, "Grid_y0 (0x8041)");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (tag, key) in TextMetadata)
        {
            if (global.GetString(tag) is { Length: > 0 } text)
            {
                metadata["jpk." + key] = text;
            }
        }

        foreach (var (tag, key) in NumberMetadata)
        {
            if (global.GetNumber(tag) is { } number)
            {
                metadata["jpk." + key] = number.ToString("R", CultureInfo.InvariantCulture);
            }
        }

        // Gwyddion reports the scan rate as frequency / duty cycle; keep the same reading.
        var lineRate = global.GetNumber(ScanrateFrequency) is { } frequency && global.GetNumber(ScanrateDutycycle) is { } duty && duty > 0
            ? frequency / duty
            : double.NaN;
        if (double.IsFinite(lineRate) && lineRate > 0)
        {
            metadata["scan.lineRateHz"] = lineRate.ToString("R", CultureInfo.InvariantCulture);
        }

        metadata["format"] = "JPK image scan (TIFF)";
        metadata["source"] = fileName;
        var acquired = DateTimeOffset.TryParse(global.GetString(0x8003), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start)
            ? start
            : DateTimeOffset.UnixEpoch;

        var pages = new List<(int Width, int Height, ChannelDescriptor Descriptor, float[] Data)>();
        foreach (var page in directories)
        {
            // Like Gwyddion: only 16- and 32-bit grayscale pages are channels (the first page is an RGB thumbnail).
            if (page.GetInteger(Photometric) != 1 || page.GetInteger(BitsPerSample) is not (16 or 32))
            {
                continue;
            }

            pages.Add(ReadChannel(bytes, page, buffers));
        }

        if (pages.Count == 0)
        {
            throw new AfmFormatException(fileName, "pages", "no 16- or 32-bit grayscale page holds a channel.");
        }

        var frames = new List<Frame>();
        foreach (var grid in pages.GroupBy(p => (p.Width, p.Height)))
        {
            var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var channels = grid.Select(p => new Channel(ImportedFrames.Unique(p.Descriptor, taken), p.Width, p.Height, p.Data)).ToList();
            var scan = ImportedFrames.Scan(grid.Key.Width, grid.Key.Height, uLength, vLength, x0, y0, lineRate);
            frames.Add(new Frame(new FrameId(acquired, frames.Count), scan, channels, metadata));
        }

        return frames;
    }

    private static (int, int, ChannelDescriptor, float[]) ReadChannel(ReadOnlyMemory<byte> bytes, TiffDirectory page, ChannelBufferPool? buffers)
    {
        var fileName = page.FileName;
        var where = string.Create(CultureInfo.InvariantCulture, $"page {page.Index}");
        var name = page.GetString(ChannelFancyName) is { Length: > 0 } fancy ? fancy : page.GetString(ChannelTag);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new AfmFormatException(fileName, where + " Channel (0x8050)", "the grayscale page has no channel name.");
        }

        var retrace = (page.GetNumber(ChannelRetrace) ?? 0) != 0;
        var (multiply, offset, unit) = Scaling(page, where);

        var width = page.GetInteger(ImageWidth) ?? throw new AfmFormatException(fileName, where + " ImageWidth", "missing.");
        var height = page.GetInteger(ImageLength) ?? throw new AfmFormatException(fileName, where + " ImageLength", "missing.");
        ImportedFrames.RequirePixels(width, fileName, where + " ImageWidth");
        ImportedFrames.RequirePixels(height, fileName, where + " ImageLength");
        if ((page.GetInteger(Compression) ?? 1) != 1)
        {
            throw new AfmFormatException(fileName, where + " Compression", $"{page.GetInteger(Compression)} is not 1 (uncompressed), the only kind JPK writes.");
        }

        if ((page.GetInteger(SamplesPerPixel) ?? 1) != 1)
        {
            throw new AfmFormatException(fileName, where + " SamplesPerPixel", $"{page.GetInteger(SamplesPerPixel)} is not 1.");
        }

        if (page.Has(TileWidth))
        {
            throw new AfmFormatException(fileName, where + " TileWidth", "tiled pages are not supported; JPK writes strips.");
        }

        var bits = (int)page.GetInteger(BitsPerSample)!.Value;
        var format = page.GetInteger(SampleFormat) ?? 1;
        if (format is not (1 or 2 or 3) || (format == 3 && bits != 32))
        {
            throw new AfmFormatException(fileName, where + " SampleFormat", $"{format} with {bits} bits is not an integer or a 32-bit float.");
        }

        var w = (int)width;
        var h = (int)height;
        var sampleBytes = bits / 8;
        var rowBytes = (long)w * sampleBytes;
        if (rowBytes * h > bytes.Length)
        {
            throw new AfmFormatException(fileName, where + " ImageWidth", $"{w} × {h} samples of {bits} bits do not fit in the {bytes.Length}-byte file.");
        }

        var rowsPerStrip = Math.Min(page.GetInteger(RowsPerStrip) ?? h, h);
        if (rowsPerStrip < 1)
        {
            throw new AfmFormatException(fileName, where + " RowsPerStrip", $"{rowsPerStrip} is not positive.");
        }

        var strips = (int)((h + rowsPerStrip - 1) / rowsPerStrip);
        var stripOffsets = page.GetIntegers(StripOffsets, strips);
        var stripCounts = page.GetIntegers(StripByteCounts, strips);
        if (stripOffsets.Length != strips || stripCounts.Length != strips)
        {
            throw new AfmFormatException(fileName, where + " StripOffsets",
                $"{stripOffsets.Length} strip offsets and {stripCounts.Length} byte counts for {strips} strips of {rowsPerStrip} rows.");
        }

        for (var s = 0; s < strips; s++)
        {
            var rows = Math.Min(rowsPerStrip, h - (s * rowsPerStrip));
            if (stripOffsets[s] < 0 || stripCounts[s] < rows * rowBytes || stripOffsets[s] + (rows * rowBytes) > bytes.Length)
            {
                throw new AfmFormatException(fileName, where + $" strip {s}",
                    $"{rows} rows of {rowBytes} bytes at offset {stripOffsets[s]} (byte count {stripCounts[s]}) do not lie within the {bytes.Length}-byte file.");
            }
        }

        var reflect = (page.GetNumber(GridReflect) ?? 0) != 0;
        var data = ChannelBufferPool.Allocate(buffers, w * h);
        for (var row = 0; row < h; row++)
        {
            var strip = (int)(row / rowsPerStrip);
            var start = stripOffsets[strip] + ((row % rowsPerStrip) * rowBytes);
            var source = bytes.Span.Slice((int)start, (int)rowBytes);
            var target = data.AsSpan((reflect ? row : h - 1 - row) * w, w);
            DecodeRow(source, target, bits, format, page.BigEndian, multiply, offset);
        }

        return (w, h, new ChannelDescriptor(name.Trim(), unit, retrace ? ScanDirection.Retrace : ScanDirection.Trace), data);
    }

    /// <summary>The default slot's linear scaling and unit; a unit prefix ("nm") is folded into the scale.</summary>
    private static (double Multiply, double Offset, PhysicalUnit Unit) Scaling(TiffDirectory page, string where)
    {
        var fileName = page.FileName;
        var slots = page.GetInteger(NrOfSlots) ?? 0;
        if (slots is < 1 or > MaxSlots)
        {
            throw new AfmFormatException(fileName, where + " NrOfSlots (0x8080)", $"{slots} is not between 1 and {MaxSlots}.");
        }

        var defaultSlot = page.GetString(DefaultSlot)
            ?? throw new AfmFormatException(fileName, where + " DefaultSlot (0x8081)", "the page names no default calibration slot.");
        for (var n = 0; n < slots; n++)
        {
            if (page.GetString(SlotName(n)) != defaultSlot)
            {
                continue;
            }

            var type = page.GetString(ScalingType(n));
            double multiply = 1, offset = 0;
            if (type == "LinearScaling")
            {
                multiply = page.GetNumber(ScalingMultiply(n)) ?? throw new AfmFormatException(fileName, where + $" Scaling_Multiply({n})", "missing.");
                offset = page.GetNumber(ScalingOffset(n)) ?? 0;
            }
            else if (type is not ("NullScaling" or null))
            {
                throw new AfmFormatException(fileName, where + $" Scaling_Type({n})", $"\"{type}\" is neither LinearScaling nor NullScaling.");
            }

            ImportedFrames.RequireFinite(multiply, fileName, where + $" Scaling_Multiply({n})");
            ImportedFrames.RequireFinite(offset, fileName, where + $" Scaling_Offset({n})");
            var unit = Units.Parse(page.GetString(EncoderUnit(n)), out var power10);
            var prefix = Math.Pow(10, power10);
            return (multiply * prefix, offset * prefix, unit);
        }

        throw new AfmFormatException(fileName, where + " DefaultSlot (0x8081)", $"no slot among {slots} is named \"{defaultSlot}\".");
    }

    // Straight to optimized code: a file is often opened once, and a tier-0 loop over every sample costs more than the disk.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeRow(ReadOnlySpan<byte> source, Span<float> target, int bits, long format, bool bigEndian, double multiply, double offset)
    {
        for (var x = 0; x < target.Length; x++)
        {
            double raw = (bits, format) switch
            {
                (16, 2) => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(source[(x * 2)..]) : BinaryPrimitives.ReadInt16LittleEndian(source[(x * 2)..]),
                (16, _) => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(source[(x * 2)..]) : BinaryPrimitives.ReadUInt16LittleEndian(source[(x * 2)..]),
                (32, 3) => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(source[(x * 4)..]) : BinaryPrimitives.ReadSingleLittleEndian(source[(x * 4)..]),
                (32, 2) => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(source[(x * 4)..]) : BinaryPrimitives.ReadInt32LittleEndian(source[(x * 4)..]),
                _ => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(source[(x * 4)..]) : BinaryPrimitives.ReadUInt32LittleEndian(source[(x * 4)..]),
            };
            target[x] = (float)((raw * multiply) + offset);
        }
    }
}
