using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Tiling;

/// <summary>
/// Crop-and-stitch inference over any <see cref="IEnhancementEngine"/>: the frame is cut into tiles that overlap by a
/// halo at least as wide as the network's receptive radius, each tile is enhanced on its own (its border treated as the
/// image border), and only each tile's core is kept. Samples within the halo of a tile's clipped edge would differ from a
/// full-frame run; every kept sample is at least a halo away from such an edge, so the stitched result equals the
/// full-frame result (bitwise for the native engine). Buffers are sized by the tile, not the frame: memory stays flat
/// as frames grow.
/// </summary>
public sealed class TiledEnhancer
{
    private readonly TilePlan _columns;
    private readonly TilePlan _rows;
    private readonly float[] _tileInput;
    private readonly float[] _tileOutput;

    /// <param name="engine">The engine, created for tiles of at least <paramref name="tileWidth"/>×<paramref name="tileHeight"/>.</param>
    /// <param name="tileWidth">Tile width the engine sees, halo included.</param>
    /// <param name="tileHeight">Tile height the engine sees, halo included.</param>
    public TiledEnhancer(IEnhancementEngine engine, int tileWidth, int tileHeight)
    {
        ArgumentNullException.ThrowIfNull(engine);
        Engine = engine;

        // Even, so that tile origins stay even (see TilePlan).
        Halo = (engine.Network.ReceptiveRadius + 1) & ~1;
        _columns = new TilePlan(tileWidth, Halo);
        _rows = new TilePlan(tileHeight, Halo);
        _tileInput = new float[Network.InputChannels.Count * tileWidth * tileHeight];
        _tileOutput = new float[Network.OutputChannels.Count * 4 * tileWidth * tileHeight];
    }

    public IEnhancementEngine Engine { get; }

    public EnhancerNetwork Network => Engine.Network;

    /// <summary>Input samples on each side of a tile's core that the tile also reads (even, ≥ the receptive radius).</summary>
    public int Halo { get; }

    public int TileWidth => _columns.Tile;

    public int TileHeight => _rows.Tile;

    /// <summary>Rows of output (at input resolution) each band of tiles keeps, except where the frame fits one tile.</summary>
    public int CoreHeight => _rows.Core;

    internal TilePlan Rows => _rows;

    /// <summary>
    /// Enhances a whole frame: <paramref name="input"/> planar C·h·w in the network's input order, <paramref name="output"/>
    /// planar O·(2h)·(2w).
    /// </summary>
    public void Enhance(ReadOnlySpan<float> input, int width, int height, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var channels = Network.InputChannels.Count;
        var outputs = Network.OutputChannels.Count;
        if (input.Length != channels * width * height || output.Length != outputs * 4 * width * height)
        {
            throw new ArgumentException(
                $"A {width}×{height} frame needs {channels * width * height} input samples ({channels} channels) and {outputs * 4 * width * height} output samples.");
        }

        for (var band = 0; band < _rows.Count(height); band++)
        {
            EnhanceBand(input, 0, height, width, _rows.Span(band, height), output, 0, 2 * height);
        }
    }

    /// <summary>
    /// Enhances the tiles of one band of rows. <paramref name="window"/> holds frame rows
    /// [<paramref name="windowFirstRow"/>, + <paramref name="windowRows"/>) of every channel (planar, that many rows per channel);
    /// <paramref name="output"/> receives output rows [<paramref name="outputFirstRow"/>, + <paramref name="outputRows"/>) of
    /// every output channel (planar, at ×2).
    /// </summary>
    internal void EnhanceBand(
        ReadOnlySpan<float> window, int windowFirstRow, int windowRows, int width, TileSpan rows, Span<float> output, int outputFirstRow, int outputRows)
    {
        var channels = Network.InputChannels.Count;
        var outputs = Network.OutputChannels.Count;
        var tileRows = rows.TileLength;
        for (var column = 0; column < _columns.Count(width); column++)
        {
            var columns = _columns.Span(column, width);
            var tileWidth = columns.TileLength;
            var tileInput = _tileInput.AsSpan(0, channels * tileWidth * tileRows);
            for (var c = 0; c < channels; c++)
            {
                for (var y = 0; y < tileRows; y++)
                {
                    window.Slice((((c * windowRows) + (rows.TileStart + y - windowFirstRow)) * width) + columns.TileStart, tileWidth)
                        .CopyTo(tileInput.Slice(((c * tileRows) + y) * tileWidth, tileWidth));
                }
            }

            var tileOutput = _tileOutput.AsSpan(0, outputs * 4 * tileWidth * tileRows);
            Engine.Run(tileInput, tileWidth, tileRows, tileOutput);

            // Keep the core: output rows 2·CoreStart … 2·CoreEnd, columns 2·CoreStart … 2·CoreEnd (tile-relative).
            var outWidth = 2 * width;
            var coreColumns = 2 * columns.CoreLength;
            for (var o = 0; o < outputs; o++)
            {
                for (var y = 2 * rows.CoreStart; y < 2 * rows.CoreEnd; y++)
                {
                    var source = tileOutput.Slice(
                        (((o * 2 * tileRows) + (y - (2 * rows.TileStart))) * 2 * tileWidth) + (2 * (columns.CoreStart - columns.TileStart)), coreColumns);
                    source.CopyTo(output.Slice((((o * outputRows) + (y - outputFirstRow)) * outWidth) + (2 * columns.CoreStart), coreColumns));
                }
            }
        }
    }
}
