using System.Buffers.Binary;
using System.Text;

namespace AfmEdge.Formats.Jpk;

/// <summary>
/// The image file directories (IFDs) of a classic TIFF file, read lazily from the whole file's bytes:
/// <code>
/// header   "II*\0" | "MM\0*"   uint32 offset of the first IFD
/// IFD      uint16 n, n × entry, uint32 offset of the next IFD (0 ends the chain)
/// entry    uint16 tag, uint16 type, uint32 count, 4 bytes value or uint32 offset of the values
/// </code>
/// Every offset and count is checked against the file's length before use.
/// </summary>
internal sealed class TiffDirectory
{
    /// <summary>Far more pages than any scan has channels; stops a loop of IFD offsets.</summary>
    public const int MaxDirectories = 4096;

    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly Dictionary<ushort, (ushort Type, uint Count, int ValueOffset)> _entries;

    private TiffDirectory(ReadOnlyMemory<byte> bytes, string fileName, bool bigEndian, int index, Dictionary<ushort, (ushort, uint, int)> entries)
    {
        _bytes = bytes;
        FileName = fileName;
        BigEndian = bigEndian;
        Index = index;
        _entries = entries;
    }

    public string FileName { get; }

    public bool BigEndian { get; }

    public int Index { get; }

    public static bool HasMagic(ReadOnlySpan<byte> head) => head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8);

    public static List<TiffDirectory> ReadAll(ReadOnlyMemory<byte> bytes, string fileName)
    {
        if (bytes.Length < 8 || !HasMagic(bytes.Span))
        {
            throw new AfmFormatException(fileName, "TIFF header", "the file does not start with II*\\0 or MM\\0*.");
        }

        var bigEndian = bytes.Span[0] == (byte)'M';
        var directories = new List<TiffDirectory>();
        var visited = new HashSet<uint>();
        var offset = ReadUInt32(bytes, 4, bigEndian);
        while (offset != 0)
        {
            if (directories.Count == MaxDirectories || !visited.Add(offset))
            {
                throw new AfmFormatException(fileName, $"IFD {directories.Count}", "the chain of image directories loops or is longer than 4096.");
            }

            if (offset > (uint)bytes.Length - 2 || offset < 8)
            {
                throw new AfmFormatException(fileName, $"IFD {directories.Count}", $"offset {offset} does not lie within the {bytes.Length}-byte file.");
            }

            var count = ReadUInt16(bytes, (int)offset, bigEndian);
            var end = (long)offset + 2 + (12L * count) + 4;
            if (end > bytes.Length)
            {
                throw new AfmFormatException(fileName, $"IFD {directories.Count}", $"{count} entries at offset {offset} run past the end of the file.");
            }

            var entries = new Dictionary<ushort, (ushort, uint, int)>(count);
            for (var i = 0; i < count; i++)
            {
                var at = (int)offset + 2 + (12 * i);
                var tag = ReadUInt16(bytes, at, bigEndian);
                var type = ReadUInt16(bytes, at + 2, bigEndian);
                var n = ReadUInt32(bytes, at + 4, bigEndian);
                var size = TypeSize(type);
                if (size == 0)
                {
                    continue; // Unknown types are skipped, as TIFF readers must.
                }

                var total = (long)size * n;
                var valueOffset = total <= 4 ? at + 8 : (long)ReadUInt32(bytes, at + 8, bigEndian);
                if (valueOffset + total > bytes.Length)
                {
                    throw new AfmFormatException(fileName, $"IFD {directories.Count} tag 0x{tag:X4}",
                        $"{n} values of type {type} at offset {valueOffset} run past the end of the {bytes.Length}-byte file.");
                }

                entries[tag] = (type, n, (int)valueOffset);
            }

            directories.Add(new TiffDirectory(bytes, fileName, bigEndian, directories.Count, entries));
            offset = ReadUInt32(bytes, (int)(end - 4), bigEndian);
        }

        return directories;
    }

    public bool Has(ushort tag) => _entries.ContainsKey(tag);

    /// <summary>An ASCII value, up to its first NUL; Latin-1 so that any byte maps to a character.</summary>
    public string? GetString(ushort tag)
    {
        if (!_entries.TryGetValue(tag, out var e) || e.Type is not (2 or 1 or 7))
        {
            return null;
        }

        var span = _bytes.Span.Slice(e.ValueOffset, (int)e.Count);
        var nul = span.IndexOf((byte)0);
        return Encoding.Latin1.GetString(nul < 0 ? span : span[..nul]);
    }

    /// <summary>The first value of an integer or floating-point entry as a double.</summary>
    public double? GetNumber(ushort tag) => _entries.TryGetValue(tag, out var e) && e.Count > 0 ? ReadNumber(e.Type, e.ValueOffset) : null;

    public long? GetInteger(ushort tag) => GetNumber(tag) is { } v && v == Math.Floor(v) && Math.Abs(v) < long.MaxValue ? (long)v : null;

    /// <summary>Every value of an integer entry (strip offsets and byte counts).</summary>
    public long[] GetIntegers(ushort tag, int maxCount)
    {
        if (!_entries.TryGetValue(tag, out var e))
        {
            return [];
        }

        if (e.Count > (uint)maxCount)
        {
            throw new AfmFormatException(FileName, $"IFD {Index} tag {tag}", $"{e.Count} values where at most {maxCount} make sense.");
        }

        var values = new long[e.Count];
        var size = TypeSize(e.Type);
        for (var i = 0; i < values.Length; i++)
        {
            var v = ReadNumber(e.Type, e.ValueOffset + (i * size));
            if (v is not { } number || number != Math.Floor(number))
            {
                throw new AfmFormatException(FileName, $"IFD {Index} tag {tag}", $"value {i} is not an integer.");
            }

            values[i] = (long)number;
        }

        return values;
    }

    private double? ReadNumber(ushort type, int at) => type switch
    {
        1 or 7 => _bytes.Span[at],
        6 => (sbyte)_bytes.Span[at],
        3 => ReadUInt16(_bytes, at, BigEndian),
        8 => (short)ReadUInt16(_bytes, at, BigEndian),
        4 => ReadUInt32(_bytes, at, BigEndian),
        9 => (int)ReadUInt32(_bytes, at, BigEndian),
        5 => Ratio(ReadUInt32(_bytes, at, BigEndian), ReadUInt32(_bytes, at + 4, BigEndian)),
        10 => Ratio((int)ReadUInt32(_bytes, at, BigEndian), (int)ReadUInt32(_bytes, at + 4, BigEndian)),
        11 => BigEndian ? BinaryPrimitives.ReadSingleBigEndian(_bytes.Span[at..]) : BinaryPrimitives.ReadSingleLittleEndian(_bytes.Span[at..]),
        12 => BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(_bytes.Span[at..]) : BinaryPrimitives.ReadDoubleLittleEndian(_bytes.Span[at..]),
        _ => null,
    };

    private static double? Ratio(double numerator, double denominator) => denominator == 0 ? null : numerator / denominator;

    private static int TypeSize(ushort type) => type switch
    {
        1 or 2 or 6 or 7 => 1,
        3 or 8 => 2,
        4 or 9 or 11 => 4,
        5 or 10 or 12 => 8,
        _ => 0,
    };

    private static ushort ReadUInt16(ReadOnlyMemory<byte> bytes, int at, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes.Span[at..]) : BinaryPrimitives.ReadUInt16LittleEndian(bytes.Span[at..]);

    private static uint ReadUInt32(ReadOnlyMemory<byte> bytes, int at, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes.Span[at..]) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.Span[at..]);
}
