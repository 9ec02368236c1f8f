using System.Buffers.Binary;
using System.Text;

namespace AfmEdge.Formats;

/// <summary>
/// A bounds-checked reader over a file's bytes. Every read first checks that the bytes exist and throws
/// an <see cref="AfmFormatException"/> naming the field otherwise, so callers never index past the end.
/// </summary>
internal sealed class ByteCursor
{
    private readonly ReadOnlyMemory<byte> _bytes;

    public ByteCursor(ReadOnlyMemory<byte> bytes, string fileName, bool bigEndian = false, int start = 0, int end = -1)
    {
        _bytes = bytes;
        FileName = fileName;
        BigEndian = bigEndian;
        Position = start;
        End = end < 0 ? bytes.Length : end;
    }

    public string FileName { get; }
    public bool BigEndian { get; }
    public int Position { get; set; }
    public int End { get; }
    public int Remaining => End - Position;
    public ReadOnlyMemory<byte> Bytes => _bytes;

    public AfmFormatException Error(string field, string problem) => new(FileName, field, problem);

    /// <summary>Throws unless <paramref name="count"/> bytes remain; checked before any array sized by a header is created.</summary>
    public void Need(long count, string field)
    {
        if (count < 0 || count > Remaining)
        {
            throw Error(field, $"needs {count} bytes at offset {Position} but only {Remaining} remain in the file.");
        }
    }

    public ReadOnlySpan<byte> Take(int count, string field)
    {
        Need(count, field);
        var span = _bytes.Span.Slice(Position, count);
        Position += count;
        return span;
    }

    public byte ReadByte(string field) => Take(1, field)[0];

    public short ReadInt16(string field) =>
        BigEndian ? BinaryPrimitives.ReadInt16BigEndian(Take(2, field)) : BinaryPrimitives.ReadInt16LittleEndian(Take(2, field));

    public ushort ReadUInt16(string field) =>
        BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(Take(2, field)) : BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));

    public int ReadInt32(string field) =>
        BigEndian ? BinaryPrimitives.ReadInt32BigEndian(Take(4, field)) : BinaryPrimitives.ReadInt32LittleEndian(Take(4, field));

    public uint ReadUInt32(string field) =>
        BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(Take(4, field)) : BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));

    public long ReadInt64(string field) =>
        BigEndian ? BinaryPrimitives.ReadInt64BigEndian(Take(8, field)) : BinaryPrimitives.ReadInt64LittleEndian(Take(8, field));

    public float ReadSingle(string field) =>
        BigEndian ? BinaryPrimitives.ReadSingleBigEndian(Take(4, field)) : BinaryPrimitives.ReadSingleLittleEndian(Take(4, field));

    public double ReadDouble(string field) =>
        BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(Take(8, field)) : BinaryPrimitives.ReadDoubleLittleEndian(Take(8, field));

    /// <summary>A NUL-terminated string (UTF-8, falling back to Latin-1 for old files that wrote "µ" as one byte).</summary>
    public string ReadCString(string field)
    {
        var text = _bytes.Span[Position..End];
        var nul = text.IndexOf((byte)0);
        if (nul < 0)
        {
            throw Error(field, $"string starting at offset {Position} has no terminating NUL before the end of its block.");
        }

        var value = TextDecoding.Decode(text[..nul]);
        Position += nul + 1;
        return value;
    }
}

internal static class TextDecoding
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }
}
