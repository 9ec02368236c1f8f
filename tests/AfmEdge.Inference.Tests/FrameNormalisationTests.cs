using AfmEdge.Core;
using AfmEdge.Inference.Evaluation;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Training;

namespace AfmEdge.Inference.Tests;

public sealed class FrameNormalisationTests
{
    private static EnhancerNetwork PerFrame(int seed)
    {
        var n = TestNetworks.Random(seed, channels: 1, layers: 3, features: 4);
        return new EnhancerNetwork(n.Name, n.InputChannels, n.OutputChannels, n.Mean, n.Std, n.Layers,
            new Dictionary<string, string> { [FrameNormalisation.MetadataKey] = FrameNormalisation.PerFrame });
    }

    private static Frame HeightFrame(float[] plane, int width, int height) => new(
        new FrameId(DateTimeOffset.UnixEpoch, 1),
        new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = width, PixelsY = height, LineRateHz = 1 },
        [new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), width, height, plane)]);

    [Fact]
    public void Statistics_SkipsNonFinite_MeanAndPopulationStd()
    {
        var (centre, scale) = FrameNormalisation.Statistics([1, float.NaN, 3, float.PositiveInfinity]);

        Assert.Equal(2f, centre);
        Assert.Equal(1f, scale);
        Assert.Equal((0f, 0f), FrameNormalisation.Statistics([float.NaN]));
    }

    [Fact]
    public void StatisticsAccumulator_RowByRow_EqualsStatisticsBitwise()
    {
        var plane = TestNetworks.InputPlanes(TestNetworks.Random(5, channels: 1), 13, 11, 2)[0].Select(v => (v * 1e-7f) + 3e-6f).ToArray();
        plane[17] = float.NaN;
        var accumulator = new StatisticsAccumulator();

        for (var y = 0; y < 11; y++)
        {
            accumulator.AddToMean(plane.AsSpan(y * 13, 13));
        }

        accumulator.EndMean();
        for (var y = 0; y < 11; y++)
        {
            accumulator.AddToSquares(plane.AsSpan(y * 13, 13));
        }

        Assert.Equal(FrameNormalisation.Statistics(plane), accumulator.Result);
        Assert.Throws<InvalidOperationException>(() => accumulator.AddToMean(plane));
    }

    [Fact]
    public void ForFrame_StoredModel_IsTheSameNetwork()
    {
        var network = TestNetworks.Random(3, channels: 1, layers: 2, features: 4);

        Assert.False(FrameNormalisation.IsPerFrame(network));
        Assert.Same(network, FrameNormalisation.ForFrame(network, [new float[16]]));
    }

    [Fact]
    public void Enhance_PerFrameModel_FollowsTheFramesOffsetAndScale()
    {
        var network = PerFrame(21);
        var plane = TestNetworks.InputPlanes(network, 16, 12, 4)[0];
        using var enhancer = new CnnFrameEnhancer(new ReferenceEngine(network), 8);
        // A file far from the model's heights: 40 times taller, sitting 100 ranges away.
        const float Gain = 40f;
        var offset = 100 * (plane.Max() - plane.Min());

        var a = enhancer.Enhance(HeightFrame(plane, 16, 12)).GetChannel("Height").Data.ToArray();
        var b = enhancer.Enhance(HeightFrame([.. plane.Select(v => (Gain * v) + offset)], 16, 12)).GetChannel("Height").Data.ToArray();

        var range = a.Max() - a.Min();
        for (var i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(((b[i] - offset) / Gain) - a[i]) < 1e-3 * range, $"pixel {i}: {a[i]} vs {(b[i] - offset) / Gain}");
        }
    }

    [Fact]
    public void Enhance_PerFrameModel_EqualsTheNetworkWithTheFramesStatistics()
    {
        var network = PerFrame(22);
        var plane = TestNetworks.InputPlanes(network, 20, 14, 5)[0];
        var range = plane.Max() - plane.Min();
        var shifted = plane.Select(v => (3 * v) - (7 * range)).ToArray();
        using var enhancer = new CnnFrameEnhancer(new ReferenceEngine(network), 6);

        var enhanced = enhancer.Enhance(HeightFrame(shifted, 20, 14)).GetChannel("Height").Data;
        var expected = TrainerForward.Run(network, [shifted], 20, 14);

        Assert.True(TestNetworks.RelativeError(expected, enhanced) < 1e-5);
    }

    [Fact]
    public void Enhance_PerFrameModel_TilesEqualTheFullFrame()
    {
        var network = PerFrame(23);
        var plane = TestNetworks.InputPlanes(network, 30, 22, 6)[0];
        using var tiled = new CnnFrameEnhancer(new ReferenceEngine(network), 6);
        using var whole = new CnnFrameEnhancer(new ReferenceEngine(network), 32);

        Assert.Equal(
            whole.Enhance(HeightFrame(plane, 30, 22)).GetChannel("Height").Data.ToArray(),
            tiled.Enhance(HeightFrame(plane, 30, 22)).GetChannel("Height").Data.ToArray());
    }

    [Fact]
    public void HalfResolutionScan_Apply_AveragesPixelPairsAlongXAndKeepsEveryOtherLine()
    {
        float[] full =
        [
            1, 3, 5, 7,
            100, 100, 100, 100,
            2, 4, 6, 10,
            100, 100, 100, 100,
        ];
        var half = new float[4];

        HalfResolutionScan.Apply(full, 4, 4, half);

        Assert.Equal([2f, 6f, 3f, 8f], half);
        Assert.Throws<ArgumentException>(() => HalfResolutionScan.Apply(new float[12], 4, 3, new float[2]));
    }
}
