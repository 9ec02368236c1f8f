using AfmEdge.Core;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Host.Enhancement;
using AfmEdge.Host.Options;
using AfmEdge.Inference;
using Microsoft.Extensions.Logging;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>Models replaced while the host runs: a good one is taken from the next frame, a bad one keeps the previous model.</summary>
public sealed class ModelReloadTests : IDisposable
{
    private const int Tile = 32;
    private readonly DirectoryInfo _folder = Scratch.Folder("afmedge-models-");
    private readonly CapturingLogger<ModelSelectingEnhancer> _log = new();

    private static string BundledHeightModel => Path.Combine(TestPaths.RepositoryRoot, "models", "height1.onnx");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Reload_CorruptCopyOfTheModelInUse_KeepsThePreviousModel()
    {
        var path = Path.Combine(_folder.FullName, "height1.onnx");
        File.Copy(BundledHeightModel, path);
        using var enhancer = CreateEnhancer();
        var frame = HeightFrame(seed: 1);
        var before = enhancer.Enhance(frame).Channels[0].Data.ToArray();

        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        enhancer.Reload(ModelCatalog.Load(_folder.FullName));
        var after = enhancer.Enhance(frame).Channels[0].Data.ToArray();

        Assert.Equal(1, enhancer.ReloadsApplied);
        Assert.Equal(before, after);
        Assert.Contains(_log.Lines, l => l.Contains("keeping the copy loaded before", StringComparison.Ordinal) && l.Contains("height1", StringComparison.Ordinal));
        Assert.Contains(_log.Lines, l => l.Contains("height1.onnx", StringComparison.Ordinal) && l.Contains("Using the previous model", StringComparison.Ordinal));
    }

    [Fact]
    public void Reload_ModelAddedToAnEmptyFolder_EnhancesTheNextFrameWithIt()
    {
        using var enhancer = CreateEnhancer();
        var frame = HeightFrame(seed: 2);
        var bicubic = enhancer.Enhance(frame).Channels[0].Data.ToArray();
        Assert.Equal(new BicubicUpsampler().Enhance(frame).Channels[0].Data.ToArray(), bicubic);

        File.Copy(BundledHeightModel, Path.Combine(_folder.FullName, "height1.onnx"));
        enhancer.Reload(ModelCatalog.Load(_folder.FullName));
        var enhanced = enhancer.Enhance(frame).Channels[0].Data.ToArray();

        Assert.Equal(ExpectedCnn(frame), enhanced);
        Assert.Contains(_log.Lines, l => l.Contains("replaced by height1/native", StringComparison.Ordinal));
    }

    [Fact]
    public void Reload_ModelFileDeleted_KeepsEnhancingWithTheModelInUse()
    {
        var path = Path.Combine(_folder.FullName, "height1.onnx");
        File.Copy(BundledHeightModel, path);
        using var enhancer = CreateEnhancer();
        var frame = HeightFrame(seed: 3);
        var before = enhancer.Enhance(frame).Channels[0].Data.ToArray();

        File.Delete(path);
        enhancer.Reload(ModelCatalog.Load(_folder.FullName));

        Assert.Equal(before, enhancer.Enhance(frame).Channels[0].Data.ToArray());
    }

    [Fact]
    public async Task Watcher_ModelCopiedIntoTheFolder_ReachesTheEnhancer()
    {
        using var enhancer = CreateEnhancer();
        var frame = HeightFrame(seed: 4);
        var options = Microsoft.Extensions.Options.Options.Create(new AfmEdgeOptions());
        options.Value.Enhancement.ModelDirectory = _folder.FullName;
        using var watcher = new ModelFolderWatcher(enhancer, options, TimeProvider.System, new CapturingLogger<ModelFolderWatcher>());
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        await watcher.Watching.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        try
        {
            // Written in two steps, as a slow copy would be: the half-written file must not end the wait.
            var path = Path.Combine(_folder.FullName, "height1.onnx");
            var bytes = await File.ReadAllBytesAsync(BundledHeightModel, TestContext.Current.CancellationToken);
            await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)], TestContext.Current.CancellationToken);
            await File.WriteAllBytesAsync(path, bytes, TestContext.Current.CancellationToken);

            var expected = ExpectedCnn(frame);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            float[] latest;
            do
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
                latest = enhancer.Enhance(frame).Channels[0].Data.ToArray();
            }
            while (!latest.AsSpan().SequenceEqual(expected) && DateTime.UtcNow < deadline);

            Assert.Equal(expected, latest);
        }
        finally
        {
            await watcher.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Theory]
    [InlineData("register:midpoint,level-masked:plane@Height", true)]
    [InlineData("register:midpoint", false)]
    public void Choose_ModelTrainedOnOtherCorrections_WarnsNamingBoth(string hostSteps, bool warned)
    {
        // height1 as a model trained on scans corrected by register:midpoint alone would be.
        var network = AfmEdge.Inference.Onnx.OnnxModelReader.Read(BundledHeightModel);
        var metadata = new Dictionary<string, string>(network.Metadata) { [AfmEdge.Inference.Network.TrainingAcquisition.MetadataKey] = "register:midpoint" };
        AfmEdge.Inference.Onnx.OnnxModelWriter.Write(
            new AfmEdge.Inference.Network.EnhancerNetwork(network.Name, network.InputChannels, network.OutputChannels, network.Mean, network.Std, network.Layers, metadata),
            Path.Combine(_folder.FullName, "height1.onnx"));
        using var enhancer = new ModelSelectingEnhancer(ModelCatalog.Load(_folder.FullName), requestedModel: null,
            model => EngineFactory.CreateEnhancer("native", model, Tile, threads: 1), _log) { ProcessingSteps = hostSteps };

        enhancer.Enhance(HeightFrame(seed: 5));

        var warning = $"Model 'height1' was trained on scans corrected by register:midpoint; this host corrects them by {hostSteps} (Processing:Steps)";
        Assert.Equal(warned, _log.Lines.Any(l => l.Contains(warning, StringComparison.Ordinal)));
        Assert.Contains(_log.Lines, l => l.Contains("with model 'height1'", StringComparison.Ordinal));
    }

    [Fact]
    public void Enhance_FramesOfTwoPixelSizes_EachGetsTheModelTrainedNearestIt()
    {
        // height1 twice, as trained at 78 nm (256 target pixels over 10 µm) and at 156 nm (over 20 µm).
        var network = AfmEdge.Inference.Onnx.OnnxModelReader.Read(BundledHeightModel);
        foreach (var (name, field) in new[] { ("fine", "10"), ("coarse", "20") })
        {
            var metadata = new Dictionary<string, string>(network.Metadata) { ["datasetPixels"] = "256", ["fieldSizeUm"] = field };
            AfmEdge.Inference.Onnx.OnnxModelWriter.Write(
                new AfmEdge.Inference.Network.EnhancerNetwork(name, network.InputChannels, network.OutputChannels, network.Mean, network.Std, network.Layers, metadata),
                Path.Combine(_folder.FullName, name + ".onnx"));
        }

        using var enhancer = CreateEnhancer();

        // 40 pixels over 3.2 µm: 80 nm; over 6 µm: 150 nm; and 80 nm again, which keeps its engine.
        enhancer.Enhance(HeightFrame(seed: 6, sizeUm: 3.2));
        enhancer.Enhance(HeightFrame(seed: 7, sizeUm: 6));
        enhancer.Enhance(HeightFrame(seed: 8, sizeUm: 3.2));

        var chosen = _log.Lines.Where(l => l.Contains("Enhancing frames [Height; ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, chosen.Count);
        Assert.Contains("model 'fine'", chosen[0], StringComparison.Ordinal);
        Assert.Contains("Height; 80 nm pixels", chosen[0], StringComparison.Ordinal);
        Assert.Contains("model 'coarse'", chosen[1], StringComparison.Ordinal);
        Assert.Contains("Height; 150 nm pixels", chosen[1], StringComparison.Ordinal);
    }

    private ModelSelectingEnhancer CreateEnhancer() =>
        new(ModelCatalog.Load(_folder.FullName), requestedModel: null, model => EngineFactory.CreateEnhancer("native", model, Tile, threads: 1), _log);

    private static float[] ExpectedCnn(Frame frame)
    {
        var model = Assert.Single(ModelCatalog.OfFile(BundledHeightModel).Models);
        using var direct = EngineFactory.CreateEnhancer("native", model, Tile, threads: 1);
        return direct.Enhance(frame).Channels[0].Data.ToArray();
    }

    private static Frame HeightFrame(int seed, double sizeUm = 5)
    {
        const int Pixels = 40;
        var random = new Random(seed);
        var data = new float[Pixels * Pixels];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(100e-9 * Math.Sin(i % Pixels * 0.3) * Math.Cos(i / Pixels * 0.2) + (2e-9 * random.NextDouble()));
        }

        var scan = new ScanSettings { SizeX = sizeUm * 1e-6, SizeY = sizeUm * 1e-6, PixelsX = Pixels, PixelsY = Pixels, LineRateHz = 1 };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, seed), scan, [new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), Pixels, Pixels, data)]);
    }
}
