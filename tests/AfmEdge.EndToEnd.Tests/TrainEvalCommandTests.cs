using AfmEdge.Cli;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Inference.Onnx;

namespace AfmEdge.EndToEnd.Tests;

public sealed class TrainEvalCommandTests
{
    private const string TinyConfig = """
        {
          "name": "tiny",
          "channels": ["Height", "Current"],
          "layers": 2, "features": 4, "patch": 16, "batch": 2, "steps": 3, "warmupSteps": 1, "validateEvery": 2,
          "dataset": { "pixels": 48, "trainSeeds": "1000-1002", "validationSeeds": "900-900" }
        }
        """;

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(args, output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    private static string WriteConfig(string json)
    {
        var path = Path.Combine(Scratch.Folder("afmedge-train-").FullName, "config.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task Train_TinyConfig_WritesOnnxThatEvalScoresOnUnseenSeeds()
    {
        var config = WriteConfig(TinyConfig);
        var models = Path.Combine(Path.GetDirectoryName(config)!, "models");
        var model = Path.Combine(models, "tiny.onnx");

        var (exit, output, error) = await RunAsync("train", "--config", config, "--out", model);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("val PSNR", output, StringComparison.Ordinal);
        var network = OnnxModelReader.Read(model);
        Assert.Equal(["Height", "Current"], network.InputChannels);
        Assert.Equal("1000-1002", network.Metadata["trainSeeds"]);

        var (evalExit, json, evalError) = await RunAsync("eval", "--seeds", "1-2", "--models", models, "--json");
        Assert.True(evalExit == ExitCodes.Ok, evalError);
        Assert.Contains("\"bicubic\"", json, StringComparison.Ordinal);
        Assert.Contains("\"tiny\"", json, StringComparison.Ordinal);

        var (overlapExit, _, overlapError) = await RunAsync("eval", "--seeds", "999-1000", "--models", models);
        Assert.Equal(ExitCodes.BadUsageOrConfig, overlapExit);
        Assert.Contains("overlaps trainSeeds = 1000-1002", overlapError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_ScanDownVariedPairs_WritesAPerFrameHeightModel()
    {
        var config = WriteConfig(TinyConfig
            .Replace("[\"Height\", \"Current\"]", "[\"Height\"], \"normalisation\": \"Frame\", \"augment\": \"FlipX\"", StringComparison.Ordinal)
            .Replace("\"900-900\"", "\"900-900\", \"pairs\": \"ScanDown\", \"varied\": true", StringComparison.Ordinal));
        var model = Path.Combine(Path.GetDirectoryName(config)!, "scan.onnx");

        var (exit, _, error) = await RunAsync("train", "--config", config, "--out", model);

        Assert.True(exit == ExitCodes.Ok, error);
        var network = OnnxModelReader.Read(model);
        Assert.True(AfmEdge.Inference.Network.FrameNormalisation.IsPerFrame(network));
        Assert.Equal("ScanDown", network.Metadata["pairs"]);
        Assert.Equal("true", network.Metadata["variedSpecimens"]);
    }

    [Fact]
    public async Task Train_FieldDecoys_RecordsThemInTheModel()
    {
        var config = WriteConfig(TinyConfig.Replace("\"layers\": 2,", "\"decoyProbability\": 0.5, \"decoyChannels\": [\"Current\"], \"layers\": 2,", StringComparison.Ordinal));
        var model = Path.Combine(Path.GetDirectoryName(config)!, "decoys.onnx");

        var (exit, _, error) = await RunAsync("train", "--config", config, "--out", model);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.StartsWith("p 0.5 on [Current], ±3 σ", OnnxModelReader.Read(model).Metadata["fieldDecoys"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_CorrectedScans_RecordsTheCorrectionsAndEvalScoresOnScansCorrectedAlike()
    {
        const string Steps = "register:midpoint,register:probes,merge-retrace";
        var config = WriteConfig(TinyConfig.Replace("\"900-900\" }", $"\"900-900\", \"acquisition\": \"{Steps}\" }}", StringComparison.Ordinal));
        var models = Path.Combine(Path.GetDirectoryName(config)!, "models");

        var (exit, output, error) = await RunAsync("train", "--config", config, "--out", Path.Combine(models, "corrected.onnx"));

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("scans corrected by " + Steps, output, StringComparison.Ordinal);
        Assert.Equal(Steps, OnnxModelReader.Read(Path.Combine(models, "corrected.onnx")).Metadata["acquisition"]);

        // merge-retrace halves the noise's variance: bicubic scores higher on the corrected scans than on raw ones (22.2 against 21.8 dB here).
        var (evalExit, corrected, evalError) = await RunAsync("eval", "--seeds", "1-2", "--models", models, "--json");
        Assert.True(evalExit == ExitCodes.Ok, evalError);
        var raw = WriteConfig(TinyConfig);
        var rawModels = Path.Combine(Path.GetDirectoryName(raw)!, "models");
        Assert.Equal(ExitCodes.Ok, (await RunAsync("train", "--config", raw, "--out", Path.Combine(rawModels, "raw.onnx"))).Exit);
        var (_, uncorrected, _) = await RunAsync("eval", "--seeds", "1-2", "--models", rawModels, "--json");
        Assert.True(BicubicPsnr(corrected) > BicubicPsnr(uncorrected) + 0.2, $"corrected {corrected}; raw {uncorrected}");
    }

    [Fact]
    public async Task Train_FieldOutputsWeighted_EvalScoresEachFieldAgainstBicubic()
    {
        var config = WriteConfig(TinyConfig.Replace("\"layers\": 2,", "\"outputs\": [\"Height\", \"Current\"], \"outputWeights\": [1, 0.5], \"layers\": 2,", StringComparison.Ordinal));
        var models = Path.Combine(Path.GetDirectoryName(config)!, "models");

        var (exit, _, error) = await RunAsync("train", "--config", config, "--out", Path.Combine(models, "fields.onnx"));

        Assert.True(exit == ExitCodes.Ok, error);
        var network = OnnxModelReader.Read(Path.Combine(models, "fields.onnx"));
        Assert.Equal(["Height", "Current"], network.OutputChannels);
        Assert.Equal("1,0.5", network.Metadata["outputWeights"]);
        var (evalExit, json, evalError) = await RunAsync("eval", "--seeds", "1-2", "--models", models, "--json");
        Assert.True(evalExit == ExitCodes.Ok, evalError);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var field = Assert.Single(document.RootElement.GetProperty("fields").EnumerateArray());
        Assert.Equal("Current", field.GetProperty("channel").GetString());
        Assert.True(double.IsFinite(field.GetProperty("psnrDb").GetDouble()) && field.GetProperty("bicubicPsnrDb").GetDouble() > 0, json);
    }

    [Fact]
    public async Task Train_ClosedLoopScans_RecordsTheScannerAndEvalScansAlike()
    {
        const string Steps = "register:midpoint,merge-retrace,level:plane@Height";
        var config = WriteConfig(TinyConfig
            .Replace("\"tiny\"", "\"loop\"", StringComparison.Ordinal)
            .Replace("\"900-900\" }", $"\"900-900\", \"acquisition\": \"{Steps}\", \"scanner\": \"ClosedLoop\", \"lineRateHz\": 64 }}", StringComparison.Ordinal));
        var models = Path.Combine(Path.GetDirectoryName(config)!, "models");

        var (exit, output, error) = await RunAsync("train", "--config", config, "--out", Path.Combine(models, "loop.onnx"));

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("scanned by the closed loop at 64 lines/s", output, StringComparison.Ordinal);
        var metadata = OnnxModelReader.Read(Path.Combine(models, "loop.onnx")).Metadata;
        Assert.Equal("ClosedLoop", metadata["scanner"]);
        Assert.Equal("64", metadata["lineRateHz"]);

        // A renderer-trained model beside it: eval scores each on its own scans, with a bicubic row for each kind of scan.
        var rendered = WriteConfig(TinyConfig.Replace("\"900-900\" }", $"\"900-900\", \"acquisition\": \"{Steps}\" }}", StringComparison.Ordinal));
        Assert.Equal(ExitCodes.Ok, (await RunAsync("train", "--config", rendered, "--out", Path.Combine(models, "rendered.onnx"))).Exit);
        var (evalExit, json, evalError) = await RunAsync("eval", "--seeds", "1-2", "--models", models, "--json");

        Assert.True(evalExit == ExitCodes.Ok, evalError);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var rows = document.RootElement.GetProperty("simulator").EnumerateArray()
            .Select(r => (Name: r.GetProperty("name").GetString(), Scanned: r.GetProperty("scanned").GetString(), Psnr: r.GetProperty("psnrDb").GetDouble()))
            .ToArray();
        var loopBicubic = Assert.Single(rows, r => r.Name == "bicubic" && r.Scanned == "closed loop, 64 lines/s");
        var renderedBicubic = Assert.Single(rows, r => r.Name == "bicubic" && r.Scanned == "renderer, 2 lines/s");
        Assert.Equal("closed loop, 64 lines/s", Assert.Single(rows, r => r.Name == "loop").Scanned);
        Assert.NotEqual(loopBicubic.Psnr, renderedBicubic.Psnr);
    }

    [Fact]
    public async Task Eval_ModelsTrainedAtTwoFields_EachScoredAtItsOwnWithItsOwnBicubic()
    {
        var config = WriteConfig(TinyConfig);
        var models = Path.Combine(Path.GetDirectoryName(config)!, "models");
        Assert.Equal(ExitCodes.Ok, (await RunAsync("train", "--config", config, "--out", Path.Combine(models, "tiny.onnx"))).Exit);
        var wide = WriteConfig(TinyConfig.Replace("\"tiny\"", "\"wide\"", StringComparison.Ordinal).Replace("\"pixels\": 48,", "\"pixels\": 48, \"fieldSizeUm\": 20,", StringComparison.Ordinal));
        Assert.Equal(ExitCodes.Ok, (await RunAsync("train", "--config", wide, "--out", Path.Combine(models, "wide.onnx"))).Exit);

        var (exit, json, error) = await RunAsync("eval", "--seeds", "1-2", "--models", models, "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var rows = document.RootElement.GetProperty("simulator").EnumerateArray()
            .Select(r => (Name: r.GetProperty("name").GetString(), Field: r.GetProperty("fieldSizeUm").GetDouble(), Pixels: r.GetProperty("pixels").GetInt32(), Psnr: r.GetProperty("psnrDb").GetDouble()))
            .ToArray();
        Assert.Equal(10, Assert.Single(rows, r => r.Name == "tiny").Field);
        Assert.Equal(20, Assert.Single(rows, r => r.Name == "wide").Field);
        Assert.All(rows, r => Assert.Equal(48, r.Pixels));
        var bicubic = rows.Where(r => r.Name == "bicubic").OrderBy(r => r.Field).ToArray();
        Assert.Equal([10.0, 20.0], bicubic.Select(r => r.Field));
        Assert.NotEqual(bicubic[0].Psnr, bicubic[1].Psnr);

        var (_, text, _) = await RunAsync("eval", "--seeds", "1-2", "--models", models);
        Assert.Contains("at each model's training size", text, StringComparison.Ordinal);
        Assert.Contains(text.Split('\n'), l => l.StartsWith("  wide ", StringComparison.Ordinal) && l.Contains("24² over 20 µm", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Eval_ModelWithBadScansMetadata_ExitsTwoNamingTheModelAndEntry()
    {
        var config = WriteConfig(TinyConfig);
        var models = Path.Combine(Path.GetDirectoryName(config)!, "models");
        var path = Path.Combine(models, "tiny.onnx");
        Assert.Equal(ExitCodes.Ok, (await RunAsync("train", "--config", config, "--out", path)).Exit);
        var network = OnnxModelReader.Read(path);
        foreach (var (key, value, expected) in new[]
        {
            ("scanner", "Sideways", "model 'tiny': its scanner metadata \"Sideways\" is not Renderer or ClosedLoop"),
            ("lineRateHz", "-1", "model 'tiny': its lineRateHz metadata \"-1\" is not a line rate"),
            ("acquisition", "register:sideways", "model 'tiny': its acquisition metadata \"register:sideways\" is not a processing chain"),
        })
        {
            WriteWithMetadata(network, path, key, value);

            var (exit, _, error) = await RunAsync("eval", "--seeds", "1-2", "--models", models);

            Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
            Assert.Contains(expected, error, StringComparison.Ordinal);
        }
    }

    /// <summary>Writes <paramref name="network"/> to <paramref name="path"/> with one metadata entry set: a model as another trainer might leave it.</summary>
    private static void WriteWithMetadata(AfmEdge.Inference.Network.EnhancerNetwork network, string path, string key, string value)
    {
        var metadata = new Dictionary<string, string>(network.Metadata) { [key] = value };
        AfmEdge.Inference.Onnx.OnnxModelWriter.Write(
            new AfmEdge.Inference.Network.EnhancerNetwork(network.Name, network.InputChannels, network.OutputChannels, network.Mean, network.Std, network.Layers, metadata), path);
    }

    private static double BicubicPsnr(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        foreach (var row in document.RootElement.GetProperty("simulator").EnumerateArray())
        {
            if (row.GetProperty("name").GetString() == "bicubic")
            {
                return row.GetProperty("psnrDb").GetDouble();
            }
        }

        throw new InvalidOperationException("no bicubic row: " + json);
    }

    [Theory]
    [InlineData("\"layers\": 2,", "\"decoyProbability\": 0.5, \"decoyChannels\": [\"Adhesion\"], \"layers\": 2,", "decoyChannels:")]
    [InlineData("\"900-900\" }", "\"900-900\", \"acquisition\": \"register:sideways\" }", "dataset.acquisition = \"register:sideways\"")]
    [InlineData("\"900-900\" }", "\"900-900\", \"pairs\": \"ScanDown\", \"acquisition\": \"merge-retrace\" }", "dataset.acquisition: corrects the simulator's degraded scan")]
    [InlineData("\"900-900\" }", "\"900-900\", \"pairs\": \"ScanDown\" }", "dataset.pairs = ScanDown")]
    [InlineData("\"900-900\" }", "\"900-900\", \"lineRateHz\": 0 }", "dataset.lineRateHz = 0: must be above 0 and at most 1000 lines/s")]
    [InlineData("\"900-900\" }", "\"900-900\", \"scanner\": \"ClosedLoop\", \"pairs\": \"ScanDown\" }", "dataset.scanner = ClosedLoop: scans the degraded input of Clean pairs")]
    [InlineData("\"900-900\" }", "\"900-900\", \"scanner\": \"ClosedLoop\", \"varied\": true }", "dataset.scanner = ClosedLoop: varied specimens")]
    [InlineData("\"900-900\" }", "\"900-900\", \"scanner\": \"ClosedLoop\", \"fieldSizeUm\": 40 }", "dataset.fieldSizeUm = 40: the closed-loop virtual scanner reaches 28.6 µm")]
    [InlineData("\"900-900\" }", "\"900-900\", \"scanner\": \"Sideways\" }", "scanner")]
    [InlineData("\"900-900\" }", "\"900-900\", \"scanner\": \"ClosedLoop\", \"acquisition\": \"register:midpoint,level:plane@Current\" }", "dataset.acquisition must level Height")]
    [InlineData("\"layers\": 2,", "\"layers\": 1,", "layers = 1")]
    [InlineData("\"validationSeeds\": \"900-900\"", "\"validationSeeds\": \"1001-1001\"", "dataset.validationSeeds = 1001-1001: overlaps")]
    [InlineData("\"patch\": 16,", "\"patch\": 16, \"pach\": 3,", "pach")]
    [InlineData("\"channels\": [\"Height\", \"Current\"],", "\"channels\": [\"Height\", \"Phase\"],", "channels: [Phase]")]
    [InlineData("\"trainSeeds\": \"1000-1002\"", "\"trainSeeds\": \"12-3\"", "dataset.trainSeeds = '12-3'")]
    public async Task Train_BadField_ExitsTwoNamingIt(string find, string replace, string expected)
    {
        Assert.Contains(find, TinyConfig, StringComparison.Ordinal);
        var config = WriteConfig(TinyConfig.Replace(find, replace, StringComparison.Ordinal));

        var (exit, _, error) = await RunAsync("train", "--config", config, "--out", Path.Combine(Path.GetDirectoryName(config)!, "x.onnx"));

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
