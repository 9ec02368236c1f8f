using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Tiling;

namespace AfmEdge.Inference.Tests;

public sealed class TilingTests
{
    [Theory]
    [InlineData(50, 37, 24, 24, 1)]
    [InlineData(61, 45, 30, 26, 2)]
    [InlineData(64, 64, 64, 22, 2)]
    [InlineData(23, 19, 64, 64, 1)]
    [InlineData(90, 21, 28, 64, 1)]
    public void Enhance_Tiled_EqualsFullFrameBitwise(int width, int height, int tileWidth, int tileHeight, int threads)
    {
        var network = TestNetworks.Random(width + height, layers: 4, features: 8);
        var input = TestNetworks.Input(network, width, height, 7);
        var full = FullFrame(network, input, width, height);
        using var engine = new NativeEngine(network, tileWidth, tileHeight, threads);
        var tiles = new TiledEnhancer(engine, tileWidth, tileHeight);
        var tiled = new float[full.Length];
        tiles.Enhance(input, width, height, tiled);
        Assert.Equal(full, tiled);
    }

    [Fact]
    public void Enhance_Tiled_MatchesReference()
    {
        var network = TestNetworks.Random(2, layers: 3, features: 8);
        var input = TestNetworks.Input(network, 41, 30, 1);
        using var engine = new NativeEngine(network, 20, 20);
        var tiled = new float[4 * 41 * 30];
        new TiledEnhancer(engine, 20, 20).Enhance(input, 41, 30, tiled);
        var expected = EnhancerReference.Run(network, TestNetworks.Planes(input, 4, 41 * 30), 41, 30);
        Assert.True(TestNetworks.RelativeError(expected, tiled) <= 1e-4);
    }

    [Fact]
    public void Constructor_TileNoLargerThanTwoHalos_Throws()
    {
        // 8 layers: receptive radius 8, halo 8; a 17-sample tile leaves a core of 1 (< 2).
        using var engine = new NativeEngine(TestNetworks.Random(1, layers: 8), 17, 17);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TiledEnhancer(engine, 17, 64));
        Assert.Contains("at least 18", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Halo_OddReceptiveRadius_RoundsUpToEven()
    {
        using var engine = new NativeEngine(TestNetworks.Random(1, layers: 5), 32, 32);
        Assert.Equal(6, new TiledEnhancer(engine, 32, 32).Halo);
    }

    [Theory]
    [InlineData(70, 53, 30, 1)]
    [InlineData(40, 40, 64, 2)]
    [InlineData(33, 101, 24, 2)]
    public void AddLine_AllLines_EqualsFullFrameAndCompletesOnLastLine(int width, int height, int tile, int threads)
    {
        var network = TestNetworks.Random(width * height, layers: 3, features: 8);
        var input = TestNetworks.Input(network, width, height, 3);
        var full = FullFrame(network, input, width, height);
        using var engine = new NativeEngine(network, tile, tile, threads);
        var streamed = new float[full.Length];
        var bands = new List<(int First, int Count, int LinesSeen)>();
        StreamingEnhancer? streaming = null;
        streaming = new StreamingEnhancer(new TiledEnhancer(engine, tile, tile), width, height, (first, count, band) =>
        {
            bands.Add((first, count, streaming!.LinesReceived));
            for (var y = 0; y < count; y++)
            {
                band.Slice(y * 2 * width, 2 * width).CopyTo(streamed.AsSpan((first + y) * 2 * width, 2 * width));
            }
        });

        var line = new float[4 * width];
        for (var y = 0; y < height; y++)
        {
            Assert.False(streaming.IsComplete);
            for (var c = 0; c < 4; c++)
            {
                input.AsSpan(((c * height) + y) * width, width).CopyTo(line.AsSpan(c * width, width));
            }

            streaming.AddLine(line);
        }

        Assert.True(streaming.IsComplete);
        Assert.Equal(full, streamed);
        Assert.Equal(streaming.BandCount, bands.Count);

        // Each band arrives as soon as its lower halo has: no later than Halo + tile rows past its first row.
        var halo = (network.ReceptiveRadius + 1) & ~1;
        Assert.All(bands, b => Assert.True(b.LinesSeen <= Math.Min(height, (b.First / 2) + tile), $"band at {b.First} after {b.LinesSeen} lines"));
        if (height > tile)
        {
            Assert.True(bands[0].LinesSeen < height, "the first band waited for the whole frame");
            Assert.True(bands[0].LinesSeen <= bands[0].Count / 2 + halo);
        }
    }

    [Fact]
    public void AddLine_PastLastLine_ThrowsUntilReset()
    {
        var network = TestNetworks.Random(1, layers: 2);
        using var engine = new NativeEngine(network, 16, 16);
        var frames = 0;
        var streaming = new StreamingEnhancer(new TiledEnhancer(engine, 16, 16), 5, 3, (_, _, _) => frames++);
        var line = new float[4 * 5];
        for (var i = 0; i < 3; i++)
        {
            streaming.AddLine(line);
        }

        Assert.Throws<InvalidOperationException>(() => streaming.AddLine(line));
        streaming.Reset();
        for (var i = 0; i < 3; i++)
        {
            streaming.AddLine(line);
        }

        Assert.Equal(2, frames);
        Assert.Throws<ArgumentException>(() => streaming.AddLine(new float[5]));
    }

    internal static float[] FullFrame(EnhancerNetwork network, float[] input, int width, int height)
    {
        using var engine = new NativeEngine(network, width, height);
        var output = new float[network.OutputChannels.Count * 4 * width * height];
        engine.Run(input, width, height, output);
        return output;
    }
}
