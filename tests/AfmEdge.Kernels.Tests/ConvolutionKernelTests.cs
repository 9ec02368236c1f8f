using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;
using ILGPU;
using ILGPU.Runtime;

namespace AfmEdge.Kernels.Tests;

/// <summary>The network kernels and the ILGPU engine against EnhancerReference on tiny inputs; run once per accelerator.</summary>
public abstract class ConvolutionKernelTests(AcceleratorFixture fixture)
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 5)]
    [InlineData(12, 9)]
    public void Run_RandomNetwork_MatchesReference(int width, int height)
    {
        var accelerator = AcceleratorOrSkip();
        var network = RandomNetwork.Create(width + height, channels: 4, layers: 3, features: 6);
        var input = RandomNetwork.Input(network, width, height, 1);
        using var engine = new IlgpuEngine(network, accelerator, 16, 16);
        var output = new float[4 * width * height];

        engine.Run(input, width, height, output);

        var planes = Enumerable.Range(0, 4).Select(c => input.AsSpan(c * width * height, width * height).ToArray()).ToArray();
        AssertClose(EnhancerReference.Run(network, planes, width, height)[0], output);
        Assert.Equal("ilgpu", engine.Name);
    }

    [Fact]
    public void Run_TwoOutputs_MatchesNativeEngine()
    {
        var accelerator = AcceleratorOrSkip();
        var network = RandomNetwork.Create(3, channels: 2, layers: 2, features: 4, outputs: 2);
        var input = RandomNetwork.Input(network, 9, 6, 2);
        using var engine = new IlgpuEngine(network, accelerator, 9, 6);
        using var native = new NativeEngine(network, 9, 6);
        var output = new float[2 * 4 * 9 * 6];
        var expected = new float[output.Length];

        engine.Run(input, 9, 6, output);
        native.Run(input, 9, 6, expected);

        AssertClose(expected, output);
    }

    [Fact]
    public void Convolve_OneLayer_MatchesReferenceConvolution()
    {
        var accelerator = AcceleratorOrSkip();
        var layer = RandomNetwork.Create(5, channels: 3, layers: 2, features: 5).Layers[0];
        const int W = 6, H = 4;
        var random = new Random(6);
        var planes = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, W * H).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()).ToArray();
        var kernels = new ConvolutionKernels(accelerator.Accelerator);
        using var input = accelerator.Accelerator.Allocate1D(planes.SelectMany(p => p).ToArray());
        using var weights = accelerator.Accelerator.Allocate1D(layer.Weights);
        using var bias = accelerator.Accelerator.Allocate1D(layer.Bias);
        using var output = accelerator.Accelerator.Allocate1D<float>(layer.OutChannels * W * H);

        kernels.Convolve(input.View, weights.View, bias.View, output.View, new ConvolutionShape(3, layer.OutChannels, W, H, 1, layer.NegativeSlope));
        accelerator.Accelerator.Synchronize();

        AssertClose([.. EnhancerReference.Convolve(layer, planes, W, H).SelectMany(p => p)], output.GetAsArray1D());
    }

    private KernelAccelerator AcceleratorOrSkip()
    {
        if (fixture.Accelerator is null)
        {
            Assert.Skip("No GPU accelerator: " + fixture.Reason);
        }

        return fixture.Accelerator;
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var range = Math.Max(expected.Max() - expected.Min(), 1e-30f);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * range, $"[{i}] expected {expected[i]}, got {actual[i]}");
        }
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorConvolutionKernelTests(CpuAcceleratorFixture fixture) : ConvolutionKernelTests(fixture);

[Trait("Category", "Gpu")]
[Collection(GpuAcceleratorCollection.Name)]
public sealed class GpuConvolutionKernelTests(GpuAcceleratorFixture fixture) : ConvolutionKernelTests(fixture);
