using System.Runtime.InteropServices;
using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Tests;

/// <summary>
/// The fused schedule (all layers down the tile in rolling bands, hidden activations in rings) against the layer-by-layer
/// schedule over whole-tile buffers: the same blocks by the same operations, so the same bits.
/// </summary>
public sealed class NativeScheduleTests
{
    [Theory]
    [InlineData(1, 1, 4, 3, 0, 1)]
    [InlineData(7, 5, 1, 4, 0, 1)]
    [InlineData(33, 17, 2, 5, 0, 2)]
    [InlineData(40, 61, 3, 6, 0, 3)]
    [InlineData(29, 45, 4, 8, 256, 2)]
    [InlineData(19, 50, 4, 2, 128, 1)]
    [InlineData(66, 9, 3, 7, 0, 3)]
    [InlineData(13, 70, 1, 1, 0, 2)]
    public void Run_Fused_EqualsLayerByLayerBitwise(int width, int height, int channels, int layers, int vectorBits, int threads)
    {
        var network = TestNetworks.Random((width * 7) + height, channels, layers, features: 12);
        var input = TestNetworks.Input(network, width, height, 3);
        using var fused = new NativeEngine(network, width + 5, height + 2, threads, vectorBits);
        using var reference = new NativeEngine(network, width, height, 1, vectorBits, LayerSchedule.LayerByLayer);

        Assert.Equal(Bits(Run(reference, input, width, height)), Bits(Run(fused, input, width, height)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Run_FusedSmallerTileAfterLargerOne_EqualsLayerByLayerBitwise(int threads)
    {
        // The larger tile leaves samples in the rings and whole-tile buffers where the smaller one's padding must be zero.
        var network = TestNetworks.Random(21, channels: 3, layers: 5, features: 8);
        using var fused = new NativeEngine(network, 52, 47, threads);
        Run(fused, TestNetworks.Input(network, 52, 47, 1), 52, 47);
        var small = TestNetworks.Input(network, 23, 14, 2);
        using var reference = new NativeEngine(network, 23, 14, 1, 0, LayerSchedule.LayerByLayer);

        Assert.Equal(Bits(Run(reference, small, 23, 14)), Bits(Run(fused, small, 23, 14)));
    }

    [Fact]
    public void Run_FusedTwoOutputChannels_EqualsLayerByLayerBitwise()
    {
        var network = TestNetworks.Random(9, channels: 2, layers: 4, features: 16, outputs: 2);
        var input = TestNetworks.Input(network, 38, 27, 2);
        using var fused = new NativeEngine(network, 38, 27, 2);
        using var reference = new NativeEngine(network, 38, 27, 1, 0, LayerSchedule.LayerByLayer);

        Assert.Equal(Bits(Run(reference, input, 38, 27)), Bits(Run(fused, input, 38, 27)));
    }

    [Fact]
    public void Run_LayerByLayer_MatchesReference()
    {
        var network = TestNetworks.Random(5, layers: 4, features: 12);
        var input = TestNetworks.Input(network, 31, 22, 4);
        using var engine = new NativeEngine(network, 31, 22, 2, 0, LayerSchedule.LayerByLayer);

        var output = Run(engine, input, 31, 22);

        var expected = EnhancerReference.Run(network, TestNetworks.Planes(input, 4, 31 * 22), 31, 22);
        Assert.True(TestNetworks.RelativeError(expected, output) <= 1e-4, $"error {TestNetworks.RelativeError(expected, output):E2}");
    }

    [Fact]
    public void Constructor_UnknownSchedule_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new NativeEngine(TestNetworks.Random(1), 8, 8, 1, 0, (LayerSchedule)7));
        Assert.Equal("schedule", error.ParamName);
    }

    private static float[] Run(NativeEngine engine, float[] input, int width, int height)
    {
        var output = new float[engine.Network.OutputChannels.Count * 4 * width * height];
        engine.Run(input, width, height, output);
        return output;
    }

    private static int[] Bits(float[] values) => MemoryMarshal.Cast<float, int>(values).ToArray();
}
