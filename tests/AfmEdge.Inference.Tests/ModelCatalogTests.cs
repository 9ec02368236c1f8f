using AfmEdge.Inference.Onnx;

namespace AfmEdge.Inference.Tests;

public sealed class ModelCatalogTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("afmedge-models-");

    [Fact]
    public void Select_AllChannels_PrefersFusion()
    {
        var catalog = CatalogWithFusionAndHeight();

        var chosen = catalog.Select(["Height", "Current", "Potential", "Adhesion"]);

        Assert.Equal("fusion", chosen?.Name);
    }

    [Fact]
    public void Select_HeightOnly_FallsBackToHeightModel()
    {
        var catalog = CatalogWithFusionAndHeight();

        Assert.Equal("height", catalog.Select(["Height", "Current"])?.Name);
        Assert.Null(catalog.Select(["Current"]));
    }

    [Fact]
    public void Load_BadFile_IsListedAsProblemAndOthersStillLoad()
    {
        CatalogWithFusionAndHeight();
        File.WriteAllText(Path.Combine(_directory.FullName, "broken.onnx"), "not a model");

        var catalog = ModelCatalog.Load(_directory.FullName);

        Assert.Equal(2, catalog.Models.Count);
        var problem = Assert.Single(catalog.Problems);
        Assert.Contains("broken.onnx", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFolder_SaysSo()
    {
        var catalog = ModelCatalog.Load(Path.Combine(_directory.FullName, "absent"));

        Assert.Empty(catalog.Models);
        Assert.Contains("does not exist", Assert.Single(catalog.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Find_ByNetworkOrFileName_FindsIt()
    {
        var catalog = CatalogWithFusionAndHeight();

        Assert.Equal("fusion", catalog.Find("fusion")?.Name);
        Assert.Equal("height", catalog.Find("height-file")?.Name);
        Assert.Null(catalog.Find("nothing"));
    }

    [Fact]
    public void ForSetting_FileNameOrAuto_SaysWhatIsRequested()
    {
        CatalogWithFusionAndHeight();
        var file = Path.Combine(_directory.FullName, "height-file.onnx");

        var (fromFile, fileRequest) = ModelCatalog.ForSetting(file, "/nonexistent");
        var (fromName, nameRequest) = ModelCatalog.ForSetting("fusion", _directory.FullName);
        var (auto, autoRequest) = ModelCatalog.ForSetting(null, _directory.FullName);

        Assert.Equal("height", fileRequest);
        Assert.Equal("height", Assert.Single(fromFile.Models).Name);
        Assert.Equal(("fusion", 2), (nameRequest, fromName.Models.Count));
        Assert.Equal((null, 2), (autoRequest, auto.Models.Count));
    }

    [Fact]
    public void ForSetting_UnreadableFile_ReportsTheProblem()
    {
        var broken = Path.Combine(_directory.FullName, "broken.onnx");
        File.WriteAllText(broken, "not a model");

        var (catalog, requested) = ModelCatalog.ForSetting(broken, _directory.FullName);

        Assert.Empty(catalog.Models);
        Assert.Contains("broken.onnx", Assert.Single(catalog.Problems), StringComparison.Ordinal);
        Assert.Equal(broken, requested);
    }

    [Theory]
    [InlineData(78e-9, "fine")]
    [InlineData(100e-9, "fine")]
    [InlineData(120e-9, "coarse")]
    [InlineData(400e-9, "coarse")]
    public void Select_WithPixelSize_PrefersTheModelTrainedNearestIt(double pixel, string expected)
    {
        // 256 target pixels over 10 µm: a 78.1 nm input pixel; over 20 µm: 156.3 nm. 110.5 nm is as far from either as a ratio.
        Write("fine", 4, Geometry(256, "10"));
        Write("coarse", 4, Geometry(256, "20"));
        Write("height", 1, Geometry(256, "20"));
        var catalog = ModelCatalog.Load(_directory.FullName);

        Assert.Equal(expected, catalog.Select(["Height", "Current", "Potential", "Adhesion"], pixel)?.Name);
        Assert.Equal(10e-6 / 128, catalog.Find("fine")!.InputPixelSize!.Value, 15);
        Assert.Equal("height", catalog.Select(["Height"], 78e-9)?.Name);
    }

    [Fact]
    public void Select_ModelWithoutTrainingPixel_ComesAfterThoseThatSayIt()
    {
        Write("a-unsaid", 4, null);
        Write("b-said", 4, Geometry(256, "20"));
        var catalog = ModelCatalog.Load(_directory.FullName);

        Assert.Null(catalog.Find("a-unsaid")!.InputPixelSize);
        Assert.Equal("b-said", catalog.Select(["Height", "Current", "Potential", "Adhesion"], 40e-9)?.Name);

        // No pixel, or none a frame can have (a file without a scan size): by name, as before.
        Assert.Equal("a-unsaid", catalog.Select(["Height", "Current", "Potential", "Adhesion"])?.Name);
        Assert.Equal("a-unsaid", catalog.Select(["Height", "Current", "Potential", "Adhesion"], 0)?.Name);
        Assert.Equal("a-unsaid", catalog.Select(["Height", "Current", "Potential", "Adhesion"], double.NaN)?.Name);
    }

    [Theory]
    [InlineData("256", null, "datasetPixels without fieldSizeUm")]
    [InlineData("255", "10", "datasetPixels = '255' must be an even number")]
    [InlineData("256", "-10", "fieldSizeUm = '-10' must be a positive number")]
    [InlineData("many", "10", "datasetPixels = 'many'")]
    public void Load_BadTrainingPixelMetadata_IsAProblemNamingModelAndEntry(string pixels, string? field, string message)
    {
        var metadata = new Dictionary<string, string> { ["datasetPixels"] = pixels };
        if (field is not null)
        {
            metadata["fieldSizeUm"] = field;
        }

        Write("odd", 4, metadata);
        Write("good", 4, Geometry(256, "10"));
        var catalog = ModelCatalog.Load(_directory.FullName);

        Assert.Equal("good", Assert.Single(catalog.Models).Name);
        var problem = Assert.Single(catalog.Problems);
        Assert.Contains("Model 'odd'", problem, StringComparison.Ordinal);
        Assert.Contains(message, problem, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static Dictionary<string, string> Geometry(int pixels, string fieldUm) =>
        new() { ["datasetPixels"] = pixels.ToString(System.Globalization.CultureInfo.InvariantCulture), ["fieldSizeUm"] = fieldUm };

    private void Write(string name, int channels, Dictionary<string, string>? metadata)
    {
        var n = TestNetworks.Random(channels, channels: channels, layers: 2, features: 4);
        OnnxModelWriter.Write(new Network.EnhancerNetwork(name, n.InputChannels, n.OutputChannels, n.Mean, n.Std, n.Layers, metadata), Path.Combine(_directory.FullName, name + ".onnx"));
    }

    private ModelCatalog CatalogWithFusionAndHeight()
    {
        var fusion = TestNetworks.Random(1, channels: 4, layers: 2, features: 4);
        var height = TestNetworks.Random(2, channels: 1, layers: 2, features: 4);
        OnnxModelWriter.Write(Rename(fusion, "fusion"), Path.Combine(_directory.FullName, "fusion-file.onnx"));
        OnnxModelWriter.Write(Rename(height, "height"), Path.Combine(_directory.FullName, "height-file.onnx"));
        return ModelCatalog.Load(_directory.FullName);
    }

    private static Network.EnhancerNetwork Rename(Network.EnhancerNetwork n, string name) =>
        new(name, n.InputChannels, n.OutputChannels, n.Mean, n.Std, n.Layers, n.Metadata);
}
