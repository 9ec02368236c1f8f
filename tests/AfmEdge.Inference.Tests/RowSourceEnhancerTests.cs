using AfmEdge.Core;
using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Tests;

public sealed class RowSourceEnhancerTests
{
    [Theory]
    [InlineData(false, 37, 53, 12)]
    [InlineData(true, 37, 53, 12)]
    [InlineData(true, 20, 9, 16)]
    public void Enhance_NativeEngineWithNaN_EqualsCnnFrameEnhancerBitwise(bool perFrame, int width, int height, int tile)
    {
        var network = Network(41, perFrame);
        var planes = TestNetworks.InputPlanes(network, width, height, 6);

        // Far from the stored statistics, so a per-frame model's mapping matters; one NaN and one ∞ inside.
        for (var c = 0; c < planes.Length; c++)
        {
            for (var i = 0; i < planes[c].Length; i++)
            {
                planes[c][i] = (planes[c][i] * 30) + 500;
            }
        }

        planes[0][(5 * width) + 7] = float.NaN;
        planes[1][((height - 2) * width) + 3] = float.PositiveInfinity;
        var expected = WholeFrame(network, planes, width, height, tile);

        var streamed = Streamed(network, planes, width, height, tile, out var passes);

        Assert.Equal(perFrame ? 3 : 1, passes);
        for (var o = 0; o < expected.Length; o++)
        {
            Assert.Equal(expected[o], streamed[o]);
        }

        Assert.True(float.IsNaN(streamed[0][(2 * 5 * 2 * width) + (2 * 7) + 1]));
    }

    [Fact]
    public void Enhance_SourceOfAnotherSize_Throws()
    {
        var network = Network(42, perFrame: false);
        var enhancer = new RowSourceEnhancer(new TiledEnhancer(new ReferenceEngine(network), 8), 8, 8);

        Assert.Throws<ArgumentException>(() => enhancer.Enhance(new PlaneRows(TestNetworks.InputPlanes(network, 8, 9, 1), 8, 9), (_, _) => { }));
    }

    [Fact]
    public void PrepareInput_NonFiniteWithoutMask_Throws()
    {
        var network = Network(43, perFrame: false);
        var conditioning = FrameConditioning.For(network, TestNetworks.InputPlanes(network, 2, 2, 1));

        Assert.Throws<ArgumentException>(() => conditioning.PrepareInput(0, new[] { 1f, float.NaN }, default));
    }

    private static EnhancerNetwork Network(int seed, bool perFrame)
    {
        var n = TestNetworks.Random(seed, channels: 3, layers: 3, features: 6, outputs: 2);
        return perFrame
            ? new EnhancerNetwork(n.Name, n.InputChannels, n.OutputChannels, n.Mean, n.Std, n.Layers,
                new Dictionary<string, string> { [FrameNormalisation.MetadataKey] = FrameNormalisation.PerFrame })
            : n;
    }

    private static float[][] WholeFrame(EnhancerNetwork network, float[][] planes, int width, int height, int tile)
    {
        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = width, PixelsY = height, LineRateHz = 1 };
        var channels = network.InputChannels.Select((name, c) => new Channel(new ChannelDescriptor(name, PhysicalUnit.Metre), width, height, [.. planes[c]]));
        var side = TiledEnhancer.MaxTileSide(network, tile);
        using var enhancer = new CnnFrameEnhancer(new NativeEngine(network, side, side, threads: 2), tile);
        var frame = enhancer.Enhance(new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan, channels));
        return [.. network.OutputChannels.Select(name => frame.GetChannel(name).Data.ToArray())];
    }

    private static float[][] Streamed(EnhancerNetwork network, float[][] planes, int width, int height, int tile, out int passes)
    {
        var side = TiledEnhancer.MaxTileSide(network, tile);
        using var engine = new NativeEngine(network, side, side, threads: 2);
        var enhancer = new RowSourceEnhancer(new TiledEnhancer(engine, tile), width, height);
        var outputs = network.OutputChannels.Select(_ => new float[4 * width * height]).ToArray();
        var source = new PlaneRows(planes, width, height);
        enhancer.Enhance(source, (piece, planes) =>
        {
            for (var o = 0; o < outputs.Length; o++)
            {
                piece.CopyTo(planes[o], outputs[o], width);
            }
        });

        passes = source.Passes;
        return outputs;
    }

    /// <summary>Rows of planes held in memory, counting the passes made over them.</summary>
    private sealed class PlaneRows(float[][] planes, int width, int height) : IFrameRows
    {
        private int _next;

        public int Width => width;

        public int Height => height;

        public int Passes { get; private set; }

        public void ReadRow(int y, IReadOnlyList<float[]> rows)
        {
            if (y == 0)
            {
                Passes++;
                _next = 0;
            }

            Assert.Equal(_next++, y);
            for (var c = 0; c < rows.Count; c++)
            {
                planes[c].AsSpan(y * width, width).CopyTo(rows[c]);
            }
        }
    }
}
