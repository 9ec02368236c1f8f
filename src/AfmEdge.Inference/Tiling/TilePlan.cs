namespace AfmEdge.Inference.Tiling;

/// <summary>One tile along one axis: the samples the engine sees [TileStart, TileEnd) and those it keeps [CoreStart, CoreEnd).</summary>
internal readonly record struct TileSpan(int TileStart, int TileEnd, int CoreStart, int CoreEnd)
{
    public int TileLength => TileEnd - TileStart;

    public int CoreLength => CoreEnd - CoreStart;
}

/// <summary>
/// Cuts one axis of a frame into tiles of at most <see cref="Tile"/> samples whose cores (the tile less a halo on each side)
/// cover the axis once. Tiles are clipped at the frame's edge, so an edge tile sees the true border. Core and halo are
/// even, so every tile starts on an even sample: the native engine's 2×2 Winograd blocks then line up with the
/// full frame's, and each kept sample is computed by the same operations as in a full-frame run.
/// </summary>
internal readonly struct TilePlan
{
    public TilePlan(int tile, int halo)
    {
        Tile = tile;
        Halo = halo;
        Core = (tile - (2 * halo)) & ~1;
        if (Core < 2)
        {
            throw new ArgumentOutOfRangeException(
                nameof(tile), tile, $"A tile of {tile} leaves no core inside a halo of {halo} on each side; tiles must be at least {(2 * halo) + 2}.");
        }
    }

    public int Tile { get; }

    public int Halo { get; }

    public int Core { get; }

    /// <summary>Tiles along an axis of <paramref name="length"/> samples: one when the axis fits a tile.</summary>
    public int Count(int length) => length <= Tile ? 1 : (length + Core - 1) / Core;

    public TileSpan Span(int index, int length)
    {
        if (length <= Tile)
        {
            return new TileSpan(0, length, 0, length);
        }

        var coreStart = index * Core;
        var coreEnd = Math.Min(length, coreStart + Core);
        return new TileSpan(Math.Max(0, coreStart - Halo), Math.Min(length, coreEnd + Halo), coreStart, coreEnd);
    }
}
