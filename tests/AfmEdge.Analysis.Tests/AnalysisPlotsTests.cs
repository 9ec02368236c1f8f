using AfmEdge.Analysis.Plots;
using SkiaSharp;

namespace AfmEdge.Analysis.Tests;

/// <summary>The set of plots the CLI writes and the host publishes: names, order, PNGs and their limits.</summary>
public sealed class AnalysisPlotsTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly int[] HalvedSides = [256, 128, 64, 32, 16];

    [Fact]
    public void All_SimulatedScan_LabelsThenEachChannelsMapAndScatter()
    {
        var analysis = new ChromosomeAnalyzer().Analyze(SimulatedScan.Create(11, 128).Frame);
        var plots = AnalysisPlots.All(analysis, PlotLimits.None).ToArray();

        var channels = analysis.CorrelatedChannels.ToArray();
        Assert.NotEmpty(channels);
        Assert.Equal(["labels", .. channels.SelectMany(c => new[] { "local-correlation-" + c, "scatter-" + c })], plots.Select(p => p.Name));
        Assert.Equal([null, .. channels.SelectMany(c => new[] { c, c })], plots.Select(p => p.Channel));
        Assert.All(plots, p => Assert.Equal(PngSignature, p.Png.AsSpan(0, 8).ToArray()));
        Assert.Contains($"{analysis.Chromosomes.Count} chromosome(s)", plots[0].Title, StringComparison.Ordinal);
        Assert.Contains(channels[0], plots[1].Title, StringComparison.Ordinal);

        // Without limits, the maps keep the frame's resolution and the scatter its default size (the CLI's files, as before).
        Assert.Equal((128, 128), Size(plots[0].Png));
        Assert.Equal((128, 128), Size(plots[1].Png));
        Assert.Equal((480, 480), Size(plots[2].Png));
    }

    [Fact]
    public void All_MaxSide_ScalesEveryPlotDownToIt()
    {
        var analysis = new ChromosomeAnalyzer().Analyze(SimulatedScan.Create(11, 256).Frame);
        var plots = AnalysisPlots.All(analysis, new PlotLimits(200, int.MaxValue)).ToArray();

        Assert.All(plots, p => Assert.Equal((200, 200), Size(p.Png)));
    }

    [Fact]
    public void All_TightByteLimit_HalvesEachPlotUntilItFits()
    {
        var analysis = new ChromosomeAnalyzer().Analyze(SimulatedScan.Create(11, 256).Frame);
        const int limit = 6000;
        var unlimited = AnalysisPlots.All(analysis, new PlotLimits(256, int.MaxValue)).ToArray();
        Assert.Contains(unlimited, p => p.Png.Length > limit);

        var plots = AnalysisPlots.All(analysis, new PlotLimits(256, limit)).ToArray();
        Assert.All(plots, p =>
        {
            var (width, _) = Size(p.Png);
            Assert.True(p.Png.Length <= limit || width <= AnalysisPlots.MinSide, $"{p.Name}: {p.Png.Length} bytes at {width} px");
            // Halved from 256, not shrunk to some other size.
            Assert.Contains(width, HalvedSides);
        });
        Assert.Contains(plots, p => Size(p.Png).Width < 256);
    }

    [Fact]
    public void LabelOverlay_NoChromosome_SaysSoInTheImageAndTitle()
    {
        var flat = ChromosomeAnalyzerTests.Synthetic(64, (x, y) => (float)(1e-10 * Math.Sin(x * 0.7) * Math.Cos(y * 0.3)), (x, y) => x + y);
        var analysis = new ChromosomeAnalyzer().Analyze(flat);
        Assert.Empty(analysis.Chromosomes);

        var labels = AnalysisPlots.All(analysis, PlotLimits.None).First();
        Assert.Equal(AnalysisPlots.LabelsName, labels.Name);
        Assert.Contains("no chromosome found", labels.Title, StringComparison.Ordinal);
        // The grey height has no colour; the caption is yellow.
        Assert.True(YellowPixels(labels.Png) > 20, "The overlay of a frame without chromosomes does not say so.");

        var chromosomes = new ChromosomeAnalyzer().Analyze(SimulatedScan.Create(11, 128).Frame);
        Assert.NotEmpty(chromosomes.Chromosomes);
        Assert.DoesNotContain("no chromosome", AnalysisPlots.All(chromosomes, PlotLimits.None).First().Title, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Current", "scatter-Current")]
    [InlineData("Phase 2/b+#", "scatter-Phase_2_b__")]
    [InlineData("Höhe.x_1-2", "scatter-H_he.x_1-2")]
    public void PlotName_AnyChannel_IsOneTopicLevelAndFileStem(string channel, string expected) =>
        Assert.Equal(expected, AnalysisPlots.PlotName("scatter-", channel));

    [Fact]
    public void LabelOverlay_FullSize_BackgroundGreyAndEachRegionInItsColour()
    {
        var analysis = new ChromosomeAnalyzer().Analyze(SimulatedScan.Create(11, 128).Frame);
        using var image = SKBitmap.Decode(AnalysisPlots.LabelOverlay(analysis));
        var pixels = image.Pixels;
        var labels = analysis.Labels.ToArray();
        double Share(byte label, Func<SKColor, bool> test) =>
            labels.Select((l, i) => (l, i)).Where(p => p.l == label).Average(p => test(pixels[p.i]) ? 1.0 : 0.0);

        // Axes and centromere dots are drawn over some pixels; nearly all keep their region's colour.
        Assert.True(Share(0, c => c.Red == c.Green && c.Green == c.Blue) > 0.95, "background is not grey");
        Assert.True(Share(1, c => c.Blue > c.Red + 20) > 0.8, "the p arm is not blue");
        Assert.True(Share(2, c => c.Red > c.Blue + 20) > 0.8, "the centromere is not vermillion");
        Assert.True(Share(3, c => c.Green > c.Red + 20) > 0.8, "the q arm is not green");
    }

    [Theory]
    [InlineData(0.634, "+0.63")]
    [InlineData(-0.634, "-0.63")]
    [InlineData(-0.001, "0.00")]
    [InlineData(0.004, "0.00")]
    [InlineData(0.0, "0.00")]
    public void SignedR_ScatterLegend_SignOnlyWhereItIsNotZero(double r, string expected) =>
        Assert.Equal(expected, AnalysisPlots.SignedR(r));

    private static (int Width, int Height) Size(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("Not a PNG Skia can read.");
        return (bitmap.Width, bitmap.Height);
    }

    private static int YellowPixels(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("Not a PNG Skia can read.");
        return bitmap.Pixels.Count(p => p.Red > 200 && p.Green > 200 && p.Blue < 80);
    }
}
