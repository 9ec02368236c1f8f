using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AfmEdge.Core;

namespace AfmEdge.Formats.Gsf;

/// <summary>
/// Reads a .gsf file one row at a time, first row first, so a frame of any height can be processed with memory set by
/// its width. The header is checked exactly as <see cref="GsfReader"/> checks it (same parser), samples come out in
/// base SI units as <see cref="GsfReader"/> gives them, and <see cref="Rewind"/> starts another pass over the rows.
/// </summary>
public sealed class GsfRowReader : IDisposable
{
    private readonly FileStream _stream;
    private readonly GsfHeader _header;
    private readonly byte[]? _bigEndianRow;

    private GsfRowReader(FileStream stream, GsfHeader header, string fileName, DateTimeOffset acquiredAt)
    {
        _stream = stream;
        _header = header;
        FileName = fileName;
        Id = new FrameId(acquiredAt, 0);
        Descriptor = header.Descriptor;
        Metadata = header.Metadata(fileName);
        _bigEndianRow = BitConverter.IsLittleEndian ? null : new byte[4 * header.Width];
    }

    public string FileName { get; }

    /// <summary>The id <see cref="GsfReader.Read(string)"/> gives the file's frame (its modification time).</summary>
    public FrameId Id { get; }

    public int Width => _header.Width;

    public int Height => _header.Height;

    public ScanSettings Scan => _header.Scan;

    public double SizeX => _header.SizeX;

    public double SizeY => _header.SizeY;

    /// <summary>The channel as the file's title names it; a channel folder names it after the file instead.</summary>
    public ChannelDescriptor Descriptor { get; internal set; }

    /// <summary>The metadata <see cref="GsfReader"/> gives the file's frame.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The row the next <see cref="ReadRow"/> returns.</summary>
    public int NextRow { get; private set; }

    /// <summary>Opens <paramref name="path"/> and checks its header; malformed files are <see cref="AfmFormatException"/>s naming the field.</summary>
    public static GsfRowReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fileName = Path.GetFileName(path);
        var acquiredAt = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);

        // Rows are read straight into the caller's span; the stream's own buffer only batches narrow rows.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        try
        {
            var header = ParseGuard.Run(fileName, () => GsfHeader.Read(stream, stream.Length, fileName));
            stream.Position = header.DataOffset;
            return new GsfRowReader(stream, header, fileName, acquiredAt);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads row <see cref="NextRow"/> into <paramref name="row"/>, which must hold <see cref="Width"/> samples.</summary>
    /// <exception cref="InvalidOperationException">Every row has been read; <see cref="Rewind"/> first.</exception>
    /// <exception cref="AfmFormatException">The file ended early (it shrank after it was opened).</exception>
    public void ReadRow(Span<float> row)
    {
        if (row.Length != Width)
        {
            throw new ArgumentException($"The row must hold {Width} samples, not {row.Length}.", nameof(row));
        }

        if (NextRow == Height)
        {
            throw new InvalidOperationException($"{FileName}: all {Height} rows have been read; rewind to read them again.");
        }

        try
        {
            if (_bigEndianRow is null)
            {
                _stream.ReadExactly(MemoryMarshal.AsBytes(row));
            }
            else
            {
                _stream.ReadExactly(_bigEndianRow);
                for (var x = 0; x < row.Length; x++)
                {
                    row[x] = BinaryPrimitives.ReadSingleLittleEndian(_bigEndianRow.AsSpan(4 * x, 4));
                }
            }
        }
        catch (EndOfStreamException e)
        {
            throw new AfmFormatException(FileName, "data length", $"the file ended inside row {NextRow} of {Height}; it changed after it was opened.", e);
        }

        _header.ToSi(row);
        NextRow++;
    }

    /// <summary>Goes back to the first row, for another pass.</summary>
    public void Rewind()
    {
        _stream.Position = _header.DataOffset;
        NextRow = 0;
    }

    public void Dispose() => _stream.Dispose();
}
