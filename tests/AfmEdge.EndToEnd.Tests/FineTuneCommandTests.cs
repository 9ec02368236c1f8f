using AfmEdge.Cli;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Inference.Onnx;
using AfmEdge.Inference.Training;

namespace AfmEdge.EndToEnd.Tests;

public sealed class FineTuneCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Scratch.Folder("afmedge-finetune-cli-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(args, output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    private string TinyModel()
    {
        var path = Path.Combine(_folder.FullName, "tiny.onnx");
        OnnxModelWriter.Write(
            EnhancerTrainer.CreateNetwork(new TrainerOptions { Name = "tiny", Layers = 2, Features = 4, Seed = 2, Normalisation = InputNormalisation.Frame }, [0f], [1e-7f]),
            path);
        return path;
    }

    [Fact]
    public async Task FineTune_SimulatedTraceRetraceFrames_ReportsTheHeldBackLossesAndWritesAnAcceptedModel()
    {
        var model = TinyModel();
        var output = Path.Combine(_folder.FullName, "tuned.onnx");

        var (exit, text, error) = await RunAsync(
            "finetune", "--model", model, "--seeds", "1-3", "--pixels", "64", "--patch", "16", "--steps", "15", "--learning-rate", "0.003",
            "--hold-back-every", "3", "--min-improvement", "0", "--out", output);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("seed 1: held back pair", text, StringComparison.Ordinal);
        Assert.Contains("seed 2: training pair", text, StringComparison.Ordinal);
        Assert.Contains("held-back loss (MSE vs registered retrace", text, StringComparison.Ordinal);
        // A fresh tiny network starts with a random residual; 15 steps remove most of it.
        Assert.Contains(": accepted", text, StringComparison.Ordinal);
        Assert.Contains("held-back loss vs the noise-free retrace (the simulator's twin scan, 1 frames)", text, StringComparison.Ordinal);
        var tuned = OnnxModelReader.Read(output);
        Assert.Equal("tiny", tuned.Metadata[NoiseToNoiseFineTuner.MetadataPrefix + "from"]);
        Assert.Equal("2", tuned.Metadata[NoiseToNoiseFineTuner.MetadataPrefix + "trainingPairs"]);
    }

    [Fact]
    public async Task FineTune_NeitherSeedsNorFrames_IsBadUsage()
    {
        var (exit, _, error) = await RunAsync("finetune", "--model", TinyModel(), "--steps", "0");

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("either --seeds A-B or --frames DIR", error, StringComparison.Ordinal);
        Assert.Contains("Steps = 0: must be", error, StringComparison.Ordinal);
    }
}
