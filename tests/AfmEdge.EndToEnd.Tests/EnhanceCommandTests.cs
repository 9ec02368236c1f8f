using AfmEdge.Cli;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Formats.Gsf;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;

namespace AfmEdge.EndToEnd.Tests;

public sealed class EnhanceCommandTests : IDisposable
{
    private readonly DirectoryInfo _root = Scratch.Folder("afmedge-enhance-");

    [Fact]
    public async Task Enhance_SimulatedFolderWithFusionModel_WritesHeightAtTwicePixels()
    {
        var input = await SimulateAsync(32);
        var model = WriteModel("fusion-test", ["Height", "Current", "Potential", "Adhesion"]);
        var outDir = Path.Combine(_root.FullName, "out");
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await AfmEdgeCli.InvokeAsync(["enhance", input, "--out", outDir, "--model", model, "--engine", "ort", "--tile", "16"], output, error, TestContext.Current.CancellationToken);

        Assert.True(code == ExitCodes.Ok, error.ToString());
        var height = GsfReader.Read(Path.Combine(outDir, "Height.gsf"));
        var original = GsfReader.Read(Path.Combine(input, "Height.gsf"));
        Assert.Equal(64, height.Width);
        Assert.Equal(original.SizeX, height.SizeX, 1e-12);
        Assert.All(height.Channels[0].Data.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Contains("fusion-test", output.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outDir, "Current.gsf")), "the model outputs Height only");
    }

    [Fact]
    public async Task Enhance_SimulatedFolderWithBundledFusionModels_WritesEveryChannelAndSaysWhatItWasTrainedOn()
    {
        var input = await SimulateAsync(32);
        var outDir = Path.Combine(_root.FullName, "bundled");
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await AfmEdgeCli.InvokeAsync(
            ["enhance", input, "--out", outDir, "--models", Path.Combine(TestPaths.RepositoryRoot, "models")], output, error, TestContext.Current.CancellationToken);

        Assert.True(code == ExitCodes.Ok, error.ToString());
        foreach (var channel in new[] { "Height", "Current", "Potential", "Adhesion" })
        {
            var enhanced = GsfReader.Read(Path.Combine(outDir, channel + ".gsf"));
            Assert.Equal(64, enhanced.Width);
            Assert.All(enhanced.Channels[0].Data.ToArray(), v => Assert.True(float.IsFinite(v), channel));
        }

        // 32² over 20 µm (625 nm pixels): of the two fusion models, the one trained at the coarser pixel.
        Assert.Contains("Model 'fusion4-156nm' was trained on scans corrected by register:midpoint,register:probes,merge-retrace", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enhance_RealIgorFile_UsesItsHeightChannel()
    {
        var model = WriteModel("height-test", ["Height"]);
        var outDir = Path.Combine(_root.FullName, "igor");
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await AfmEdgeCli.InvokeAsync(
            ["enhance", SampleFiles.Path("IgorIBWReader_P0089OP0027.ibw"), "--out", outDir, "--model", model], output, error, TestContext.Current.CancellationToken);

        Assert.True(code == ExitCodes.Ok, error.ToString());
        Assert.Contains("Height from Height-retrace", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(512, GsfReader.Read(Path.Combine(outDir, "Height.gsf")).Width);
    }

    [Fact]
    public async Task Enhance_NoModelFits_ExitsTwoListingModels()
    {
        var models = Directory.CreateDirectory(Path.Combine(_root.FullName, "models")).FullName;
        File.Move(WriteModel("adhesion-only", ["Adhesion", "Potential"]), Path.Combine(models, "a.onnx"));
        var error = new StringWriter();

        var code = await AfmEdgeCli.InvokeAsync(
            ["enhance", SampleFiles.Path("GwiddionReader_chip.gsf"), "--out", Path.Combine(_root.FullName, "x"), "--models", models], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, code);
        Assert.Contains("no model fits", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("adhesion-only", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enhance_CorruptModel_ExitsTwoNamingIt()
    {
        var input = await SimulateAsync(16);
        var model = Path.Combine(_root.FullName, "broken.onnx");
        await File.WriteAllTextAsync(model, "definitely not protobuf", TestContext.Current.CancellationToken);
        var error = new StringWriter();

        var code = await AfmEdgeCli.InvokeAsync(["enhance", input, "--out", Path.Combine(_root.FullName, "y"), "--model", model], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, code);
        Assert.Contains("broken.onnx", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root.FullName, "y")));
    }

    [Fact]
    public async Task Enhance_FolderWithoutChannels_ExitsTwo()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_root.FullName, "empty")).FullName;
        await File.WriteAllTextAsync(Path.Combine(empty, "truth.json"), "{}", TestContext.Current.CancellationToken);
        var error = new StringWriter();

        var code = await AfmEdgeCli.InvokeAsync(["enhance", empty, "--out", Path.Combine(_root.FullName, "z")], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, code);
        Assert.Contains("Height.gsf", error.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => _root.Delete(recursive: true);

    private async Task<string> SimulateAsync(int pixels)
    {
        var dir = Path.Combine(_root.FullName, "sim" + pixels);
        var code = await AfmEdgeCli.InvokeAsync(
            ["simulate", "--seed", "5", "--pixels", pixels.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", dir], new StringWriter(), new StringWriter(), TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.Ok, code);
        return dir;
    }

    /// <summary>A small seeded network in physical units; its weights do not matter to the command.</summary>
    private string WriteModel(string name, string[] inputs)
    {
        var random = new Random(1);
        var first = new ConvLayer(inputs.Length, 4, [.. Enumerable.Range(0, inputs.Length * 36).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f)], new float[4], Activation.LeakyRelu, 0.1f);
        var last = new ConvLayer(4, 4, [.. Enumerable.Range(0, 144).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f)], new float[4], Activation.None, 0f);
        float[] means = [1e-7f, 1e-10f, 0.1f, 1e-9f];
        float[] stds = [5e-8f, 1e-10f, 0.05f, 5e-10f];
        var network = new EnhancerNetwork(name, inputs, [inputs[0]], [.. inputs.Select((_, i) => means[i])], [.. inputs.Select((_, i) => stds[i])], [first, last]);
        var path = Path.Combine(_root.FullName, name + ".onnx");
        OnnxModelWriter.Write(network, path);
        return path;
    }
}
