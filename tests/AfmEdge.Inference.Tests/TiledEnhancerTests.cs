using AfmEdge.Core;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;

namespace AfmEdge.Inference.Tests;

public sealed class TiledEnhancerTests
{
    [Theory]
    [InlineData(40, 26, 8)]
    [InlineData(17, 33, 6)]
    [InlineData(9, 9, 64)]
    public void Enhance_ReferenceEngine_TiledEqualsFullFrameBitwise(int width, int height, int tile)
    {
        var network = TestNetworks.Random(7, channels: 4, layers: 3, features: 6);
        var planes = TestNetworks.InputPlanes(network, width, height, 3);
        var tiler = new TiledEnhancer(new ReferenceEngine(network), tile);
        var output = new float[4 * width * height];

        tiler.Enhance(planes, width, height, [output]);

        Assert.Equal(EnhancerReference.Run(network, planes, width, height)[0], output);
    }

    [Fact]
    public void Enhance_OrtEngine_TiledMatchesReference()
    {
        var network = TestNetworks.Random(8, channels: 4, layers: 4, features: 8);
        var planes = TestNetworks.InputPlanes(network, 30, 22, 4);
        var side = TiledEnhancer.MaxTileSide(network, 8);
        var tiler = new TiledEnhancer(new OnnxRuntimeEngine(OnnxModelWriter.ToBytes(network), "memory", side, side, threads: 1), 8);
        var output = new float[4 * 30 * 22];

        tiler.Enhance(planes, 30, 22, [output]);

        var expected = EnhancerReference.Run(network, planes, 30, 22)[0];
        var range = expected.Max() - expected.Min();
        Assert.All(expected.Zip(output), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-4 * range));
        tiler.Engine.Dispose();
    }

    [Fact]
    public void Enhance_Bands_EqualWholeFrame()
    {
        var network = TestNetworks.Random(9, channels: 1, layers: 3, features: 4);
        var planes = TestNetworks.InputPlanes(network, 20, 24, 5);
        var tiler = new TiledEnhancer(new ReferenceEngine(network), 6);
        var whole = new float[4 * 20 * 24];
        var banded = new float[4 * 20 * 24];

        tiler.Enhance(planes, 20, 24, [whole]);
        tiler.Enhance(planes, 20, 24, [banded], 0, 12);
        tiler.Enhance(planes, 20, 24, [banded], 12, 24);

        Assert.Equal(whole, banded);
    }

    [Fact]
    public void Enhance_OddBandStart_IsRefused()
    {
        var network = TestNetworks.Random(9, channels: 1, layers: 2, features: 4);
        var tiler = new TiledEnhancer(new ReferenceEngine(network), 6);

        Assert.Throws<ArgumentOutOfRangeException>(() => tiler.Enhance([new float[64]], 8, 8, [new float[256]], 3, 8));
    }

    [Fact]
    public void CnnFrameEnhancer_Frame_EnhancesHeightAndUpsamplesTheRest()
    {
        var network = TestNetworks.Random(10, channels: 2, layers: 3, features: 4);
        var planes = TestNetworks.InputPlanes(network, 12, 10, 6);
        var frame = Frame(planes, 12, 10, withRetrace: true);
        using var enhancer = new CnnFrameEnhancer(new ReferenceEngine(network), 8);

        var enhanced = enhancer.Enhance(frame);

        Assert.Equal(24, enhanced.Width);
        Assert.Equal(EnhancerReference.Run(network, planes, 12, 10)[0], enhanced.GetChannel("Height").Data.ToArray());
        var bicubic = new float[4 * 120];
        BicubicUpsampler.Upsample(planes[1], 12, 10, bicubic);
        Assert.Equal(bicubic, enhanced.GetChannel("Current").Data.ToArray());
        Assert.Equal(48 * 10, enhanced.GetChannel("Height", ScanDirection.Retrace).Data.Length);
        Assert.Equal($"{network.Name}/reference", enhanced.Metadata["enhancer"]);
    }

    [Fact]
    public void CnnFrameEnhancer_MissingChannel_NamesIt()
    {
        var network = TestNetworks.Random(10, channels: 2, layers: 2, features: 4);
        using var enhancer = new CnnFrameEnhancer(new ReferenceEngine(network), 8);
        var frame = Frame([new float[16]], 4, 4, withRetrace: false);

        var e = Assert.Throws<ArgumentException>(() => enhancer.Enhance(frame));

        Assert.Contains("'Current'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CnnFrameEnhancer_NaNPixel_StaysLocal()
    {
        var network = TestNetworks.Random(12, channels: 1, layers: 3, features: 4);
        var planes = TestNetworks.InputPlanes(network, 16, 16, 7);
        planes[0][(5 * 16) + 7] = float.NaN;
        using var enhancer = new CnnFrameEnhancer(new ReferenceEngine(network), 8);

        var height = enhancer.Enhance(Frame(planes, 16, 16, withRetrace: false)).GetChannel("Height").Data.ToArray();

        Assert.Equal(4, height.Count(float.IsNaN));
        Assert.True(float.IsNaN(height[(10 * 32) + 14]));
    }

    private static Frame Frame(float[][] planes, int width, int height, bool withRetrace)
    {
        string[] names = ["Height", "Current"];
        var units = new[] { PhysicalUnit.Metre, PhysicalUnit.Ampere };
        var channels = planes.Select((p, i) => new Channel(new ChannelDescriptor(names[i], units[i]), width, height, p)).ToList();
        if (withRetrace)
        {
            channels.Add(new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre, ScanDirection.Retrace), width, height, (float[])planes[0].Clone()));
        }

        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = width, PixelsY = height, LineRateHz = 1 };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), scan, channels);
    }
}
