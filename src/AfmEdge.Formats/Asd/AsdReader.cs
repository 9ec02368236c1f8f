using System.Globalization;
using System.Text;
using AfmEdge.Core;

namespace AfmEdge.Formats.Asd;

/// <summary>
/// Reads RIBM / Kanazawa high-speed AFM movies (.asd), file versions 1 and 2, little-endian:
/// <code>
/// int32 version (1 | 2)
/// int32 headerLength, frameHeaderLength, textEncoding, userNameSize, commentSize
/// 4 × char channel 1, 4 × char channel 2      "TP" topography, "ER" error, "PH" phase, NUL-padded
/// int32 initialFrames, frames, scanDirection, fileId, xPixels, yPixels, xNm, yNm
/// uint8 averaged; int32 averagingWindow; int32 year, month, day, hour, minute, second
/// int32 xRounding, yRounding; float32 frameTimeMs, scannerSensitivity (nm/V), phaseSensitivity (deg/V)
/// int32 offset; 12 reserved bytes; int32 afmId; uint32 adRange code; int32 adBits
/// float32 maxXRange, maxYRange, xPiezoExtension, yPiezoExtension, zPiezoExtension (nm/V), zPiezoGain
/// userName, comment                            (sizes above)
/// version 2 only: int32 frames again, int32 + float64 feed-forward, int32 max/min colour,
///                 int32 red/green/blue anchor counts, then 2 × int32 per anchor
/// channel 1's frames, then channel 2's: frameHeaderLength bytes (int32 number, int16 max, min,
///                 xOffset, yOffset, float32 xTilt, yTilt, ...), then xPixels × yPixels int16, row 0 first
/// </code>
/// Levels become volts by the A/D range (unipolar 0…V: −level·V/2^bits; bipolar ±V: V − 2·level·V/2^bits), then
/// physical values by the channel's factor: topography × zPiezoGain·zPiezoExtension (nm), error × −scannerSensitivity
/// (nm), phase × −phaseSensitivity (deg). This is the layout and conversion that AFMReader (TopoStats) decodes.
/// Each movie frame becomes one Core frame holding both channels, timed frameTimeMs apart.
/// </summary>
public static class AsdReader
{
    /// <summary>Frames of one movie this reader accepts; the data length bounds it anyway.</summary>
    public const int MaxFrames = 1_000_000;

    private const int MaxFrameHeaderLength = 1 << 20;

    public static IReadOnlyList<Frame> ReadFrames(string path) => FileBytes.Parse(path, (bytes, name) => Parse(bytes, name, buffers: null));

    public static IReadOnlyList<Frame> ReadFrames(Stream stream, string fileName = "<stream>") => FileBytes.Parse(stream, fileName, (bytes, name) => Parse(bytes, name, buffers: null));

    internal static IReadOnlyList<Frame> Parse(ReadOnlyMemory<byte> bytes, string fileName, ChannelBufferPool? buffers) =>
        ParseGuard.Run(fileName, () => ParseUnguarded(bytes, fileName, buffers));

    private static List<Frame> ParseUnguarded(ReadOnlyMemory<byte> bytes, string fileName, ChannelBufferPool? buffers)
    {
        var cursor = new ByteCursor(bytes, fileName);
        var version = cursor.ReadInt32("file version");
        if (version is not (1 or 2))
        {
            throw cursor.Error("file version", $"{version} is not 1 or 2, the .asd versions this reader knows.");
        }

        var headerLength = cursor.ReadInt32("header length");
        var frameHeaderLength = cursor.ReadInt32("frame header length");
        cursor.ReadInt32("text encoding");
        var userNameSize = cursor.ReadInt32("user name size");
        var commentSize = cursor.ReadInt32("comment size");
        var channel1 = ChannelCode(cursor, "channel 1");
        var channel2 = ChannelCode(cursor, "channel 2");
        cursor.ReadInt32("initial frames");
        var frameCount = cursor.ReadInt32("number of frames");
        var scanDirection = cursor.ReadInt32("scan direction");
        cursor.ReadInt32("file id");
        var xPixels = cursor.ReadInt32("x pixels");
        var yPixels = cursor.ReadInt32("y pixels");
        var xNm = cursor.ReadInt32("x scan size (nm)");
        var yNm = cursor.ReadInt32("y scan size (nm)");
        cursor.ReadByte("averaged");
        cursor.ReadInt32("averaging window");
        var date = new int[6];
        for (var i = 0; i < date.Length; i++)
        {
            date[i] = cursor.ReadInt32("date");
        }

        cursor.ReadInt32("x rounding");
        cursor.ReadInt32("y rounding");
        var frameTimeMs = cursor.ReadSingle("frame time");
        var scannerSensitivity = cursor.ReadSingle("scanner sensitivity");
        var phaseSensitivity = cursor.ReadSingle("phase sensitivity");
        cursor.ReadInt32("offset");
        cursor.Take(12, "reserved");
        cursor.ReadInt32("AFM id");
        var adRange = cursor.ReadUInt32("A/D range");
        var adBits = cursor.ReadInt32("A/D bits");
        cursor.ReadSingle("max x range");
        cursor.ReadSingle("max y range");
        cursor.ReadSingle("x piezo extension");
        cursor.ReadSingle("y piezo extension");
        var zPiezoExtension = cursor.ReadSingle("z piezo extension");
        var zPiezoGain = cursor.ReadSingle("z piezo gain");
        var userName = ReadText(cursor, userNameSize, "user name");
        var comment = ReadText(cursor, commentSize, "comment");
        if (version == 2)
        {
            cursor.ReadInt32("number of frames (version 2)");
            cursor.ReadInt32("feed-forward flag");
            cursor.ReadDouble("feed-forward value");
            cursor.ReadInt32("max colour");
            cursor.ReadInt32("min colour");
            var anchors = 0L;
            for (var i = 0; i < 3; i++)
            {
                var n = cursor.ReadInt32("colour anchor count");
                if (n < 0)
                {
                    throw cursor.Error("colour anchor count", $"{n} is negative.");
                }

                anchors += n;
            }

            cursor.Need(anchors * 8, "colour anchors");
            cursor.Position += (int)(anchors * 8);
        }

        ImportedFrames.RequirePixels(xPixels, fileName, "x pixels");
        ImportedFrames.RequirePixels(yPixels, fileName, "y pixels");
        ImportedFrames.RequirePositiveFinite(xNm, fileName, "x scan size (nm)");
        ImportedFrames.RequirePositiveFinite(yNm, fileName, "y scan size (nm)");
        if (frameHeaderLength is < 0 or > MaxFrameHeaderLength)
        {
            throw cursor.Error("frame header length", $"{frameHeaderLength} is not between 0 and {MaxFrameHeaderLength} bytes.");
        }

        if (frameCount is < 1 or > MaxFrames)
        {
            throw cursor.Error("number of frames", $"{frameCount} is not between 1 and {MaxFrames}.");
        }

        var channels = channel2.Length == 0 ? new[] { channel1 } : new[] { channel1, channel2 };
        if (channel1.Length == 0)
        {
            throw cursor.Error("channel 1", "the file names no first channel.");
        }

        var frameBytes = frameHeaderLength + (2L * xPixels * yPixels);
        var needed = frameBytes * frameCount * channels.Length;
        cursor.Need(needed, $"{frameCount} frames × {channels.Length} channels of {xPixels} × {yPixels}");

        var (volts, offsetVolts) = Levels(adRange, adBits, fileName);
        var conversions = channels.Select(c => Conversion(c, zPiezoGain * zPiezoExtension, scannerSensitivity, phaseSensitivity)).ToArray();

        var acquired = Acquired(date);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "RIBM high-speed AFM movie (.asd)",
            ["source"] = fileName,
            ["asd.version"] = version.ToString(CultureInfo.InvariantCulture),
            ["asd.headerLength"] = headerLength.ToString(CultureInfo.InvariantCulture),
            ["asd.frames"] = frameCount.ToString(CultureInfo.InvariantCulture),
            ["asd.frameTimeMs"] = frameTimeMs.ToString("R", CultureInfo.InvariantCulture),
            ["asd.scanDirection"] = scanDirection.ToString(CultureInfo.InvariantCulture),
            ["asd.channels"] = string.Join(",", channels),
        };
        if (userName.Length > 0)
        {
            metadata["asd.userName"] = userName;
        }

        if (comment.Length > 0)
        {
            metadata["asd.comment"] = comment;
        }

        var lineRate = frameTimeMs > 0 && float.IsFinite(frameTimeMs) ? yPixels / (frameTimeMs * 1e-3) : double.NaN;
        var scan = ImportedFrames.Scan(xPixels, yPixels, xNm * 1e-9, yNm * 1e-9, lineRateHz: lineRate);
        var dataStart = cursor.Position;
        var frames = new List<Frame>(frameCount);
        for (var f = 0; f < frameCount; f++)
        {
            var frameChannels = new Channel[channels.Length];
            for (var c = 0; c < channels.Length; c++)
            {
                var at = dataStart + (((long)c * frameCount) + f) * frameBytes + frameHeaderLength;
                var source = bytes.Span.Slice((int)at, 2 * xPixels * yPixels);
                var (descriptor, factor) = conversions[c];
                var data = ChannelBufferPool.Allocate(buffers, xPixels * yPixels);
                for (var i = 0; i < data.Length; i++)
                {
                    var level = (short)(source[2 * i] | (source[(2 * i) + 1] << 8));
                    data[i] = (float)(((offsetVolts + (volts * level)) * factor));
                }

                frameChannels[c] = new Channel(descriptor, xPixels, yPixels, data);
            }

            var time = double.IsFinite(frameTimeMs) ? f * (double)frameTimeMs : 0;
            var frameMetadata = new Dictionary<string, string>(metadata, StringComparer.Ordinal)
            {
                ["asd.frameIndex"] = f.ToString(CultureInfo.InvariantCulture),
                ["asd.frameTimeS"] = (time * 1e-3).ToString("R", CultureInfo.InvariantCulture),
            };
            var stamp = acquired.AddMilliseconds(Math.Clamp(time, 0, 1e12));
            frames.Add(new Frame(new FrameId(stamp, f), scan, frameChannels, frameMetadata));
        }

        return frames;
    }

    /// <summary>Volts per level and the volts at level 0 for the A/D range code.</summary>
    private static (double VoltsPerLevel, double OffsetVolts) Levels(uint code, int bits, string fileName)
    {
        if (bits is < 1 or > 24)
        {
            throw new AfmFormatException(fileName, "A/D bits", $"{bits} is not between 1 and 24.");
        }

        var resolution = (double)(1 << bits);
        return code switch
        {
            0x00000001 => (-1.0 / resolution, 0),
            0x00000002 => (-2.5 / resolution, 0),
            0x00000003 => (-9.99 / resolution, 0),
            0x00000004 => (-5.0 / resolution, 0),
            0x00010000 => (-2 * 1.0 / resolution, 1.0),
            0x00020000 => (-2 * 2.5 / resolution, 2.5),
            0x00040000 => (-2 * 5.0 / resolution, 5.0),
            _ => throw new AfmFormatException(fileName, "A/D range", $"code 0x{code:X8} is none of the known unipolar or bipolar ranges."),
        };
    }

    private static (ChannelDescriptor Descriptor, double Factor) Conversion(string code, double topography, double scanner, double phase) => code switch
    {
        "TP" => (new ChannelDescriptor("Height", PhysicalUnit.Metre), topography * 1e-9),
        "ER" => (new ChannelDescriptor("Error", PhysicalUnit.Metre), -scanner * 1e-9),
        "PH" => (new ChannelDescriptor("Phase", PhysicalUnit.Degree), -phase),
        _ => (new ChannelDescriptor(code, PhysicalUnit.Volt), 1.0),
    };

    private static string ChannelCode(ByteCursor cursor, string field)
    {
        var bytes = cursor.Take(4, field);
        var nul = bytes.IndexOf((byte)0);
        var text = Encoding.Latin1.GetString(nul < 0 ? bytes : bytes[..nul]).Trim();
        return text.All(c => c is >= ' ' and <= '~') ? text : throw cursor.Error(field, $"code \"{text}\" is not printable ASCII.");
    }

    private static string ReadText(ByteCursor cursor, int size, string field)
    {
        if (size < 0)
        {
            throw cursor.Error(field + " size", $"{size} is negative.");
        }

        var span = cursor.Take(size, field);
        return TextDecoding.Decode(span).Replace("\0", string.Empty, StringComparison.Ordinal).Trim();
    }

    private static DateTimeOffset Acquired(int[] date)
    {
        try
        {
            return new DateTimeOffset(date[0], date[1], date[2], date[3], date[4], date[5], TimeSpan.Zero);
        }
        catch (ArgumentOutOfRangeException)
        {
            // A movie with an unset clock is still a movie; its frames keep their relative times.
            return DateTimeOffset.UnixEpoch;
        }
    }
}
