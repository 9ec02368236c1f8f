using AfmEdge.Core;
using AfmEdge.Formats.Asd;
using AfmEdge.Formats.Gsf;
using AfmEdge.Formats.Gwy;
using AfmEdge.Formats.Igor;
using AfmEdge.Formats.Jpk;
using AfmEdge.Formats.Nanonis;
using AfmEdge.Formats.Nanoscope;

namespace AfmEdge.Formats;

/// <summary>The file formats <see cref="FrameImporter"/> reads.</summary>
public enum AfmFileFormat
{
    Unknown,
    GwyddionSimpleField,
    Gwyddion,
    Nanoscope,
    IgorBinaryWave,
    NanonisSxm,
    JpkScan,
    RibmAsd,
}

/// <summary>
/// Opens any supported AFM file as Core frames, choosing the parser by the file's magic bytes first
/// and its extension second (Igor waves and RIBM .asd movies have only a version word, so the extension confirms them).
/// </summary>
public static class FrameImporter
{
    /// <summary>The first frame of the file: every channel that shares the first channel's grid.</summary>
    public static Frame Open(string path) => OpenAll(path)[0];

    /// <summary>Every frame of the file; formats that allow channels of different grids yield one frame per grid.</summary>
    public static IReadOnlyList<Frame> OpenAll(string path) => OpenAll(path, buffers: null);

    /// <summary>
    /// Every frame of the file, its channels' samples written into arrays from <paramref name="buffers"/> (see
    /// <see cref="ChannelBufferPool"/>): for a caller that opens file after file and returns each frame when done.
    /// </summary>
    public static IReadOnlyList<Frame> OpenAll(string path, ChannelBufferPool? buffers)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var bytes = FileBytes.Read(path);
        var fileTime = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
        return Parse(bytes.Memory, Path.GetFileName(path), fileTime, buffers);
    }

    public static IReadOnlyList<Frame> OpenAll(Stream stream, string fileName) => OpenAll(stream, fileName, buffers: null);

    /// <summary>Every frame in the rest of <paramref name="stream"/>, its channels in arrays from <paramref name="buffers"/>.</summary>
    public static IReadOnlyList<Frame> OpenAll(Stream stream, string fileName, ChannelBufferPool? buffers)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        using var bytes = FileBytes.Read(stream, fileName);
        return Parse(bytes.Memory, fileName, DateTimeOffset.UnixEpoch, buffers);
    }

    /// <summary>Which parser would read a file that starts with <paramref name="head"/> and is named <paramref name="fileName"/>.</summary>
    public static AfmFileFormat Detect(ReadOnlySpan<byte> head, string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (GsfReader.HasMagic(head))
        {
            return AfmFileFormat.GwyddionSimpleField;
        }

        if (GwyDeserializer.HasMagic(head))
        {
            return AfmFileFormat.Gwyddion;
        }

        if (NanoscopeReader.HasMagic(head))
        {
            return AfmFileFormat.Nanoscope;
        }

        if (NanonisSxmReader.HasMagic(head))
        {
            return AfmFileFormat.NanonisSxm;
        }

        if (TiffDirectory.HasMagic(head))
        {
            return AfmFileFormat.JpkScan;
        }

        return Path.GetExtension(fileName).ToUpperInvariant() switch
        {
            ".IBW" => AfmFileFormat.IgorBinaryWave,
            ".GSF" => AfmFileFormat.GwyddionSimpleField,
            ".GWY" => AfmFileFormat.Gwyddion,
            ".SXM" => AfmFileFormat.NanonisSxm,
            ".SPM" => AfmFileFormat.Nanoscope,
            ".JPK" or ".JPK-QI-IMAGE" => AfmFileFormat.JpkScan,
            ".ASD" => AfmFileFormat.RibmAsd,
            var ext when ext.Length == 4 && ext[0] == '.' && char.IsAsciiDigit(ext[1]) && char.IsAsciiDigit(ext[2]) && char.IsAsciiDigit(ext[3])
                => AfmFileFormat.Nanoscope,
            _ => AfmFileFormat.Unknown,
        };
    }

    // The parsers copy what they keep out of the bytes, which go back to the pool when the caller disposes them.
    private static IReadOnlyList<Frame> Parse(ReadOnlyMemory<byte> bytes, string fileName, DateTimeOffset fileTime, ChannelBufferPool? buffers) =>
        Detect(bytes.Span, fileName) switch
        {
            AfmFileFormat.GwyddionSimpleField => [GsfReader.Parse(bytes, fileName, fileTime, buffers)],
            AfmFileFormat.Gwyddion => ParseGuard.Run(fileName, () => GwyReader.Parse(bytes, fileName, fileTime, singleData: true, buffers).ToFrames()),
            AfmFileFormat.Nanoscope => NanoscopeReader.Parse(bytes, fileName, buffers),
            AfmFileFormat.IgorBinaryWave => [IgorReader.Parse(bytes, fileName, buffers)],
            AfmFileFormat.NanonisSxm => [NanonisSxmReader.Parse(bytes, fileName, buffers)],
            AfmFileFormat.JpkScan => JpkReader.Parse(bytes, fileName, buffers),
            AfmFileFormat.RibmAsd => AsdReader.Parse(bytes, fileName, buffers),
            _ => throw new AfmFormatException(fileName, "file format",
                "neither the first bytes nor the extension match a supported format (.gsf, .gwy, .spm/.000–.999, .ibw, .sxm, .jpk, .asd)."),
        };
}
