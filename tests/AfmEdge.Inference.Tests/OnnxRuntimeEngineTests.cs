using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;

namespace AfmEdge.Inference.Tests;

public sealed class OnnxRuntimeEngineTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 5)]
    [InlineData(33, 17)]
    public void Run_FusionNetwork_EqualsReference(int width, int height)
    {
        var network = TestNetworks.Random(11, channels: 4, layers: 4, features: 8);
        var planes = TestNetworks.InputPlanes(network, width, height, 5);
        using var engine = new OnnxRuntimeEngine(OnnxModelWriter.ToBytes(network), "memory", 64, 64, threads: 1);
        var output = new float[4 * width * height];

        engine.Run([.. planes.SelectMany(p => p)], width, height, output);

        AssertClose(EnhancerReference.Run(network, planes, width, height)[0], output);
    }

    [Fact]
    public void Run_TwoOutputChannels_EachEqualsReference()
    {
        var network = TestNetworks.Random(4, channels: 2, layers: 3, features: 6, outputs: 2);
        var planes = TestNetworks.InputPlanes(network, 12, 9, 2);
        using var engine = new OnnxRuntimeEngine(OnnxModelWriter.ToBytes(network), "memory", 12, 9, threads: 2);
        var output = new float[2 * 4 * 12 * 9];

        engine.Run([.. planes.SelectMany(p => p)], 12, 9, output);

        var reference = EnhancerReference.Run(network, planes, 12, 9);
        AssertClose(reference[0], output.AsSpan(0, 4 * 12 * 9).ToArray());
        AssertClose(reference[1], output.AsSpan(4 * 12 * 9).ToArray());
    }

    [Fact]
    public void Run_ZeroWeights_GivesBicubic()
    {
        var network = TestNetworks.Random(1, channels: 1, layers: 2, features: 4);
        Array.Clear(network.Layers[^1].Weights);
        Array.Clear(network.Layers[^1].Bias);
        var planes = TestNetworks.InputPlanes(network, 10, 8, 1);
        using var engine = new OnnxRuntimeEngine(OnnxModelWriter.ToBytes(network), "memory", 10, 8, threads: 1);
        var output = new float[4 * 10 * 8];
        var bicubic = new float[4 * 10 * 8];

        engine.Run(planes[0], 10, 8, output);
        BicubicUpsampler.Upsample(planes[0], 10, 8, bicubic);

        AssertClose(bicubic, output);
    }

    [Fact]
    public void Run_TileLargerThanPrepared_IsRefused()
    {
        using var engine = new OnnxRuntimeEngine(
            OnnxModelWriter.ToBytes(TestNetworks.Random(1, channels: 1, layers: 2, features: 4)), "memory", 8, 8, threads: 1);

        var e = Assert.Throws<ArgumentException>(() => engine.Run(new float[9 * 8], 9, 8, new float[4 * 9 * 8]));

        Assert.Contains("9×8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_NamesThePath()
    {
        var e = Assert.Throws<OnnxModelException>(() => OnnxRuntimeEngine.Load("/nonexistent/model.onnx", 8, 8, 1));

        Assert.Contains("/nonexistent/model.onnx", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Within 1e-4 of the output's range, the figure the issue sets for engines agreeing.</summary>
    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var range = expected.Max() - expected.Min();
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 1e-4 * range, $"max |ort − reference| = {worst:g3}, range {range:g3}");
    }
}
