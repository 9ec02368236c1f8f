namespace AfmEdge.Inference;

/// <summary>
/// Enhances a frame while it is being scanned. Rows are added in scan order; as soon as the rows below a
/// band reach the halo the band needs, the band is enhanced, so when the last line arrives only the final
/// band is left: the enhanced frame is complete at most one band after the scan. The result equals
/// <see cref="TiledEnhancer.Enhance(IReadOnlyList{float[]}, int, int, IReadOnlyList{float[]})"/> of the whole frame
/// (the same tiles run on the same inputs). Reusable: <see cref="Reset"/> starts the next frame with the same buffers.
/// </summary>
public sealed class StreamingEnhancer
{
    private readonly TiledEnhancer _tiler;
    private readonly float[][] _inputs;
    private readonly float[][] _outputs;
    private int _rowsReceived;

    public StreamingEnhancer(TiledEnhancer tiler, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(tiler);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        _tiler = tiler;
        Width = width;
        Height = height;
        BandRows = tiler.TileSize;
        _inputs = [.. tiler.Network.InputChannels.Select(_ => new float[width * height])];
        _outputs = [.. tiler.Network.OutputChannels.Select(_ => new float[4 * width * height])];
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Input rows per band (the tiler's tile size).</summary>
    public int BandRows { get; }

    /// <summary>Input rows whose enhanced output rows (twice as many) are final.</summary>
    public int EnhancedRows { get; private set; }

    public bool IsComplete => EnhancedRows == Height;

    /// <summary>The enhanced planes, one per network output channel; rows below 2·<see cref="EnhancedRows"/> are not final yet.</summary>
    public IReadOnlyList<float[]> Outputs => _outputs;

    /// <summary>
    /// Adds input row <paramref name="y"/> (the next one in scan order): one row of <see cref="Width"/> samples per
    /// network input channel, in the network's order. Returns how many input rows became final (0 most of the time).
    /// </summary>
    public int AddRow(int y, IReadOnlyList<float[]> channelRows)
    {
        CheckRow(y, _rowsReceived, channelRows, _inputs.Length, Width);
        for (var c = 0; c < _inputs.Length; c++)
        {
            channelRows[c].CopyTo(_inputs[c], y * Width);
        }

        _rowsReceived++;
        var before = EnhancedRows;
        while (_tiler.ReadyBandEnd(EnhancedRows, _rowsReceived, Height) is var bandEnd && bandEnd > EnhancedRows)
        {

            _tiler.Enhance(_inputs, Width, Height, _outputs, EnhancedRows, bandEnd);
            EnhancedRows = bandEnd;
        }

        return EnhancedRows - before;
    }

    /// <summary>Starts a new frame of the same size, keeping the buffers.</summary>
    public void Reset()
    {
        _rowsReceived = 0;
        EnhancedRows = 0;
    }

    /// <summary>Checks a row handed to a streamer before any of it is kept: in scan order, one row per input channel, each of the frame's width.</summary>
    internal static void CheckRow(int y, int expectedRow, IReadOnlyList<float[]> channelRows, int channels, int width)
    {
        ArgumentNullException.ThrowIfNull(channelRows);
        if (y != expectedRow)
        {
            throw new ArgumentOutOfRangeException(nameof(y), y, $"Rows must arrive in order; expected row {expectedRow}.");
        }

        if (channelRows.Count != channels)
        {
            throw new ArgumentException($"Expected one row for each of the {channels} input channels.", nameof(channelRows));
        }

        for (var c = 0; c < channels; c++)
        {
            if (channelRows[c].Length != width)
            {
                throw new ArgumentException($"Row {y} of input channel {c} has {channelRows[c].Length} samples, not {width}.", nameof(channelRows));
            }
        }
    }
}
