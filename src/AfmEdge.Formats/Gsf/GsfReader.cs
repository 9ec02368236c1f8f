using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using AfmEdge.Core;

namespace AfmEdge.Formats.Gsf;

/// <summary>
/// Reads Gwyddion Simple Field (.gsf) files into a one-channel <see cref="Frame"/>. Values and sizes are
/// converted to base SI units when the header gives a prefixed unit ("nm"); header fields other than the
/// standard ones go to <see cref="Frame.Metadata"/> as "gsf.&lt;name&gt;".
/// </summary>
public static class GsfReader
{
    public static Frame Read(string path) => Read(path, buffers: null);

    internal static Frame Read(string path, ChannelBufferPool? buffers)
    {
        using var bytes = FileBytes.Read(path);
        return Parse(bytes.Memory, Path.GetFileName(path), new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero), buffers);
    }

    public static Frame Read(Stream stream, string fileName = "<stream>")
    {
        using var bytes = FileBytes.Read(stream, fileName);
        return Parse(bytes.Memory, fileName, DateTimeOffset.UnixEpoch);
    }

    internal static bool HasMagic(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Encoding.ASCII.GetBytes(GsfWriter.Magic));

    internal static Frame Parse(ReadOnlyMemory<byte> bytes, string fileName, DateTimeOffset acquiredAt, ChannelBufferPool? buffers = null) =>
        ParseGuard.Run(fileName, () => ParseUnguarded(bytes.Span, fileName, acquiredAt, buffers));

    private static Frame ParseUnguarded(ReadOnlySpan<byte> bytes, string fileName, DateTimeOffset acquiredAt, ChannelBufferPool? buffers)
    {
        if (!HasMagic(bytes))
        {
            throw new AfmFormatException(fileName, "magic line", "the file does not start with \"Gwyddion Simple Field 1.0\".");
        }

        var headerEnd = bytes.IndexOf((byte)0);
        if (headerEnd < 0)
        {
            throw new AfmFormatException(fileName, "header", "no NUL byte ends the text header.");
        }

        var fields = ParseHeader(TextDecoding.Decode(bytes[GsfWriter.Magic.Length..headerEnd]), fileName);
        var dataStart = headerEnd + (4 - (headerEnd % 4));
        if (dataStart > bytes.Length)
        {
            throw new AfmFormatException(fileName, "header padding", $"the NUL padding runs to offset {dataStart}, past the end of the {bytes.Length}-byte file.");
        }

        for (var i = headerEnd; i < dataStart; i++)
        {
            if (bytes[i] != 0)
            {
                throw new AfmFormatException(fileName, "header padding", $"byte {i} is 0x{bytes[i]:X2}, not the NUL padding that aligns the data to 4 bytes.");
            }
        }

        var xres = RequiredInt(fields, "XRes", fileName);
        var yres = RequiredInt(fields, "YRes", fileName);
        var expected = (long)xres * yres * 4;
        if (bytes.Length - dataStart != expected)
        {
            throw new AfmFormatException(fileName, "data length",
                $"XRes × YRes = {xres} × {yres} needs {expected} bytes of float32 data after offset {dataStart}, but the file has {bytes.Length - dataStart}.");
        }

        var xyUnit = Units.Parse(fields.GetValueOrDefault("XYUnits"), out var xyPower);
        var zUnit = Units.Parse(fields.GetValueOrDefault("ZUnits"), out var zPower);
        var xyScale = Math.Pow(10, xyPower);
        var xreal = OptionalDouble(fields, "XReal", 1.0, fileName) * xyScale;
        var yreal = OptionalDouble(fields, "YReal", 1.0, fileName) * xyScale;
        var xoff = OptionalDouble(fields, "XOffset", 0.0, fileName) * xyScale;
        var yoff = OptionalDouble(fields, "YOffset", 0.0, fileName) * xyScale;
        ImportedFrames.RequirePositiveFinite(xreal, fileName, "XReal");
        ImportedFrames.RequirePositiveFinite(yreal, fileName, "YReal");
        ImportedFrames.RequireFinite(xoff, fileName, "XOffset");
        ImportedFrames.RequireFinite(yoff, fileName, "YOffset");

        // Every sample is written below, so the channel's array need not be zeroed first.
        var data = ChannelBufferPool.Allocate(buffers, xres * yres);
        var source = bytes[dataStart..];
        var zScale = (float)Math.Pow(10, zPower);
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(data.AsSpan()));
        }
        else
        {
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * 4, 4));
            }
        }

        if (zPower != 0)
        {
            for (var i = 0; i < data.Length; i++)
            {
                data[i] *= zScale;
            }
        }

        var title = fields.GetValueOrDefault("Title") ?? "Data";
        var (name, direction) = ImportedFrames.SplitTitle(title);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "Gwyddion Simple Field",
            ["source"] = fileName,
            ["gsf.Title"] = title,
        };
        if (xyUnit != PhysicalUnit.Metre)
        {
            metadata["xyUnit"] = xyUnit.Symbol;
        }

        foreach (var (key, value) in fields)
        {
            if (key is not ("XRes" or "YRes" or "XReal" or "YReal" or "XOffset" or "YOffset" or "XYUnits" or "ZUnits" or "Title"))
            {
                metadata["gsf." + key] = value;
            }
        }

        var channel = new Channel(new ChannelDescriptor(name, zUnit, direction), xres, yres, data);
        return new Frame(new FrameId(acquiredAt, 0), ImportedFrames.Scan(xres, yres, xreal, yreal, xoff, yoff), [channel], metadata);
    }

    private static Dictionary<string, string> ParseHeader(string header, string fileName)
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
