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
