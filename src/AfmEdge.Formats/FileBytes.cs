namespace AfmEdge.Formats;

/// <summary>
/// Loads a whole file or stream into memory. Every parser works on the complete byte array, so each
/// offset and size in a header can be checked against the real length before anything is allocated
/// for it; the only allocation here is the file's own length.
/// </summary>
internal static class FileBytes
{
    public static byte[] Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var length = new FileInfo(path).Length;
        if (length > Array.MaxLength)
        {
            throw new AfmFormatException(Path.GetFileName(path), "file length", $"{length} bytes is more than one array can hold.");
        }

        return File.ReadAllBytes(path);
    }

    public static byte[] Read(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek)
        {
            var remaining = stream.Length - stream.Position;
            if (remaining > Array.MaxLength)
            {
                throw new AfmFormatException(fileName, "stream length", $"{remaining} bytes is more than one array can hold.");
            }

            // Every byte is overwritten by the read, so skip zeroing what may be megabytes.
            var bytes = GC.AllocateUninitializedArray<byte>((int)remaining);
            stream.ReadExactly(bytes);
            return bytes;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
