using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AfmEdge.Core;

namespace AfmEdge.Formats.Gwy;

/// <summary>
/// Reads a .gwy file into a <see cref="GwyObject"/> tree: the Gwyddion 2 serialization ("GWYP") and the
/// Gwyddion 1.x one ("GWYO"), whose GwyContainers prefix every item with its uint32 GType code
/// (64 string, 80 object, 60 double, …) and put the key after it, instead of a one-character type tag
/// after the name. Every size is checked against its enclosing object before anything is allocated.
/// </summary>
public static class GwyDeserializer
{
    // Deep nesting would only come from a crafted file; stop it before the stack does.
    private const int MaxDepth = 32;

    // GType fundamental codes (G_TYPE_FUNDAMENTAL_SHIFT = 2) used by Gwyddion 1.x containers.
    private const uint GTypeChar = 12, GTypeUChar = 16, GTypeBoolean = 20, GTypeInt = 24, GTypeUInt = 28,
        GTypeInt64 = 40, GTypeUInt64 = 44, GTypeDouble = 60, GTypeString = 64, GTypeObject = 80;

    public static GwyObject ReadFile(string path)
    {
        using var bytes = FileBytes.Read(path);
        return Parse(bytes.Memory, Path.GetFileName(path));
    }

    public static GwyObject ReadFile(Stream stream, string fileName = "<stream>")
    {
        using var bytes = FileBytes.Read(stream, fileName);
        return Parse(bytes.Memory, fileName);
    }

    internal static bool HasMagic(ReadOnlySpan<byte> bytes) => bytes.StartsWith("GWYP"u8) || bytes.StartsWith("GWYO"u8);

    /// <summary>
    /// The object tree of a whole file. With <paramref name="singleData"/> every GwyDataField's "data" array is decoded
    /// straight to float32 (a <c>float[]</c> component), the precision of a Core channel, instead of through a double copy,
    /// into an array from <paramref name="buffers"/> when one is given.
    /// </summary>
    internal static GwyObject Parse(ReadOnlyMemory<byte> bytes, string fileName, bool singleData = false, ChannelBufferPool? buffers = null) =>
        ParseGuard.Run(fileName, () => ParseUnguarded(bytes, fileName, singleData, buffers));

    private static GwyObject ParseUnguarded(ReadOnlyMemory<byte> bytes, string fileName, bool singleData, ChannelBufferPool? buffers)
    {
        var cursor = new ByteCursor(bytes, fileName);
        var magic = cursor.Take(4, "magic");
        bool oldFormat;
        if (magic.SequenceEqual("GWYP"u8))
        {
            oldFormat = false;
        }
        else if (magic.SequenceEqual("GWYO"u8))
        {
            oldFormat = true;
        }
        else
        {
            throw cursor.Error("magic", "the file starts with neither GWYP (Gwyddion 2) nor GWYO (Gwyddion 1).");
        }

        var root = ReadObject(cursor, new Options(oldFormat, singleData, buffers), 0, "top-level object");
        if (cursor.Position != bytes.Length)
        {
            throw cursor.Error("top-level object", $"ends at offset {cursor.Position} but the file has {bytes.Length} bytes.");
        }

        return root;
    }

    private static GwyObject ReadObject(ByteCursor parent, Options options, int depth, string field)
    {
        if (depth > MaxDepth)
        {
            throw parent.Error(field, $"objects are nested more than {MaxDepth} deep.");
        }

        var typeName = parent.ReadCString(field + " type name");
        var size = parent.ReadUInt32(typeName + " size");
        parent.Need(size, typeName + " size");
        var body = new ByteCursor(parent.Bytes, parent.FileName, start: parent.Position, end: parent.Position + (int)size);
        parent.Position = body.End;

        var result = new GwyObject(typeName);
        var containerItems = options.OldFormat && typeName == "GwyContainer";
        var dataField = options.SingleData && typeName == GwyDataField.TypeName;
        while (body.Remaining > 0)
        {
            if (containerItems)
            {
                var gtype = body.ReadUInt32(typeName + " item type");
                var key = body.ReadCString(typeName + " item key");
                result.Components.Add(new GwyComponent(key, ReadOldItem(body, gtype, key, options, depth)));
            }
            else
            {
                var name = body.ReadCString(typeName + " component name");
                var tag = (char)body.ReadByte(typeName + "." + name + " type");
                var value = dataField && tag == 'D' && name == "data"
                    ? ReadSingles(body, typeName + "." + name, options.Buffers)
                    : ReadValue(body, tag, typeName + "." + name, options, depth);
                result.Components.Add(new GwyComponent(name, value));
            }
        }

        return result;
    }

    private static object ReadValue(ByteCursor c, char tag, string field, Options options, int depth)
    {
        switch (tag)
        {
            case 'b':
                return c.ReadByte(field) != 0;
            case 'c':
                return c.ReadByte(field);
            case 'i':
                return c.ReadInt32(field);
            case 'q':
                return c.ReadInt64(field);
            case 'd':
                return c.ReadDouble(field);
            case 's':
                return c.ReadCString(field);
            case 'o':
                return ReadObject(c, options, depth + 1, field);
            case 'C':
                return c.Take(ReadCount(c, 1, field), field).ToArray();
            case 'I':
                return ReadArray<int>(c, field);
            case 'Q':
                return ReadArray<long>(c, field);
            case 'D':
                return ReadArray<double>(c, field);
            case 'S':
                {
                    var count = ReadCount(c, 1, field);
                    var strings = new string[count];
                    for (var i = 0; i < count; i++)
                    {
                        strings[i] = c.ReadCString(field);
                    }

                    return strings;
                }

            case 'O':
                {
                    // Each object needs at least a 1-byte name and a 4-byte size.
                    var count = ReadCount(c, 5, field);
                    var objects = new GwyObject[count];
                    for (var i = 0; i < count; i++)
                    {
                        objects[i] = ReadObject(c, options, depth + 1, field);
                    }

                    return objects;
                }

            default:
                throw c.Error(field, $"type tag '{(tag is >= ' ' and <= '~' ? tag.ToString() : "0x" + ((int)tag).ToString("X2", System.Globalization.CultureInfo.InvariantCulture))}' is not a known component type.");
        }
    }

    private static object ReadOldItem(ByteCursor c, uint gtype, string key, Options options, int depth) => gtype switch
    {
        GTypeBoolean => c.ReadByte(key) != 0,
        GTypeChar or GTypeUChar => c.ReadByte(key),
        GTypeInt or GTypeUInt => c.ReadInt32(key),
        GTypeInt64 or GTypeUInt64 => c.ReadInt64(key),
        GTypeDouble => c.ReadDouble(key),
        GTypeString => c.ReadCString(key),
        GTypeObject => ReadObject(c, options, depth + 1, key),
        _ => throw c.Error(key, $"GType code {gtype} is not one a Gwyddion 1 container stores."),
    };

    /// <summary>Reads an array count and checks that count × <paramref name="minItemSize"/> bytes remain before anything is allocated.</summary>
    private static int ReadCount(ByteCursor c, int minItemSize, string field)
    {
        var count = c.ReadUInt32(field + " count");
        c.Need((long)count * minItemSize, field);
        return (int)count;
    }

    /// <summary>A double array narrowed to float32 as it is read: one pass, and no double copy of the samples.</summary>
    // Straight to optimized code: a file is often opened once, and a tier-0 loop over a million samples costs more than the disk.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] ReadSingles(ByteCursor c, string field, ChannelBufferPool? buffers)
    {
        var count = ReadCount(c, sizeof(double), field);
        var source = c.Take(count * sizeof(double), field);
        // An empty array is left to the data-field check, which names it; the pool only hands out real channels.
        float[] values = count == 0 ? [] : ChannelBufferPool.Allocate(buffers, count);
        if (BitConverter.IsLittleEndian)
        {
            var doubles = MemoryMarshal.Cast<byte, double>(source);
            var i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                // Two double vectors narrow into one float vector (the same rounding as the scalar cast below).
                var width = Vector<double>.Count;
                for (; i <= values.Length - (2 * width); i += 2 * width)
                {
                    Vector.Narrow(new Vector<double>(doubles.Slice(i, width)), new Vector<double>(doubles.Slice(i + width, width)))
                        .CopyTo(values.AsSpan(i));
                }
            }

            for (; i < values.Length; i++)
            {
                values[i] = (float)doubles[i];
            }
        }
        else
        {
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(i * sizeof(double)));
            }
        }

        return values;
    }

    private static T[] ReadArray<T>(ByteCursor c, string field)
        where T : unmanaged
    {
        var itemSize = Unsafe.SizeOf<T>();
        var count = ReadCount(c, itemSize, field);
        var source = MemoryMarshal.Cast<byte, T>(c.Take(count * itemSize, field));
        var values = GC.AllocateUninitializedArray<T>(count);
        source.CopyTo(values);
        if (!BitConverter.IsLittleEndian)
        {
            var raw = MemoryMarshal.AsBytes(values.AsSpan());
            for (var i = 0; i < raw.Length; i += itemSize)
            {
                raw.Slice(i, itemSize).Reverse();
            }
        }

        return values;
    }

    private readonly record struct Options(bool OldFormat, bool SingleData, ChannelBufferPool? Buffers);
}
