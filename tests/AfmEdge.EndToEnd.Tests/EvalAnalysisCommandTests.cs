using System.Text.Json;
using AfmEdge.Analysis;
using AfmEdge.Cli;
using AfmEdge.EndToEnd.Tests.Support;

namespace AfmEdge.EndToEnd.Tests;

public sealed class EvalAnalysisCommandTests
{
    private static readonly string[] MovedFigures = ["iouMedian", "labelAccuracy", "centromereMedianPx"];

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(args, output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    private static string BundledModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "models", "fusion4.onnx");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException("models/fusion4.onnx not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task EvalAnalysis_PerChromosomeAndOverlays_ExplainEachMissAndDrawEveryFrame()
    {
        // 64² over 10 µm: the half scan is 32², where some chromosome surely misses IoU 0.9.
        var folder = Scratch.Folder("afmedge-overlays-");
        try
        {
            var (exit, text, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "64", "--field-um", "10",
                "--model", BundledModel(), "--per-chromosome", "--overlays", folder.FullName);

            Assert.True(exit == ExitCodes.Ok, error);
            var lines = text.Split('\n').Where(l => l.StartsWith("  seed 2001 ", StringComparison.Ordinal)).ToArray();
            Assert.NotEmpty(lines);
            foreach (var line in lines)
            {
                var iou = double.Parse(line[(line.IndexOf(" IoU ", StringComparison.Ordinal) + 5)..].Split(';')[0], System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(iou <= 0.9, line); // below 0.9, printed to three decimals
            }

            var pngs = folder.GetFiles("seed2001-*.png");
            Assert.Equal(5, pngs.Length);
            Assert.All(pngs, f => Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(f.FullName)[..4]));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("10", "fusion4-156nm")]
    [InlineData("5", "fusion4")]
    public async Task EvalAnalysis_NoModelGiven_ScoresTheModelTheHostPicksForTheHalfScansPixel(string fieldUm, string expected)
    {
        // 128² over 10 µm: a 64² half scan at 156 nm; over 5 µm, at 78 nm. The bundled models, as the CLI's build carries them.
        var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", fieldUm, "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(expected, document.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task EvalAnalysis_RimMixingThresholdAboveEveryScore_ReadsEveryFrameAsMeasured()
    {
        // No frame scores 1000: none reads r and means off the cores, so as read is as measured.
        var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10",
            "--model", BundledModel(), "--rim-mixing-threshold", "1000", "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(1000, document.RootElement.GetProperty("rimMixingThreshold").GetDouble());
        var frames = document.RootElement.GetProperty("frames").EnumerateArray().ToArray();
        Assert.Equal(5, frames.Length);
        foreach (var frame in frames)
        {
            var rimRead = frame.GetProperty("rimRead");
            Assert.Equal(0, rimRead.GetProperty("mixed").GetInt32());
            Assert.Equal(frame.GetProperty("pearsonErrorMedian").GetDouble(), rimRead.GetProperty("pearsonErrorMedian").GetDouble());
            Assert.Equal(frame.GetProperty("meanErrorMedian").GetDouble(), rimRead.GetProperty("meanErrorMedian").GetDouble());
        }
    }

    [Fact]
    public async Task EvalAnalysis_SmallSeed_ReportsEveryFrameKindInRange()
    {
        // 128² over 10 µm (the bundled model's own geometry) keeps it quick: one specimen, five analyses.
        var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10",
            "--model", BundledModel(), "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("fusion4", root.GetProperty("model").GetString());
        Assert.Equal("none", root.GetProperty("processing").GetString());
        var frames = root.GetProperty("frames").EnumerateArray().ToArray();
        Assert.Equal(["full clean", "full scan", "half scan", "bicubic ×2", "fusion4 ×2"], frames.Select(f => f.GetProperty("frame").GetString()));
        var chromosomes = root.GetProperty("chromosomes").GetInt32();
        Assert.True(chromosomes > 0);
        foreach (var frame in frames)
        {
            Assert.Equal(chromosomes, frame.GetProperty("chromosomes").GetInt32());
            foreach (var name in new[] { "iouMedian", "iouMin", "iouAbove09" })
            {
                var value = frame.GetProperty(name).GetDouble();
                Assert.InRange(value, 0, 1);
            }
        }

        // The clean full-resolution frame is the analysis's home ground: it finds and measures the chromosomes.
        var clean = frames[0];
        Assert.True(clean.GetProperty("measured").GetInt32() > 0);
        Assert.InRange(clean.GetProperty("labelAccuracy").GetDouble(), 0.5, 1);
        Assert.InRange(clean.GetProperty("centromereMedianPx").GetDouble(), 0, 10);
        Assert.InRange(clean.GetProperty("pearsonErrorMedian").GetDouble(), 0, 2);
        Assert.InRange(clean.GetProperty("meanErrorMedian").GetDouble(), 0, 1);

        // How often r's intervals (and those of the regions' differences of r, and of ρ) hold the truth: the interval with the rim holds the
        // bootstrap's, so it holds the truth at least as often, and is at least as wide.
        Assert.Equal(new AnalysisOptions().CoreDepth, root.GetProperty("coreDepth").GetInt32());
        Assert.Equal(new AnalysisOptions().BackgroundCoreReach, root.GetProperty("backgroundCoreReach").GetInt32());
        Assert.Equal(new AnalysisOptions().RimMixingThreshold, root.GetProperty("rimMixingThreshold").GetDouble());
        Assert.True(root.GetProperty("alignRowsToSubstrate").GetBoolean());
        Assert.Equal(2, root.GetProperty("lineRateHz").GetDouble());
        Assert.Equal("renderer", root.GetProperty("scanner").GetString());
        Assert.True(clean.GetProperty("pearsonIntervals").GetProperty("count").GetInt32() > 0);
        Assert.True(clean.GetProperty("differenceIntervals").GetProperty("count").GetInt32() > 0);
        Assert.True(clean.GetProperty("spearmanIntervals").GetProperty("count").GetInt32() > 0);
        Assert.InRange(clean.GetProperty("spearmanErrorMedian").GetDouble(), 0, 2);
        foreach (var frame in frames)
        {
            foreach (var (intervalName, spanName) in new[] { ("pearsonIntervals", "pearsonSpans"), ("differenceIntervals", "differenceSpans"), ("spearmanIntervals", "spearmanSpans") })
            {
                var interval = frame.GetProperty(intervalName);
                var span = frame.GetProperty(spanName);
                Assert.Equal(interval.GetProperty("count").GetInt32(), span.GetProperty("count").GetInt32());
                if (interval.GetProperty("count").GetInt32() > 0)
                {
                    Assert.InRange(interval.GetProperty("holds").GetDouble(), 0, span.GetProperty("holds").GetDouble());
                    Assert.InRange(span.GetProperty("holds").GetDouble(), 0, 1);
                    Assert.InRange(interval.GetProperty("halfWidthMedian").GetDouble(), 0, span.GetProperty("halfWidthMedian").GetDouble());
                }
            }

            // r and the means as the frame's rim mixing says to read them: as measured where the rims are not mixed.
            var rimRead = frame.GetProperty("rimRead");
            Assert.Equal(1, rimRead.GetProperty("frames").GetInt32());
            var rimMixed = rimRead.GetProperty("mixed").GetInt32();
            Assert.InRange(rimMixed, 0, 1);
            Assert.InRange(rimRead.GetProperty("pearsonErrorMedian").GetDouble(), 0, 2);
            Assert.InRange(rimRead.GetProperty("meanErrorMedian").GetDouble(), 0, 1);
            if (rimMixed == 0)
            {
                Assert.Equal(frame.GetProperty("pearsonErrorMedian").GetDouble(), rimRead.GetProperty("pearsonErrorMedian").GetDouble());
                Assert.Equal(frame.GetProperty("meanErrorMedian").GetDouble(), rimRead.GetProperty("meanErrorMedian").GetDouble());
            }

            // The same on the cells the clean frame reads within bounds: every one of them, on the clean frame itself.
            var cleanRight = frame.GetProperty("rimReadCleanRight");
            Assert.InRange(cleanRight.GetProperty("pearsonCells").GetInt32(), 0, frames[0].GetProperty("rimReadCleanRight").GetProperty("pearsonCells").GetInt32());
            Assert.InRange(cleanRight.GetProperty("pearsonWithin005").GetDouble(), 0, 1);
            if (frame.GetProperty("frame").GetString() == "full clean" && cleanRight.GetProperty("pearsonCells").GetInt32() > 0)
            {
                Assert.Equal(1, cleanRight.GetProperty("pearsonWithin005").GetDouble());
                Assert.Equal(1, cleanRight.GetProperty("meanWithin2Percent").GetDouble());
            }

            // Each channel's lines judged in the one frame, height first; a clean frame's are not offset.
            var lines = frame.GetProperty("linesAligned").EnumerateArray().ToList();
            Assert.Equal(["Height", "Current", "Potential", "Adhesion"], lines.Select(l => l.GetProperty("channel").GetString()));
            Assert.All(lines, l => Assert.Equal(1, l.GetProperty("frames").GetInt32()));
            if (frame.GetProperty("frame").GetString() == "full clean")
            {
                Assert.All(lines, l => Assert.Equal(0, l.GetProperty("aligned").GetInt32()));
            }
        }
    }

    [Fact]
    public async Task EvalAnalysis_FasterLineRate_ScansDragTheEdgesAndScoreWorse()
    {
        // The feedback's and signals' lags are times: 64 times the speed drags every edge 64 times as far.
        async Task<JsonElement> FullScan(params string[] extra)
        {
            var (exit, json, error) = await RunAsync(["eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10",
                "--model", BundledModel(), "--json", .. extra]);
            Assert.True(exit == ExitCodes.Ok, error);
            return JsonDocument.Parse(json).RootElement.Clone();
        }

        var slow = await FullScan();
        var fast = await FullScan("--line-rate", "128");
        Assert.Equal(128, fast.GetProperty("lineRateHz").GetDouble());
        var (slowScan, fastScan) = (slow.GetProperty("frames")[1], fast.GetProperty("frames")[1]);
        Assert.True(fastScan.GetProperty("iouMedian").GetDouble() < slowScan.GetProperty("iouMedian").GetDouble() - 0.05,
            $"IoU median at 128 lines/s {fastScan.GetProperty("iouMedian")} against {slowScan.GetProperty("iouMedian")} at 2");

        // The clean frame does not scan: the same at any speed.
        Assert.Equal(slow.GetProperty("frames")[0].GetProperty("iouMedian").GetDouble(), fast.GetProperty("frames")[0].GetProperty("iouMedian").GetDouble());
    }

    [Fact]
    public async Task EvalAnalysis_ClosedLoop_ScansOnTheVirtualMicroscopeAndScoresAgainstTheSameSpecimen()
    {
        var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10",
            "--model", BundledModel(), "--json", "--closed-loop", "--correct", "register:midpoint,register:probes,merge-retrace");

        Assert.True(exit == ExitCodes.Ok, error);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("closed-loop", root.GetProperty("scanner").GetString());

        // The closed loop scans the eval's own specimen, in register with its truth: the scan finds the chromosomes the truth
        // has, with none of the renderer's frames in it (a misplaced specimen would score near 0).
        var fullScan = root.GetProperty("frames")[1];
        Assert.True(fullScan.GetProperty("iouMedian").GetDouble() > 0.8, fullScan.ToString());

        // Without the truth at the tip, the table at the tip is the nominal one.
        Assert.Equal(fullScan.GetProperty("iouMedian").GetDouble(), root.GetProperty("framesAtTip")[1].GetProperty("iouMedian").GetDouble());
    }

    [Fact]
    public async Task EvalAnalysis_ProcessSteps_RunOnInstrumentFramesAndAreReported()
    {
        var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10",
            "--model", BundledModel(), "--process", "align-rows:median, level:plane", "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("align-rows:median,level:plane", document.RootElement.GetProperty("processing").GetString());
        Assert.Equal(5, document.RootElement.GetProperty("frames").GetArrayLength());
    }

    [Fact]
    public async Task EvalAnalysis_CorrectSteps_RunOnAcquiredScansAndAreReported()
    {
        var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10",
            "--model", BundledModel(), "--correct", "register:midpoint", "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        var trainedOn = AfmEdge.Inference.Onnx.OnnxModelReader.Read(BundledModel()).Metadata["acquisition"];
        Assert.Contains($"warning: model 'fusion4' was trained on scans corrected by {trainedOn}; --correct here makes them corrected by register:midpoint,", error, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("register:midpoint", document.RootElement.GetProperty("corrections").GetString());
        Assert.Equal("none", document.RootElement.GetProperty("processing").GetString());
        var frames = document.RootElement.GetProperty("frames").EnumerateArray().ToArray();
        Assert.Equal(5, frames.Length);
        Assert.True(frames[1].GetProperty("measured").GetInt32() > 0);
    }

    [Fact]
    public async Task EvalAnalysis_CorrectedAsTheModelWasTrained_NoWarning()
    {
        var trainedOn = AfmEdge.Inference.Onnx.OnnxModelReader.Read(BundledModel()).Metadata["acquisition"];

        var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "64", "--field-um", "10",
            "--model", BundledModel(), "--correct", trainedOn, "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.DoesNotContain("warning", error, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(trainedOn, document.RootElement.GetProperty("corrections").GetString());
    }

    [Fact]
    public async Task EvalAnalysis_WithoutAll_ScanScoresLikeTheCleanFrame()
    {
        // Every instrument effect off: the scan is the specimen sampled along the scan path, so its r and means match
        // the truth as closely as the clean frame's do; the breakdown lists every channel and region.
        var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10",
            "--model", BundledModel(), "--without", "all", "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("all", document.RootElement.GetProperty("effectsOff").GetString());
        Assert.Equal(0, document.RootElement.GetProperty("edgeExclusion").GetInt32());
        Assert.Equal(new AnalysisOptions().OutlineFraction, document.RootElement.GetProperty("outlineFraction").GetDouble());
        var frames = document.RootElement.GetProperty("frames").EnumerateArray().ToArray();
        var clean = frames[0];
        var scan = frames[1];
        Assert.Equal(clean.GetProperty("measured").GetInt32(), scan.GetProperty("measured").GetInt32());
        Assert.InRange(scan.GetProperty("pearsonErrorMedian").GetDouble(), 0, clean.GetProperty("pearsonErrorMedian").GetDouble() + 0.01);
        Assert.InRange(scan.GetProperty("meanErrorMedian").GetDouble(), 0, clean.GetProperty("meanErrorMedian").GetDouble() + 0.005);
        var breakdown = scan.GetProperty("breakdown").EnumerateArray().ToArray();
        Assert.Equal(16, breakdown.Length);
        Assert.Contains(breakdown, b => b.GetProperty("channel").GetString() == "Potential" && b.GetProperty("region").GetString() == "centromere");

        // Nothing moved the tip: the truth where it really was is the nominal grid's, figure for figure.
        var atTip = document.RootElement.GetProperty("framesAtTip").EnumerateArray().ToArray();
        Assert.Equal(5, atTip.Length);
        foreach (var name in new[] { "iouMedian", "labelAccuracy", "centromereMedianPx", "meanErrorMedian" })
        {
            Assert.Equal(scan.GetProperty(name).GetDouble(), atTip[1].GetProperty(name).GetDouble(), 9);
        }
    }

    [Fact]
    public async Task EvalAnalysis_DefaultInstrument_TruthAtTheTipIsReportedBesideTheNominalOne()
    {
        var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10",
            "--model", BundledModel(), "--correct", "register:midpoint", "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        using var document = JsonDocument.Parse(json);
        var frames = document.RootElement.GetProperty("frames").EnumerateArray().ToArray();
        var atTip = document.RootElement.GetProperty("framesAtTip").EnumerateArray().ToArray();
        Assert.Equal(frames.Select(f => f.GetProperty("frame").GetString()), atTip.Select(f => f.GetProperty("frame").GetString()));

        // The clean frame has no tip path: both truths are the same grid. A scan's figures differ between the two.
        Assert.Equal(frames[0].GetProperty("labelAccuracy").GetDouble(), atTip[0].GetProperty("labelAccuracy").GetDouble());
        Assert.Contains(MovedFigures,
            name => frames[1].GetProperty(name).GetDouble() != atTip[1].GetProperty(name).GetDouble());
        foreach (var frame in atTip)
        {
            Assert.InRange(frame.GetProperty("labelAccuracyUnresolvedArmsAsOne").GetDouble(), frame.GetProperty("labelAccuracy").GetDouble(), 1);
            Assert.InRange(frame.GetProperty("armsFlipped").GetInt32(), 0, frame.GetProperty("armsAssigned").GetInt32());
        }
    }

    [Fact]
    public async Task EvalAnalysis_OnlyOneEffect_NamesTheRestAsOffAndBreakdownPrints()
    {
        var (exit, text, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10",
            "--model", BundledModel(), "--only", "probes", "--breakdown");

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("instrument effects off: all but probes", text, StringComparison.Ordinal);
        Assert.Contains("Per channel and region", text, StringComparison.Ordinal);
        Assert.Contains("Potential  centromere", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalAnalysis_Cells_WritesEveryScoredCellAsTheFiguresCountIt()
    {
        var folder = Scratch.Folder("afmedge-cells-");
        try
        {
            var path = Path.Combine(folder.FullName, "cells.csv");
            var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2002", "--pixels", "128", "--field-um", "10",
                "--model", BundledModel(), "--json", "--cells", path);

            Assert.True(exit == ExitCodes.Ok, error);
            var lines = File.ReadAllLines(path);
            Assert.Equal("seed,frame,channel,region,true_count,true_r,r,r_read,true_mean,mean,mean_read,mean_scale", lines[0]);
            var rows = lines[1..].Select(l => l.Split(',')).ToArray();
            Assert.All(rows, r => Assert.Equal(12, r.Length));
            Assert.Equal(["2001", "2002"], rows.Select(r => r[0]).Distinct());
            Assert.Subset(new HashSet<string>(["background", "pArm", "centromere", "qArm"]), rows.Select(r => r[3]).ToHashSet());

            // Per frame kind, the cells whose r as read lies within 0.05 of the truth are the share the JSON reports.
            using var document = JsonDocument.Parse(json);
            foreach (var frame in document.RootElement.GetProperty("frames").EnumerateArray())
            {
                var name = frame.GetProperty("frame").GetString()!;
                var scored = rows.Where(r => r[1] == name && r[7].Length > 0 && r[5].Length > 0).ToArray();
                Assert.NotEmpty(scored);
                var within = scored.Count(r => Math.Abs(Number(r[7]) - Number(r[5])) <= 0.05) / (double)scored.Length;
                Assert.Equal(frame.GetProperty("rimRead").GetProperty("pearsonWithin005").GetDouble(), within, 9);
                Assert.All(rows.Where(r => r[1] == name), r => Assert.True(int.Parse(r[4], System.Globalization.CultureInfo.InvariantCulture) >= 3, string.Join(',', r)));
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        static double Number(string text) => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task EvalAnalysis_KeepLineOffsets_LeavesEveryChannelAsScanned()
    {
        var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10",
            "--model", BundledModel(), "--keep-line-offsets", "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        using var document = JsonDocument.Parse(json);
        Assert.False(document.RootElement.GetProperty("alignRowsToSubstrate").GetBoolean());
        Assert.All(document.RootElement.GetProperty("frames").EnumerateArray(), f => Assert.Equal(0, f.GetProperty("linesAligned").GetArrayLength()));
    }

    [Theory]
    [InlineData("--seeds", "1000-1001", "overlaps trainSeeds")]
    [InlineData("--pixels", "101", "--pixels = 101")]
    [InlineData("--field-um", "0", "--field-um = 0")]
    [InlineData("--model", "/nonexistent/model.onnx", "--model = /nonexistent/model.onnx")]
    [InlineData("--process", "level:plane,smooth:9", "'smooth:9' is unknown")]
    [InlineData("--correct", "register:midpoint:7", "--correct: ")]
    [InlineData("--without", "tip,gremlins", "--without: 'gremlins' is not an instrument effect")]
    [InlineData("--only", "wobble", "--only: 'wobble' is not an instrument effect")]
    [InlineData("--edge-exclusion", "-1", "--edge-exclusion: EdgeExclusion = -1")]
    [InlineData("--outline-fraction", "0.95", "--outline-fraction: OutlineFraction = 0.95")]
    [InlineData("--core-depth", "0", "--core-depth: CoreDepth = 0")]
    [InlineData("--background-reach", "1", "--background-reach: BackgroundCoreReach = 1")]
    [InlineData("--rim-mixing-threshold", "-1", "--rim-mixing-threshold: RimMixingThreshold = -1")]
    [InlineData("--line-rate", "0", "--line-rate = 0")]
    [InlineData("--gain-scale", "0", "--gain-scale = 0")]
    [InlineData("--gain-scale", "2", "so it needs --closed-loop")]
    [InlineData("--cells", "/nonexistent/folder/cells.csv", "--cells = /nonexistent/folder/cells.csv: cannot write it")]
    public async Task EvalAnalysis_BadOption_IsBadUsageNamingIt(string option, string value, string message)
    {
        var args = new List<string> { "eval", "analysis", "--seeds", "2001-2001", "--model", BundledModel() };
        var at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (exit, _, error) = await RunAsync([.. args]);

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalAnalysis_EdgeExclusionAndMergedRetrace_CleanFrameStillMatchesItsTruth()
    {
        // The rim is left out of the analysis and of the truth alike, so the clean frame keeps matching.
        var (exit, json, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10",
            "--model", BundledModel(), "--correct", "register:midpoint,merge-retrace", "--process", "register:probes", "--edge-exclusion", "1", "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(1, document.RootElement.GetProperty("edgeExclusion").GetInt32());
        Assert.Equal("register:midpoint,merge-retrace", document.RootElement.GetProperty("corrections").GetString());
        var clean = document.RootElement.GetProperty("frames")[0];
        Assert.InRange(clean.GetProperty("pearsonErrorMedian").GetDouble(), 0, 0.05);
        Assert.InRange(clean.GetProperty("meanErrorMedian").GetDouble(), 0, 0.02);
    }

    [Fact]
    public async Task EvalAnalysis_WholeTruth_ScoresTheRimFreeAnalysisAgainstEveryTruePixel()
    {
        // Against the truth less its rim the clean frame's means match to a fraction of a per cent; against every true pixel
        // (the rim's lower heights kept in the truth) the rim-free analysis reads the chromosomes' heights high.
        string[] args = ["eval", "analysis", "--seeds", "2001-2001", "--pixels", "128", "--field-um", "10", "--model", BundledModel(), "--edge-exclusion", "1", "--json"];
        var (exit, json, error) = await RunAsync(args);
        var (wholeExit, wholeJson, wholeError) = await RunAsync([.. args, "--whole-truth"]);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.True(wholeExit == ExitCodes.Ok, wholeError);
        using var rimFree = JsonDocument.Parse(json);
        using var whole = JsonDocument.Parse(wholeJson);
        Assert.False(rimFree.RootElement.GetProperty("wholeTruth").GetBoolean());
        Assert.True(whole.RootElement.GetProperty("wholeTruth").GetBoolean());
        var cleanRimFree = rimFree.RootElement.GetProperty("frames")[0].GetProperty("meanErrorMedian").GetDouble();
        var cleanWhole = whole.RootElement.GetProperty("frames")[0].GetProperty("meanErrorMedian").GetDouble();
        Assert.InRange(cleanRimFree, 0, 0.02);
        Assert.True(cleanWhole > cleanRimFree, $"whole truth {cleanWhole}, truth less its rim {cleanRimFree}");

        // The segmentation's figures do not depend on which truth the regions' statistics are scored against.
        Assert.Equal(rimFree.RootElement.GetProperty("frames")[1].GetProperty("iouMedian").GetDouble(), whole.RootElement.GetProperty("frames")[1].GetProperty("iouMedian").GetDouble());
    }

    [Fact]
    public async Task EvalAnalysis_OnlyAndWithout_IsBadUsage()
    {
        var (exit, _, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--model", BundledModel(), "--only", "tip", "--without", "noise");

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("--only and --without", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalAnalysis_PerChromosomeWithJson_IsBadUsage()
    {
        var (exit, output, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--model", BundledModel(), "--per-chromosome", "--json");

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("--per-chromosome and --json", error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public async Task EvalAnalysis_ClosedLoopScanFaults_StopsWithOneLineNamingSeedAndLine()
    {
        // Gains ten times the tuned ones oscillate at once: the eval names the seed, the fault and its line, and prints no figures
        // (the scans corrected as the model's were, so that no warning precedes the line).
        var trainedOn = AfmEdge.Inference.Onnx.OnnxModelReader.Read(BundledModel()).Metadata["acquisition"];
        var (exit, output, error) = await RunAsync("eval", "analysis", "--seeds", "2001-2001", "--pixels", "64", "--field-um", "10",
            "--model", BundledModel(), "--closed-loop", "--gain-scale", "10", "--correct", trainedOn);

        Assert.Equal(ExitCodes.RuntimeFailure, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("afmedge eval analysis: the closed-loop scan of seed 2001 at 32² faulted (Oscillation) at line ", line, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }
}
