using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Inference;
using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>
/// The bundled models are what the cards in models/ say they are (#8: 6–10 conv3×3 layers of 24–48 features, the
/// models the same size), and the native engine runs them as ONNX Runtime does; the host picks fusion4-156nm for
/// `afmedge run`'s own frames and fusion4 for #9's.
/// </summary>
public sealed class BundledModelTests
{
    public static TheoryData<string, int, int, int, long> Cards => new()
    {
        // name, input channels, output channels, parameters, MACs per input pixel (models/NAME.md, "Network").
        { "fusion4", 4, 4, 25192, 25056 },
        { "fusion4-156nm", 4, 4, 25192, 25056 },
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
    [InlineData(10, 128, "fusion4")]
    [InlineData(20, 256, "fusion4")]
    [InlineData(20, 128, "fusion4-156nm")]
    [InlineData(40, 256, "fusion4-156nm")]
    public void BundledModels_ForAFrame_TheHostPicksTheOneTrainedNearestItsPixel(double fieldUm, int pixels, string expected)
    {
        // afmedge run scans 128² over 20 µm (156 nm); #9's eval enhances the 256² half scan of 512² over 20 µm (78 nm).
        var catalog = ModelCatalog.Load(Path.Combine(TestPaths.RepositoryRoot, "models"));

        Assert.Empty(catalog.Problems);
        Assert.Equal(expected, catalog.Select(["Height", "Current", "Potential", "Adhesion"], fieldUm * 1e-6 / pixels)?.Name);
        Assert.Equal("height1", catalog.Select(["Height"], fieldUm * 1e-6 / pixels)?.Name);
    }

    [Theory]
    [InlineData("fusion4")]
    [InlineData("fusion4-156nm")]
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
