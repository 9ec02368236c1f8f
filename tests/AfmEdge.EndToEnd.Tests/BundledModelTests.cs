using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Inference;
using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>
/// The bundled models are what the cards in models/ say they are (#8: 6–10 conv3×3 layers of 24–48 features, the two
/// models the same size), and the native engine runs them as ONNX Runtime does.
/// </summary>
public sealed class BundledModelTests
{
    public static TheoryData<string, int, int, int, long> Cards => new()
    {
        // name, input channels, output channels, parameters, MACs per input pixel (models/NAME.md, "Network").
        { "fusion4", 4, 4, 25192, 25056 },
        { "height1", 1, 1, 21940, 21816 },
    };

    [Theory]
    [MemberData(nameof(Cards))]
    public void BundledModel_HasTheSizeItsCardStates(string name, int inputs, int outputs, int parameters, long macsPerInputPixel)
    {
        var network = OnnxModelReader.Read(Path.Combine(TestPaths.RepositoryRoot, "models", name + ".onnx"));

        Assert.Equal(name, network.Name);
        Assert.Equal(inputs, network.InputChannels.Count);
        Assert.Equal(network.InputChannels.Take(outputs), network.OutputChannels);
        Assert.Equal(6, network.Layers.Count);
        Assert.Equal(inputs, network.Layers[0].InChannels);
        Assert.All(network.Layers.SkipLast(1), l => Assert.Equal(24, l.OutChannels));
        Assert.Equal(4 * outputs, network.Layers[^1].OutChannels);
        Assert.Equal(parameters, network.ParameterCount);
        Assert.Equal(macsPerInputPixel, network.MacsPerInputPixel);
        Assert.Equal(6, network.ReceptiveRadius);
    }

    [Theory]
    [InlineData("fusion4")]
    [InlineData("height1")]
    public void BundledModel_NativeEngine_AgreesWithOnnxRuntimeWithin1e4OfRange(string name)
    {
        const int Pixels = 48;
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.RepositoryRoot, "models", name + ".onnx"));
        var network = OnnxModelReader.Read(bytes, name);
        var input = RandomNetwork.Input(network, Pixels, Pixels, seed: 7);
        var expected = new float[network.OutputChannels.Count * 4 * Pixels * Pixels];
        var actual = new float[expected.Length];

        using (var ort = new OnnxRuntimeEngine(bytes, name, Pixels, Pixels, threads: 1))
        {
            ort.Run(input, Pixels, Pixels, expected);
        }

        using (var native = new NativeEngine(network, Pixels, Pixels, threads: 2))
        {
            native.Run(input, Pixels, Pixels, actual);
        }

        var range = expected.Max() - expected.Min();
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(range > 0, "the model's output is flat: nothing compared");
        Assert.True(worst <= 1e-4 * range, $"{name}: max |native − ort| = {worst:g3}, range {range:g3}");
    }
}
