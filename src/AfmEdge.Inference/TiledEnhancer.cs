using AfmEdge.Inference.Network;

namespace AfmEdge.Inference;

/// <summary>
/// Crop-and-stitch inference: the frame is cut into tiles of <see cref="TileSize"/>² input pixels, each grown
/// by a halo of <see cref="Halo"/> pixels (clipped at the frame's border, so border tiles see the true border),
/// run through the engine, and only the tile's core is kept. A halo at least the network's receptive radius
/// makes every kept pixel depend on exactly the inputs it depends on in a full-frame run, so the result equals
/// the full-frame result (the engine's <see cref="IEnhancementEngine.TileHalo"/>: a block algorithm can ask for more); halo and tile size are multiples of 4 so tiles start on the frame's 4×4 grid, which keeps
/// block algorithms (Winograd F(4×4,3×3)) aligned and the native engine's result bitwise equal. Buffers are sized by
/// the tile, never by the frame: memory stays flat as frames grow, and steady-state tiles allocate nothing.
/// </summary>
public sealed class TiledEnhancer
{
    private readonly IEnhancementEngine _engine;
    private readonly float[] _tileInput;
    private readonly float[] _tileOutput;

    public TiledEnhancer(IEnhancementEngine engine, int tileSize)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentOutOfRangeException.ThrowIfLessThan(tileSize, 2);
        _engine = engine;
        Halo = RoundUpToGrid(engine.TileHalo);
        TileSize = RoundUpToGrid(tileSize);
        var side = MaxTileSide(engine.Network, tileSize);
        _tileInput = new float[engine.Network.InputChannels.Count * side * side];
        _tileOutput = new float[engine.Network.OutputChannels.Count * 4 * side * side];
    }

    public IEnhancementEngine Engine => _engine;

    public EnhancerNetwork Network => _engine.Network;

    /// <summary>Core tile side in input pixels (a multiple of 4).</summary>
    public int TileSize { get; }

    /// <summary>Input pixels added on each side of a tile (a multiple of 4, ≥ the receptive radius).</summary>
    public int Halo { get; }

    /// <summary>
    /// The largest tile, halo included, an engine must accept to serve a tiler of this tile size, sized for the widest
    /// halo an engine here asks for (the native engine's).
    /// </summary>
    public static int MaxTileSide(EnhancerNetwork network, int tileSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        return RoundUpToGrid(tileSize) + (2 * RoundUpToGrid(Math.Max(network.ReceptiveRadius, Native.NativeEngine.TileHaloFor(network))));
    }

    /// <summary>
    /// Enhances a whole frame. <paramref name="inputs"/> holds one width×height plane per network input channel;
    /// <paramref name="outputs"/> one (2·width)×(2·height) plane per network output channel.
    /// </summary>
    public void Enhance(IReadOnlyList<float[]> inputs, int width, int height, IReadOnlyList<float[]> outputs)
    {
        Enhance(inputs, width, height, outputs, 0, height);
    }

    /// <summary>
    /// For a streamer that has final output up to input row <paramref name="enhancedRows"/> and has received
    /// <paramref name="rowsReceived"/> rows of a frame <paramref name="height"/> rows tall: the end of the next band (a tile
    /// high) when the rows its lower halo needs have arrived or the frame has ended; otherwise
    /// <paramref name="enhancedRows"/> itself, meaning no band is ready.
    /// </summary>
    internal int ReadyBandEnd(int enhancedRows, int rowsReceived, int height)
    {
        var bandEnd = Math.Min(enhancedRows + TileSize, height);
        return rowsReceived >= Math.Min(height, bandEnd + Halo) ? bandEnd : enhancedRows;
    }

    /// <summary>
    /// Enhances only the input rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) (output rows twice
    /// those), reading whatever rows of <paramref name="inputs"/> their halo needs: how streaming enhances a band
    /// as soon as the scan has delivered the rows below it. <paramref name="firstRow"/> must be a multiple of 4.
    /// </summary>
    public void Enhance(IReadOnlyList<float[]> inputs, int width, int height, IReadOnlyList<float[]> outputs, int firstRow, int endRow)
    {
        CheckRows(width, height, firstRow, endRow);
        CheckPlanes(inputs, _engine.Network.InputChannels.Count, width, height, exact: true, "input", nameof(inputs));
        CheckPlanes(outputs, _engine.Network.OutputChannels.Count, 2 * width, 2 * height, exact: true, "output", nameof(outputs));
        Run(inputs, width, height, 0, outputs, 0, firstRow, endRow, 0, width);
    }

    /// <summary>
    /// Enhances input rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) × columns [<paramref name="firstColumn"/>,
    /// <paramref name="endColumn"/>) of a width×height frame of which only a window of rows is in memory: <paramref name="window"/>
    /// holds rows from <paramref name="windowFirstRow"/> on (at least up to the band's lower halo), and <paramref name="outputs"/>
    /// receives the piece's output alone, 2·(endColumn − firstColumn) wide from output row 2·<paramref name="firstRow"/> on. The
    /// tiles, and so the result, are those of <see cref="Enhance(IReadOnlyList{float[]}, int, int, IReadOnlyList{float[]}, int, int)"/>
    /// where the piece's edges are tile edges; this is how a frame of any size is enhanced with memory set by a tile and a
    /// window of rows. <paramref name="firstColumn"/> must be a multiple of 4.
    /// </summary>
    public void EnhanceWindow(IReadOnlyList<float[]> window, int width, int height, int windowFirstRow, IReadOnlyList<float[]> outputs, int firstRow, int endRow,
        int firstColumn, int endColumn)
    {
        CheckRows(width, height, firstRow, endRow);
        if (firstColumn < 0 || firstColumn % 4 != 0 || endColumn > width || endColumn <= firstColumn)
        {
            throw new ArgumentOutOfRangeException(nameof(firstColumn), $"Columns [{firstColumn}, {endColumn}) must start on a multiple of 4 within 0…{width}.");
        }

        var neededFirst = Math.Max(0, firstRow - Halo);
        var neededEnd = Math.Min(height, endRow + Halo);
        if (windowFirstRow < 0 || windowFirstRow > neededFirst)
        {
            throw new ArgumentOutOfRangeException(nameof(windowFirstRow), windowFirstRow, $"The window must start at or before row {neededFirst}, the band's upper halo.");
        }

        CheckPlanes(window, _engine.Network.InputChannels.Count, width, neededEnd - windowFirstRow, exact: false, "window", nameof(window));
        var columns = endColumn - firstColumn;
        CheckPlanes(outputs, _engine.Network.OutputChannels.Count, 2 * columns, 2 * (endRow - firstRow), exact: false, "output piece", nameof(outputs));
        Run(window, width, height, windowFirstRow, outputs, 2 * firstRow, firstRow, endRow, firstColumn, endColumn);
    }

    private static void CheckRows(int width, int height, int firstRow, int endRow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (firstRow < 0 || firstRow % 4 != 0 || endRow > height || endRow < firstRow)
        {
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"Rows [{firstRow}, {endRow}) must start on a multiple of 4 within 0…{height}.");
        }
    }

    // Whole planes must match exactly; window and band planes may be larger than needed (buffers sized for the widest band).
    private static void CheckPlanes(IReadOnlyList<float[]> planes, int count, int planeWidth, int planeRows, bool exact, string what, string parameter)
    {
        ArgumentNullException.ThrowIfNull(planes, parameter);
        var length = planeWidth * planeRows;
        var fits = planes.Count == count;
        for (var i = 0; fits && i < planes.Count; i++)
        {
            fits = exact ? planes[i].Length == length : planes[i].Length >= length;
        }

        if (!fits)
        {
            throw new ArgumentException($"Expected {count} {what} planes of {(exact ? "" : "at least ")}{planeWidth}×{planeRows}.", parameter);
        }
    }

    /// <summary>
    /// Tiles of input rows [firstRow, endRow) × columns [firstColumn, endColumn) into <paramref name="outputs"/>: planes that
    /// start at output row <paramref name="outputFirstRow"/> and hold those columns alone (2·(endColumn − firstColumn) wide).
    /// </summary>
    private void Run(IReadOnlyList<float[]> inputs, int width, int height, int inputFirstRow, IReadOnlyList<float[]> outputs, int outputFirstRow,
        int firstRow, int endRow, int firstColumn, int endColumn)
    {
        for (var y0 = firstRow; y0 < endRow; y0 += TileSize)
        {
            var y1 = Math.Min(y0 + TileSize, endRow);
            for (var x0 = firstColumn; x0 < endColumn; x0 += TileSize)
            {
                var x1 = Math.Min(x0 + TileSize, endColumn);
                RunTile(inputs, width, height, inputFirstRow, outputs, outputFirstRow, firstColumn, endColumn - firstColumn, x0, x1, y0, y1);
            }
        }
    }

    private void RunTile(IReadOnlyList<float[]> inputs, int width, int height, int inputFirstRow, IReadOnlyList<float[]> outputs, int outputFirstRow,
        int outputFirstColumn, int outputColumns, int x0, int x1, int y0, int y1)
    {
        var hx0 = Math.Max(0, x0 - Halo);
        var hy0 = Math.Max(0, y0 - Halo);
        var hx1 = Math.Min(width, x1 + Halo);
        var hy1 = Math.Min(height, y1 + Halo);
        var tileWidth = hx1 - hx0;
        var tileHeight = hy1 - hy0;
        var plane = tileWidth * tileHeight;
        var outputPlane = 4 * plane;

        // A tile that is the whole frame (a frame no larger than a tile) needs no copy of a single plane: the engine reads or
        // writes the frame's own array, which holds exactly what the tile buffer would have.
        // (A core that is the whole frame makes the halo tile the whole frame too.)
        var wholeFrame = x0 == 0 && x1 == width && y0 == 0 && y1 == height && inputFirstRow == 0 && outputFirstRow == 0;
        var directInput = wholeFrame && inputs.Count == 1 && inputs[0].Length == plane;
        var directOutput = wholeFrame && outputs.Count == 1 && outputs[0].Length == outputPlane;
        if (!directInput)
        {
            for (var c = 0; c < inputs.Count; c++)
            {
                var source = inputs[c];
                var target = _tileInput.AsSpan(c * plane, plane);
                for (var y = 0; y < tileHeight; y++)
                {
                    source.AsSpan(((hy0 + y - inputFirstRow) * width) + hx0, tileWidth).CopyTo(target.Slice(y * tileWidth, tileWidth));
                }
            }
        }

        _engine.Run(
            directInput ? inputs[0] : _tileInput.AsSpan(0, inputs.Count * plane),
            tileWidth,
            tileHeight,
            directOutput ? outputs[0] : _tileOutput.AsSpan(0, outputs.Count * outputPlane));
        if (directOutput)
        {
            return;
        }

        // Keep the core: output rows 2·y0 … 2·y1 and columns 2·x0 … 2·x1 of the frame.
        var coreWidth = 2 * (x1 - x0);
        for (var o = 0; o < outputs.Count; o++)
        {
            var tile = _tileOutput.AsSpan(o * outputPlane, outputPlane);
            var frame = outputs[o];
            for (var y = 2 * y0; y < 2 * y1; y++)
            {
                tile.Slice(((y - (2 * hy0)) * 2 * tileWidth) + (2 * (x0 - hx0)), coreWidth)
                    .CopyTo(frame.AsSpan(((y - outputFirstRow) * 2 * outputColumns) + (2 * (x0 - outputFirstColumn)), coreWidth));
            }
        }
    }

    private static int RoundUpToGrid(int value) => (value + 3) & ~3;
}
