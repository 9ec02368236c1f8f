using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Tests;

/// <summary>The native engine under <see cref="TiledEnhancer"/> and <see cref="StreamingEnhancer"/>: bitwise the full-frame result.</summary>
public sealed class NativeTilingTests
{
    [Theory]
    [InlineData(50, 37, 8, 1)]
    [InlineData(61, 45, 14, 2)]
    [InlineData(64, 64, 32, 2)]
    [InlineData(23, 19, 64, 1)]
    [InlineData(90, 21, 10, 1)]
    public void Enhance_NativeTiles_EqualFullFrameBitwise(int width, int height, int tile, int threads)
    {
        var network = TestNetworks.Random(width + height, layers: 4, features: 8);
        var input = TestNetworks.Input(network, width, height, 7);
        var full = FullFrame(network, input, width, height);
        var side = TiledEnhancer.MaxTileSide(network, tile);
        using var engine = new NativeEngine(network, side, side, threads);
        var tiled = new float[full.Length];

        new TiledEnhancer(engine, tile).Enhance(TestNetworks.Planes(input, 4, width * height), width, height, [tiled]);

        Assert.Equal(full, tiled);
    }

    [Theory]
    [InlineData(7, 2)]
    [InlineData(8, 1)]
    public void Enhance_DeepNetworkTiles_EqualFullFrameBitwise(int layers, int threads)
    {
        // F(4×4, 3×3) rounding reaches past the receptive radius (NativeEngine.TileHaloFor): deep nets show it.
        var network = TestNetworks.Random(layers, layers: layers, features: 8);
        var input = TestNetworks.Input(network, 70, 45, 4);
        var full = FullFrame(network, input, 70, 45);
        var side = TiledEnhancer.MaxTileSide(network, 12);
        using var engine = new NativeEngine(network, side, side, threads);
        var tiled = new float[full.Length];

        new TiledEnhancer(engine, 12).Enhance(TestNetworks.Planes(input, 4, 70 * 45), 70, 45, [tiled]);

        Assert.Equal(full, tiled);
    }

    [Theory]
    [InlineData(70, 53, 12)]
    [InlineData(33, 101, 16)]
    public void AddRow_NativeEngine_EqualsFullFrameBitwise(int width, int height, int tile)
    {
        var network = TestNetworks.Random(width * height, layers: 3, features: 8);
        var input = TestNetworks.Input(network, width, height, 3);
        var planes = TestNetworks.Planes(input, 4, width * height);
        var side = TiledEnhancer.MaxTileSide(network, tile);
        using var engine = new NativeEngine(network, side, side, threads: 2);
        var stream = new StreamingEnhancer(new TiledEnhancer(engine, tile), width, height);
        var firstBandAt = -1;

        for (var y = 0; y < height; y++)
        {
            if (stream.AddRow(y, [.. planes.Select(p => p.AsSpan(y * width, width).ToArray())]) > 0 && firstBandAt < 0)
            {
                firstBandAt = y;
            }
        }

        Assert.True(stream.IsComplete);
        Assert.InRange(firstBandAt, 0, height - 2);
        Assert.Equal(FullFrame(network, input, width, height), stream.Outputs[0]);
    }

    internal static float[] FullFrame(EnhancerNetwork network, float[] input, int width, int height)
    {
        using var engine = new NativeEngine(network, width, height);
        var output = new float[network.OutputChannels.Count * 4 * width * height];
        engine.Run(input, width, height, output);
        return output;
    }
}
