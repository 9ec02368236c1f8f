using System.Buffers.Binary;
using System.Runtime.InteropServices;
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

    internal static bool HasMagic(ReadOnlySpan<byte> bytes) => GsfHeader.HasMagic(bytes);

    internal static Frame Parse(ReadOnlyMemory<byte> bytes, string fileName, DateTimeOffset acquiredAt, ChannelBufferPool? buffers = null) =>
        ParseGuard.Run(fileName, () => ParseUnguarded(bytes.Span, fileName, acquiredAt, buffers));

    private static Frame ParseUnguarded(ReadOnlySpan<byte> bytes, string fileName, DateTimeOffset acquiredAt, ChannelBufferPool? buffers)
    {
        var header = GsfHeader.Parse(bytes, bytes.Length, fileName);

        // Every sample is written below, so the channel's array need not be zeroed first.
        var data = ChannelBufferPool.Allocate(buffers, header.Width * header.Height);
        var source = bytes[header.DataOffset..];
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

        header.ToSi(data);
        var channel = new Channel(header.Descriptor, header.Width, header.Height, data);
        return new Frame(new FrameId(acquiredAt, 0), header.Scan, [channel], header.Metadata(fileName));
    }
}
