using AfmEdge.Cli;
using AfmEdge.Core;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Formats.Gsf;
using AfmEdge.Formats;
using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;
using AfmEdge.Inference;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>`afmedge enhance` on .gsf input streams it; these check it writes what the in-memory enhancer gives, byte for byte.</summary>
public sealed class StreamedEnhanceTests : IDisposable
{
    private const int Width = 44;
    private const int Height = 37;
    private const int Tile = 16;

    private readonly DirectoryInfo _root = Scratch.Folder("afmedge-streamed-");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Enhance_ChannelFolderWithNaN_WritesBitwiseWhatCnnFrameEnhancerGives(bool perFrame)
    {
        var input = WriteFolder("in", "Height");
        var model = WriteModel(perFrame);
        var outDir = Path.Combine(_root.FullName, "out");
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await AfmEdgeCli.InvokeAsync(
            ["enhance", input, "--out", outDir, "--model", model, "--engine", "native", "--tile", "16", "--threads", "2"], output, error, TestContext.Current.CancellationToken);

        Assert.True(code == ExitCodes.Ok, error.ToString());
        Assert.Equal(Held(ChannelFolder.Open(input), model, "Height"), await File.ReadAllBytesAsync(Path.Combine(outDir, "Height.gsf"), TestContext.Current.CancellationToken));
        Assert.Equal(["Height.gsf"], Directory.GetFiles(outDir).Select(Path.GetFileName));
        Assert.Contains($"Enhanced {Width}×{Height} → {2 * Width}×{2 * Height} with model 'streamed-test'", output.ToString(), StringComparison.Ordinal);
        Assert.True(float.IsNaN(GsfReader.Read(Path.Combine(outDir, "Height.gsf")).Channels[0][(2 * 7) + 1, 2 * 5]));
    }

    [Fact]
    public async Task Enhance_SingleGsfTitledTopography_StreamsItAsHeight()
    {
        var folder = WriteFolder("single", "Topography");
        File.Delete(Path.Combine(folder, "Current.gsf"));
        var input = Path.Combine(folder, "Topography.gsf");
        var model = WriteModel(perFrame: true, ["Height"]);
        var outDir = Path.Combine(_root.FullName, "single-out");
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await AfmEdgeCli.InvokeAsync(
            ["enhance", input, "--out", outDir, "--model", model, "--engine", "native", "--tile", "16"], output, error, TestContext.Current.CancellationToken);

        Assert.True(code == ExitCodes.Ok, error.ToString());
        Assert.Contains("Height from Topography", output.ToString(), StringComparison.Ordinal);
        var read = GsfReader.Read(input);
        var asHeight = new Frame(read.Id, read.Scan, [new Channel(read.Channels[0].Descriptor with { Name = "Height" }, Width, Height, read.Channels[0].Data.ToArray())]);
        Assert.Equal(Held(asHeight, model, "Height"), await File.ReadAllBytesAsync(Path.Combine(outDir, "Height.gsf"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Enhance_ResultCannotTakeItsName_ExitsOneLeavingNoPartialFiles()
    {
        var input = WriteFolder("in", "Height");
        var model = WriteModel(perFrame: false);
        var outDir = Directory.CreateDirectory(Path.Combine(_root.FullName, "blocked")).FullName;
        Directory.CreateDirectory(Path.Combine(outDir, "Height.gsf"));
        var error = new StringWriter();

        var code = await AfmEdgeCli.InvokeAsync(
            ["enhance", input, "--out", outDir, "--model", model, "--engine", "native", "--tile", "16"], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.RuntimeFailure, code);
        Assert.Contains("cannot write", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(["Height.gsf"], Directory.GetFileSystemEntries(outDir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Enhance_ModelNeedsAChannelTheFolderLacks_SaysSoAsTheHeldPathDoes()
    {
        var input = WriteFolder("in", "Height");
        var model = WriteModel(perFrame: false, ["Height", "Adhesion"]);
        var outDir = Path.Combine(_root.FullName, "none");
        var error = new StringWriter();

        var code = await AfmEdgeCli.InvokeAsync(
            ["enhance", input, "--out", outDir, "--model", model, "--engine", "native", "--tile", "16"], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, code);
        var frame = ChannelFolder.Open(input);
        var expected = CnnFrameEnhancer.MissingInputChannel(frame.Id, OnnxModelReader.Read(model), "Adhesion", frame.Channels.Select(c => c.Descriptor.Key)).Message;
        Assert.Contains($"model 'streamed-test' cannot enhance this frame: {expected}", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    public void Dispose() => _root.Delete(recursive: true);

    /// <summary>The .gsf bytes the in-memory path writes for output <paramref name="name"/>.</summary>
    private static byte[] Held(Frame frame, string modelPath, string name)
    {
        var network = OnnxModelReader.Read(modelPath);
        var side = TiledEnhancer.MaxTileSide(network, Tile);
        using var enhancer = new CnnFrameEnhancer(new NativeEngine(network, side, side, threads: 2), Tile);
        var enhanced = enhancer.Enhance(frame);
        using var stream = new MemoryStream();
        GsfWriter.Write(stream, enhanced.GetChannel(name), enhanced.SizeX, enhanced.SizeY, name, enhanced.Scan.OffsetX, enhanced.Scan.OffsetY);
        return stream.ToArray();
    }

    /// <summary>Height (named <paramref name="heightName"/>) and Current far from the model's statistics, with a NaN at (7, 5).</summary>
    private string WriteFolder(string folder, string heightName)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root.FullName, folder)).FullName;
        var height = new float[Width * Height];
        var current = new float[Width * Height];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                height[(y * Width) + x] = 2e-6f + (3e-8f * MathF.Sin((x * 0.4f) + (y * 0.13f))) + (1e-9f * y);
                current[(y * Width) + x] = 4e-9f * MathF.Cos((x * 0.21f) - (y * 0.3f));
            }
        }

        height[(5 * Width) + 7] = float.NaN;
        GsfWriter.Write(Path.Combine(directory, heightName + ".gsf"), new Channel(new ChannelDescriptor(heightName, PhysicalUnit.Metre), Width, Height, height),
            5e-6, 5e-6 * Height / Width, heightName, offsetX: 1e-6);
        GsfWriter.Write(Path.Combine(directory, "Current.gsf"), new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), Width, Height, current),
            5e-6, 5e-6 * Height / Width, "Current", offsetX: 1e-6);
        return directory;
    }

    private string WriteModel(bool perFrame, string[]? inputs = null)
    {
        inputs ??= ["Height", "Current"];
        var n = RandomNetwork.Create(8, inputs.Length, layers: 4, features: 6);
        float[] means = [1e-7f, 1e-10f];
        float[] stds = [5e-8f, 1e-10f];
        var metadata = perFrame ? new Dictionary<string, string> { [FrameNormalisation.MetadataKey] = FrameNormalisation.PerFrame } : null;
        var network = new EnhancerNetwork("streamed-test", inputs, [inputs[0]], [.. inputs.Select((_, i) => means[i % 2])], [.. inputs.Select((_, i) => stds[i % 2])], n.Layers, metadata);
        var path = Path.Combine(_root.FullName, $"model-{perFrame}-{inputs.Length}-{inputs[^1]}.onnx");
        OnnxModelWriter.Write(network, path);
        return path;
    }
}
