using AfmEdge.Core;
using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Tiling;

namespace AfmEdge.Inference.Tests;

public sealed class CnnFrameEnhancerTests
{
    private const int Width = 26;
    private const int Height = 21;

    [Fact]
    public void Enhance_FusionFrame_NetworkOutputForHeightBicubicForOthers()
    {
        var network = TestNetworks.Random(8, channels: 4, layers: 3, features: 8);
        var input = TestNetworks.Input(network, Width, Height, 4);
        var frame = Frame(network, input, includeRetrace: true);
        using var engine = new NativeEngine(network, 16, 16);
        var enhancer = new CnnFrameEnhancer(new TiledEnhancer(engine, 16, 16));

        var result = enhancer.Enhance(frame);

        Assert.Equal((2 * Width, 2 * Height), (result.Width, result.Height));
        Assert.Equal(frame.Channels.Select(c => c.Descriptor.Key), result.Channels.Select(c => c.Descriptor.Key));
        Assert.Equal(TilingTests.FullFrame(network, input, Width, Height), result.GetChannel("Height").Data.ToArray());
        var current = new float[4 * Width * Height];
        BicubicUpsampler.Upsample(frame.GetChannel("Current").Data, Width, Height, current);
        Assert.Equal(current, result.GetChannel("Current").Data.ToArray());
        var retrace = new float[4 * Width * Height];
        BicubicUpsampler.Upsample(frame.GetChannel("Height", ScanDirection.Retrace).Data, Width, Height, retrace);
        Assert.Equal(retrace, result.GetChannel("Height", ScanDirection.Retrace).Data.ToArray());
        Assert.Equal($"{network.Name} (native)", result.Metadata["enhancer"]);
        Assert.Equal(2, enhancer.Scale);
    }

    [Fact]
    public void Enhance_ChannelsInAnotherOrder_MapsByName()
    {
        var network = TestNetworks.Random(9, channels: 2, layers: 2, features: 8);
        var input = TestNetworks.Input(network, Width, Height, 5);
        var frame = Frame(network, input, includeRetrace: false);
        var shuffled = new Frame(frame.Id, frame.Scan, frame.Channels.Reverse());
        using var engine = new NativeEngine(network, 32, 32);

        var result = new CnnFrameEnhancer(new TiledEnhancer(engine, 32, 32)).Enhance(shuffled);

        Assert.Equal(TilingTests.FullFrame(network, input, Width, Height), result.GetChannel("Height").Data.ToArray());
    }

    [Fact]
    public void Enhance_MissingChannel_ThrowsNamingIt()
    {
        var network = TestNetworks.Random(10, channels: 4, layers: 2);
        var input = TestNetworks.Input(network, Width, Height, 6);
        var full = Frame(network, input, includeRetrace: false);
        var withoutPotential = new Frame(full.Id, full.Scan, full.Channels.Where(c => c.Name != "Potential"));
        using var engine = new NativeEngine(network, 32, 32);

        var e = Assert.Throws<ArgumentException>(() => new CnnFrameEnhancer(new TiledEnhancer(engine, 32, 32)).Enhance(withoutPotential));

        Assert.Contains("'Potential'", e.Message, StringComparison.Ordinal);
        Assert.Contains(network.Name, e.Message, StringComparison.Ordinal);
    }

    private static Frame Frame(EnhancerNetwork network, float[] input, bool includeRetrace)
    {
        var plane = Width * Height;
        var channels = network.InputChannels
            .Select((name, c) => new Channel(new ChannelDescriptor(name, PhysicalUnit.Metre), Width, Height, input.AsSpan(c * plane, plane).ToArray()))
            .ToList();
        if (includeRetrace)
        {
            channels.Add(new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre, ScanDirection.Retrace), Width, Height, input.AsSpan(0, plane).ToArray()));
        }

        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = Width, PixelsY = Height, LineRateHz = 1 };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), scan, channels);
    }
}
