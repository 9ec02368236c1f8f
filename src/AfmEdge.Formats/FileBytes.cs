using System.Buffers;

namespace AfmEdge.Formats;

/// <summary>
/// Loads a whole file or stream into memory. Every parser works on the complete bytes, so each offset and size in a
/// header can be checked against the real length before anything is allocated for it. The bytes live in a buffer
/// rented from <see cref="ArrayPool{T}.Shared"/>: a fresh multi-megabyte array per file lands on the large object
/// heap, and faulting its pages in cost more than reading the file itself, while a reused buffer is already mapped.
/// The buffer is usually longer than the file, so parsers see only <see cref="FileBuffer.Memory"/>, never the array.
/// </summary>
internal static class FileBytes
{
    /// <summary>Parses the file at <paramref name="path"/>; its bytes go back to the pool once <paramref name="parse"/> returns.</summary>
    public static T Parse<T>(string path, Func<ReadOnlyMemory<byte>, string, T> parse)
    {
        using var bytes = Read(path);
        return parse(bytes.Memory, Path.GetFileName(path));
    }

    /// <summary>Parses the rest of <paramref name="stream"/>; its bytes go back to the pool once <paramref name="parse"/> returns.</summary>
    public static T Parse<T>(Stream stream, string fileName, Func<ReadOnlyMemory<byte>, string, T> parse)
    {
        using var bytes = Read(stream, fileName);
        return parse(bytes.Memory, fileName);
    }

    public static FileBuffer Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        // Sequential-scan advice doubles the kernel's read-ahead, so one large read runs at the disk's own rate.
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        if (length > Array.MaxLength)
        {
            throw new AfmFormatException(Path.GetFileName(path), "file length", $"{length} bytes is more than one array can hold.");
        }

        var buffer = new FileBuffer((int)length);
        try
        {
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(handle, buffer.Writable(read), read);
                if (n == 0)
                {
                    // The file shrank while we read it: parse what is there, and let the format checks say what is missing.
                    break;
                }

                read += n;
            }

            buffer.Truncate(read);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    public static FileBuffer Read(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek)
        {
            var remaining = stream.Length - stream.Position;
            if (remaining > Array.MaxLength)
            {
                throw new AfmFormatException(fileName, "stream length", $"{remaining} bytes is more than one array can hold.");
            }

            var buffer = new FileBuffer((int)remaining);
            try
            {
                stream.ReadExactly(buffer.Writable(0));
                return buffer;
            }
            catch
            {
                buffer.Dispose();
                throw;
            }
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = new FileBuffer((int)copy.Length);
        copy.GetBuffer().AsSpan(0, (int)copy.Length).CopyTo(bytes.Writable(0));
        return bytes;
    }
}

/// <summary>A file's bytes in a pooled array; disposing it returns the array, so nothing parsed may keep a view of it.</summary>
internal sealed class FileBuffer : IDisposable
{
    private byte[]? _array;

    public FileBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _array = ArrayPool<byte>.Shared.Rent(length);
        Length = length;
    }

    /// <summary>How many bytes of the array are the file's; the rest is left over from the pool.</summary>
    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, Length);

    private byte[] Array => _array ?? throw new ObjectDisposedException(nameof(FileBuffer));

    public Span<byte> Writable(int start) => Array.AsSpan(start, Length - start);

    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        Length = length;
    }

    public void Dispose()
    {
        var array = _array;
        _array = null;
        if (array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
