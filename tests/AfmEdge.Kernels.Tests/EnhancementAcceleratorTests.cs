using AfmEdge.Inference;
using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;

namespace AfmEdge.Kernels.Tests;

/// <summary>The enhancement accelerator by name, and engines made on it held to the native engine (tiled, as the host runs them).</summary>
public sealed class EnhancementAcceleratorTests
{
    [Fact]
    public void TryOpen_IlgpuCpu_TiledEngineMatchesTheNativeEngine()
    {
        Assert.True(EnhancementAccelerator.TryOpen(ProcessingAccelerator.IlgpuCpu, out var accelerator, out var reason), reason);
        using (accelerator)
        {
            Assert.Equal(ProcessingAccelerator.IlgpuCpu, accelerator!.Name);
            Assert.False(accelerator.IsGpu);
            AssertTiledMatchesNative(accelerator, RandomNetwork.Create(4, channels: 2, layers: 2, features: 4), 20, 13, tileSize: 8);
        }
    }

    [Trait("Category", "Gpu")]
    [Fact]
    public void TryOpen_AutoOnGpu_TiledEngineMatchesTheNativeEngine()
    {
        if (!EnhancementAccelerator.TryOpen(ProcessingAccelerator.Auto, out var accelerator, out var reason))
        {
            Assert.Skip("No GPU accelerator: " + reason);
        }

        using (accelerator)
        {
            Assert.True(accelerator!.IsGpu);
            Assert.Matches("^(cuda|opencl) ", accelerator.Name);
            // The design figure (8 layers of 32 features) and the bundled models' shape (6 layers of 24: three
            // output blocks of eight in the native engine) on a frame of four 128² tiles.
            AssertTiledMatchesNative(accelerator, RandomNetwork.Create(5, channels: 4, layers: 8, features: 32), 256, 256, tileSize: 128);
            AssertTiledMatchesNative(accelerator, RandomNetwork.Create(6, channels: 4, layers: 6, features: 24), 256, 256, tileSize: 128);
        }
    }

    [Fact]
    public void TryOpen_UnknownName_ThrowsNamingTheChoices()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => EnhancementAccelerator.TryOpen("cpu", out _, out _));

        Assert.Contains("use one of auto, cuda, opencl, ilgpu-cpu", error.Message, StringComparison.Ordinal);
    }

    private static void AssertTiledMatchesNative(EnhancementAccelerator accelerator, EnhancerNetwork network, int width, int height, int tileSize)
    {
        var input = RandomNetwork.Input(network, width, height, 3);
        var planes = Enumerable.Range(0, network.InputChannels.Count).Select(c => input.AsSpan(c * width * height, width * height).ToArray()).ToArray();
        var side = TiledEnhancer.MaxTileSide(network, tileSize);
        var expected = new[] { new float[4 * width * height] };
        var actual = new[] { new float[4 * width * height] };
        using var native = new NativeEngine(network, side, side);
        using var ilgpu = accelerator.CreateEngine(network, side, side);

        new TiledEnhancer(native, tileSize).Enhance(planes, width, height, expected);
        new TiledEnhancer(ilgpu, tileSize).Enhance(planes, width, height, actual);

        var range = expected[0].Max() - expected[0].Min();
        var worst = expected[0].Zip(actual[0], (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 1e-4 * range, $"max |native − ilgpu| {worst:E3} is more than 1e-4 of the range {range:E3}");
    }
}
