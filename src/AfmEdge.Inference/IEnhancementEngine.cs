using AfmEdge.Inference.Network;

namespace AfmEdge.Inference;

/// <summary>
/// Runs one <see cref="EnhancerNetwork"/> on one tile. Engines (ONNX Runtime, native SIMD/ILGPU) compute
/// exactly <see cref="EnhancerReference"/>'s function, treating the tile's border as the image border (zero
/// padding for the convolutions, replicated edge for the bicubic skip); tiling and streaming sit above them
/// and crop each tile's halo away, so any engine tiles the same way.
/// </summary>
public interface IEnhancementEngine : IDisposable
{
    /// <summary>"native", "ort", … as config and summaries name it.</summary>
    string Name { get; }

    EnhancerNetwork Network { get; }

    /// <summary>
    /// Input pixels a tile needs on each side of its core for the kept pixels to equal the full-frame result: the
    /// network's receptive radius, or more for an engine whose block algorithm rounds with samples past it.
    /// </summary>
    int TileHalo => Network.ReceptiveRadius;

    /// <summary>
    /// Enhances a <paramref name="width"/>×<paramref name="height"/> tile. <paramref name="input"/> is planar
    /// [channel][y][x] in the network's input-channel order (C·h·w floats, physical units); <paramref name="output"/>
    /// receives planar [output channel][2y][2x] (O·4·h·w floats). Tiles up to the size the engine was created
    /// for run without allocating.
    /// </summary>
    void Run(ReadOnlySpan<float> input, int width, int height, Span<float> output);
}
