namespace AfmEdge.Inference;

/// <summary>Receives a finished piece: one plane per network output channel (<see cref="EnhancedPiece"/> says their size and
/// place). The planes are the streamer's buffers: read or copy them during the call, they are overwritten by the next piece.</summary>
public delegate void EnhancedPieceHandler(EnhancedPiece piece, IReadOnlyList<float[]> outputs);

/// <summary>
/// Enhances a frame of any size with memory set by one tile and a window of rows: rows arrive in scan order (from a scan or a
/// file), only the rows the next band and its halo need are kept, and each band is handed on tile by tile (to a file, a
/// publisher) as soon as it is final. Unlike <see cref="StreamingEnhancer"/>, which keeps the whole frame so the host can
/// publish it, nothing here grows with the frame's height, and only the window of input rows grows with its width. Whole bands
/// of output (four times the band's pixels per output channel) grew with it too: streaming a 4096² frame through the four
/// outputs of fusion4 peaked at ×1.66 the RSS of a 512² one (`afmedge bench memory`). The pieces are the tiles
/// <see cref="TiledEnhancer"/> runs on the whole frame, so their samples equal the full-frame result. Reusable:
/// <see cref="Reset"/> starts the next frame.
/// </summary>
public sealed class RowStreamEnhancer
{
    private readonly TiledEnhancer _tiler;
    private readonly EnhancedPieceHandler _pieceReady;
    private readonly float[][] _window;
    private readonly float[][] _piece;
    private int _windowFirstRow;
    private int _rowsReceived;

    public RowStreamEnhancer(TiledEnhancer tiler, int width, int height, EnhancedPieceHandler pieceReady)
    {
        ArgumentNullException.ThrowIfNull(tiler);
        ArgumentNullException.ThrowIfNull(pieceReady);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        _tiler = tiler;
        _pieceReady = pieceReady;
        Width = width;
        Height = height;
        BandRows = tiler.TileSize;

        // A band needs its own rows and a halo above and below; rows are never kept beyond that.
        WindowRows = Math.Min(height, BandRows + (2 * tiler.Halo));
        _window = [.. tiler.Network.InputChannels.Select(_ => new float[width * WindowRows])];
        _piece = [.. tiler.Network.OutputChannels.Select(_ => new float[4 * Math.Min(width, BandRows) * Math.Min(height, BandRows)])];
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Input rows per band (the tiler's tile size).</summary>
    public int BandRows { get; }

    /// <summary>Input rows held at most: a band and its two halos (or the whole frame, when that is smaller).</summary>
    public int WindowRows { get; }

    /// <summary>Input rows whose enhanced rows have been handed on.</summary>
    public int EnhancedRows { get; private set; }

    public bool IsComplete => EnhancedRows == Height;

    /// <summary>
    /// Adds input row <paramref name="y"/> (the next in scan order): one row of <see cref="Width"/> samples per network
    /// input channel, in the network's order. Every band this row completes is handed on, piece by piece from the left,
    /// before it returns; returns how many input rows became final.
    /// </summary>
    public int AddRow(int y, IReadOnlyList<float[]> channelRows)
    {
        StreamingEnhancer.CheckRow(y, _rowsReceived, channelRows, _window.Length, Width);
        for (var c = 0; c < _window.Length; c++)
        {
            channelRows[c].CopyTo(_window[c], (y - _windowFirstRow) * Width);
        }

        _rowsReceived++;
        var before = EnhancedRows;
        while (_tiler.ReadyBandEnd(EnhancedRows, _rowsReceived, Height) is var bandEnd && bandEnd > EnhancedRows)
        {
            for (var x0 = 0; x0 < Width; x0 += BandRows)
            {
                var piece = new EnhancedPiece(EnhancedRows, bandEnd, x0, Math.Min(Width, x0 + BandRows));
                _tiler.EnhanceWindow(_window, Width, Height, _windowFirstRow, _piece, piece.FirstRow, piece.EndRow, piece.FirstColumn, piece.EndColumn);
                _pieceReady(piece, _piece);
            }

            EnhancedRows = bandEnd;
            DropRowsBefore(Math.Max(0, bandEnd - _tiler.Halo));
        }

        return EnhancedRows - before;
    }

    /// <summary>Starts a new frame of the same size, keeping the buffers.</summary>
    public void Reset()
    {
        _rowsReceived = 0;
        _windowFirstRow = 0;
        EnhancedRows = 0;
    }

    // Slides the window so it starts at the next band's upper halo; at most two halos of rows move.
    private void DropRowsBefore(int row)
    {
        if (row <= _windowFirstRow)
        {
            return;
        }

        var kept = _rowsReceived - row;
        foreach (var plane in _window)
        {
            plane.AsSpan((row - _windowFirstRow) * Width, kept * Width).CopyTo(plane);
        }

        _windowFirstRow = row;
    }
}
