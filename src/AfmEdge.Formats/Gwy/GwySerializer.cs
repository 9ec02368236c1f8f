using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace AfmEdge.Formats.Gwy;

/// <summary>
/// Writes the Gwyddion 2 serialization ("GWYP"). Each object is
/// <code>
/// type name, NUL | uint32 LE size of the components | components
/// component: name, NUL | type char | value   (uppercase type = uint32 count + items)
/// </code>
/// Strings are UTF-8 and NUL-terminated; numbers little-endian.
/// </summary>
public static class GwySerializer
{
    public static ReadOnlySpan<byte> Magic => "GWYP"u8;

    public static void WriteFile(Stream stream, GwyObject root)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(root);
        stream.Write(Magic);
        WriteObject(stream, root);
    }

    public static void WriteObject(Stream stream, GwyObject value)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(value);
        WriteCString(stream, value.TypeName);
        var size = ComponentsSize(value);
        if (size > uint.MaxValue)
        {
            throw new ArgumentException($"Object {value.TypeName} serializes to {size} bytes, more than the format's 4 GiB limit.", nameof(value));
        }

        WriteUInt32(stream, (uint)size);
        foreach (var component in value.Components)
        {
            WriteCString(stream, component.Name);
            WriteValue(stream, component);
        }
    }

    /// <summary>The size of an object as serialized, name and size field included.</summary>
    public static long ObjectSize(GwyObject value) => Utf8Length(value.TypeName) + 1 + 4 + ComponentsSize(value);

    private static long ComponentsSize(GwyObject value)
    {
        long size = 0;
        foreach (var component in value.Components)
        {
            size += Utf8Length(component.Name) + 1 + 1 + ValueSize(component);
        }

        return size;
    }

    private static long ValueSize(GwyComponent component) => component.Value switch
    {
        bool or byte => 1,
        int => 4,
        long or double => 8,
        string s => Utf8Length(s) + 1,
        GwyObject o => ObjectSize(o),
        byte[] a => 4 + a.LongLength,
        int[] a => 4 + (4L * a.Length),
        long[] a => 4 + (8L * a.Length),
        double[] a => 4 + (8L * a.Length),
        string[] a => 4 + a.Sum(s => Utf8Length(s) + 1),
        GwyObject[] a => 4 + a.Sum(ObjectSize),
        _ => throw Unsupported(component),
    };

    private static void WriteValue(Stream stream, GwyComponent component)
    {
        switch (component.Value)
        {
            case bool b:
                stream.WriteByte((byte)'b');
                stream.WriteByte(b ? (byte)1 : (byte)0);
                break;
            case byte c:
                stream.WriteByte((byte)'c');
                stream.WriteByte(c);
                break;
            case int i:
                stream.WriteByte((byte)'i');
                Span<byte> i4 = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(i4, i);
                stream.Write(i4);
                break;
            case long q:
                stream.WriteByte((byte)'q');
                Span<byte> q8 = stackalloc byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(q8, q);
                stream.Write(q8);
                break;
            case double d:
                stream.WriteByte((byte)'d');
                Span<byte> d8 = stackalloc byte[8];
                BinaryPrimitives.WriteDoubleLittleEndian(d8, d);
                stream.Write(d8);
                break;
            case string s:
                stream.WriteByte((byte)'s');
                WriteCString(stream, s);
                break;
            case GwyObject o:
                stream.WriteByte((byte)'o');
                WriteObject(stream, o);
                break;
            case byte[] a:
                stream.WriteByte((byte)'C');
                WriteUInt32(stream, (uint)a.Length);
                stream.Write(a);
                break;
            case int[] a:
                stream.WriteByte((byte)'I');
                WriteUInt32(stream, (uint)a.Length);
                WriteArray<int>(stream, a, static (span, v) => BinaryPrimitives.WriteInt32LittleEndian(span, v));
                break;
            case long[] a:
                stream.WriteByte((byte)'Q');
                WriteUInt32(stream, (uint)a.Length);
                WriteArray<long>(stream, a, static (span, v) => BinaryPrimitives.WriteInt64LittleEndian(span, v));
                break;
            case double[] a:
                stream.WriteByte((byte)'D');
                WriteUInt32(stream, (uint)a.Length);
                WriteArray<double>(stream, a, static (span, v) => BinaryPrimitives.WriteDoubleLittleEndian(span, v));
                break;
            case string[] a:
                stream.WriteByte((byte)'S');
                WriteUInt32(stream, (uint)a.Length);
                foreach (var s in a)
                {
                    WriteCString(stream, s);
                }

                break;
            case GwyObject[] a:
                stream.WriteByte((byte)'O');
                WriteUInt32(stream, (uint)a.Length);
                foreach (var o in a)
                {
                    WriteObject(stream, o);
                }

                break;
            default:
                throw Unsupported(component);
        }
    }

    private static void WriteArray<T>(Stream stream, T[] values, Action<Span<byte>, T> write)
        where T : unmanaged
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }

        var size = Marshal.SizeOf<T>();
        Span<byte> one = stackalloc byte[8];
        foreach (var v in values)
        {
            write(one, v);
            stream.Write(one[..size]);
        }
    }

    private static void WriteCString(Stream stream, string text)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"String \"{text.Replace('\0', ' ')}\" contains a NUL, which would end it early in a .gwy file.", nameof(text));
        }

        stream.Write(Encoding.UTF8.GetBytes(text));
        stream.WriteByte(0);
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        stream.Write(bytes);
    }

    private static int Utf8Length(string text) => Encoding.UTF8.GetByteCount(text);

    private static ArgumentException Unsupported(GwyComponent component) =>
        new($"Component '{component.Name}' holds a {component.Value.GetType().Name}, which the .gwy serialization cannot store.", nameof(component));
}
