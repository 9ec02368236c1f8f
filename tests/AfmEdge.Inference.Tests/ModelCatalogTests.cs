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

    public void Dispose() => _directory.Delete(recursive: true);

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
