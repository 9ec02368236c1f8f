using AfmEdge.Analysis;
using AfmEdge.Core;

namespace AfmEdge.Analysis.Tests;

public sealed class CorrelationTests
{
    [Fact]
    public void Pearson_PerfectLinear_IsOneOrMinusOne()
    {
        float[] x = [1e-7f, 2e-7f, 3e-7f, 4e-7f, 5e-7f];
        Assert.Equal(1.0, Correlation.Pearson(x, x.Select(v => (3 * v) + 1e-7f).ToArray()).R, 1e-6);
        Assert.Equal(-1.0, Correlation.Pearson(x, x.Select(v => -v).ToArray()).R, 1e-6);
    }

    [Fact]
    public void Pearson_KnownSample_MatchesHandComputedValue()
    {
        float[] a = [1, 2, 3, 4];
        float[] b = [2, 1, 4, 3];
        // Means 2.5; Σdadb = 3; Σda² = Σdb² = 5 → r = 0.6.
        Assert.Equal(0.6, Correlation.Pearson(a, b).R, 1e-6);
    }

    [Fact]
    public void Pearson_NaNPairs_AreSkipped()
    {
        float[] a = [1, 2, float.NaN, 3, 4];
        float[] b = [2, 1, 100, 4, 3];
        var (r, count) = Correlation.Pearson(a, b);
        Assert.Equal(4, count);
        Assert.Equal(0.6, r, 1e-6);
    }

    [Fact]
    public void Pearson_ConstantSide_IsNaN() =>
        Assert.True(double.IsNaN(Correlation.Pearson([1f, 1f, 1f], [1f, 2f, 3f]).R));

    [Fact]
    public void Statistics_Of_SkipsNonFinite()
    {
        var stats = ChannelStatistics.Of([1f, 3f, float.PositiveInfinity]);
        Assert.Equal((2, 1, 2.0, 1.0, 1.0, 3.0), (stats.Count, stats.NonFinite, stats.Mean, stats.StdDev, stats.Min, stats.Max));
    }

    [Fact]
    public void Analyze_Frame_CorrelatesHeightWithEveryOtherTraceChannel()
    {
        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 8, PixelsY = 8, LineRateHz = 1 };
        var height = Enumerable.Range(0, 64).Select(i => (float)(i * 1e-9)).ToArray();
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 4), scan,
        [
            new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 8, 8, height),
            new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), 8, 8, height.Select(h => h * 2).ToArray()),
            new Channel(new ChannelDescriptor("Potential", PhysicalUnit.Volt), 8, 8, new float[64]),
            new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre, ScanDirection.Retrace), 8, 8, height),
        ]);
        var summary = new FrameAnalyzer(TimeProvider.System).Analyze(frame);
        Assert.Equal(2, summary.Correlations.Count);
        Assert.Equal(1.0, summary.Correlations.Single(c => c.Channel == "Current").Pearson!.Value, 1e-6);
        Assert.Null(summary.Correlations.Single(c => c.Channel == "Potential").Pearson);
        Assert.Equal(4, summary.Channels.Count);
        Assert.Equal("20000101T000000000Z-000004".Length, summary.FrameId.Length);
    }

    [Fact]
    public void SummaryJson_RoundTrip_KeepsValuesAndUsesCamelCase()
    {
        var summary = new FrameSummary
        {
            FrameId = "20261125T101530123Z-000042",
            AcquiredAt = DateTimeOffset.UnixEpoch,
            AnalysedAt = DateTimeOffset.UnixEpoch,
            Width = 4,
            Height = 4,
            SizeX = 1e-6,
            SizeY = 1e-6,
            Enhancer = "bicubic",
            Processing = ["level:plane"],
            Channels = [new ChannelSummary("Height", "trace", "m", double.NaN, 0, 0, 0, 16)],
            Correlations = [new CorrelationSummary("frame", "Current", 0.5, 16)],
        };
        var json = SummaryJson.Serialize(summary);
        var text = System.Text.Encoding.UTF8.GetString(json);
        Assert.Contains("\"schemaVersion\":1", text, StringComparison.Ordinal);
        Assert.Contains("\"pearson\":0.5", text, StringComparison.Ordinal);
        var back = SummaryJson.Deserialize(json);
        Assert.Equal(summary.FrameId, back.FrameId);
        Assert.True(double.IsNaN(back.Channels[0].Mean));
        Assert.Contains("\"schemaVersion\"", SummaryJson.Schema(), StringComparison.Ordinal);
    }
}
