namespace AfmEdge.Inference.Tiling;

/// <summary>
/// Receives one band of enhanced rows: output rows [<paramref name="firstRow"/>, + <paramref name="rowCount"/>) at ×2 of every
/// output channel, planar O·rowCount·(2w). The span is only valid during the call.
/// </summary>
public delegate void EnhancedBandHandler(int firstRow, int rowCount, ReadOnlySpan<float> band);

/// <summary>
/// Enhances a frame while it is being scanned. Scan lines (one row of every input channel) arrive in order; as soon as
/// the rows under a band of tiles and its lower halo have arrived, the band is enhanced and handed on, so the enhanced
/// frame is complete when the last line arrives (the last band runs on it). Bands are the rows of
/// <see cref="TiledEnhancer"/>'s tiles, so the result equals the full-frame (and the tiled) result. It keeps only the
/// rows one band needs (a tile's height, all channels, full width) and one band of output.
/// </summary>
public sealed class StreamingEnhancer
{
    private readonly TiledEnhancer _tiles;
    private readonly EnhancedBandHandler _onBand;
    private readonly float[] _window;
    private readonly float[] _band;
    private readonly int _windowRows;
    private int _windowFirstRow;
    private int _nextBand;

    public StreamingEnhancer(TiledEnhancer tiles, int width, int height, EnhancedBandHandler onBand)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        ArgumentNullException.ThrowIfNull(onBand);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        _tiles = tiles;
        _onBand = onBand;
        Width = width;
        Height = height;
        _windowRows = Math.Min(height, tiles.TileHeight);
        _window = new float[tiles.Network.InputChannels.Count * _windowRows * width];
        _band = new float[tiles.Network.OutputChannels.Count * 2 * _windowRows * 2 * width];
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Scan lines received so far in this frame.</summary>
    public int LinesReceived { get; private set; }

    /// <summary>Input rows whose enhanced output has been handed on (each gives two output rows).</summary>
    public int RowsEnhanced { get; private set; }

    public int BandCount => _tiles.Rows.Count(Height);

    public bool IsComplete => RowsEnhanced == Height;

    /// <summary>
    /// Adds the next scan line: <paramref name="line"/> holds row <see cref="LinesReceived"/> of every input channel in the
    /// network's order (C·w samples). Enhances, and hands on, every band this line completes.
    /// </summary>
    public void AddLine(ReadOnlySpan<float> line)
    {
        var channels = _tiles.Network.InputChannels.Count;
        if (line.Length != channels * Width)
        {
            throw new ArgumentException($"A scan line holds {channels} channels × {Width} samples, not {line.Length}.", nameof(line));
        }

        if (LinesReceived == Height)
        {
            throw new InvalidOperationException($"All {Height} lines of this frame have arrived; call Reset to start the next frame.");
        }

        var row = LinesReceived - _windowFirstRow;
        for (var c = 0; c < channels; c++)
        {
            line.Slice(c * Width, Width).CopyTo(_window.AsSpan(((c * _windowRows) + row) * Width, Width));
        }

        LinesReceived++;
        while (_nextBand < BandCount && _tiles.Rows.Span(_nextBand, Height).TileEnd <= LinesReceived)
        {
            RunBand(_tiles.Rows.Span(_nextBand, Height));
            _nextBand++;
        }
    }

    /// <summary>Starts the next frame of the same size.</summary>
    public void Reset()
    {
        LinesReceived = 0;
        RowsEnhanced = 0;
        _windowFirstRow = 0;
        _nextBand = 0;
    }

    private void RunBand(TileSpan rows)
    {
        var outputRows = 2 * rows.CoreLength;
        var band = _band.AsSpan(0, _tiles.Network.OutputChannels.Count * outputRows * 2 * Width);
        _tiles.EnhanceBand(_window, _windowFirstRow, _windowRows, Width, rows, band, 2 * rows.CoreStart, outputRows);
        RowsEnhanced = rows.CoreEnd;
        _onBand(2 * rows.CoreStart, outputRows, band);

        // Keep the rows the next band's tiles start from (its upper halo); new lines go after them.
        if (_nextBand + 1 < BandCount)
        {
            var nextStart = _tiles.Rows.Span(_nextBand + 1, Height).TileStart;
            var keep = LinesReceived - nextStart;
            for (var c = 0; c < _tiles.Network.InputChannels.Count; c++)
            {
                var plane = _window.AsSpan(c * _windowRows * Width, _windowRows * Width);
                plane.Slice((nextStart - _windowFirstRow) * Width, keep * Width).CopyTo(plane);
            }

            _windowFirstRow = nextStart;
        }
    }
}
