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

    [Theory]
    [InlineData(3)]
    [InlineData(1001)]
    public void StatisticsAndPearson_MixedNonFinite_MatchTheScalarDefinition(int length)
    {
        // Lengths that leave a scalar tail after whole vectors, heights-sized values, NaN and ±∞ sprinkled on both sides.
        var random = new Random(length);
        float Sample(double scale) => random.Next(13) switch
        {
            0 => float.NaN,
            1 => float.PositiveInfinity,
            2 => float.NegativeInfinity,
            _ => (float)((random.NextDouble() - 0.3) * scale),
        };
        var a = Enumerable.Range(0, length).Select(_ => Sample(2e-7)).ToArray();
        var b = Enumerable.Range(0, length).Select(_ => Sample(5e-10)).ToArray();

        var finite = a.Where(float.IsFinite).Select(v => (double)v).ToArray();
        var mean = finite.Average();
        var stats = ChannelStatistics.Of(a);
        Assert.Equal(finite.Length, stats.Count);
        Assert.Equal(length - finite.Length, stats.NonFinite);
        Assert.Equal(mean, stats.Mean, Math.Abs(mean) * 1e-12);
        Assert.Equal(Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / finite.Length), stats.StdDev, stats.StdDev * 1e-12);
        Assert.Equal((finite.Min(), finite.Max()), (stats.Min, stats.Max));

        var pairs = a.Zip(b).Where(p => float.IsFinite(p.First) && float.IsFinite(p.Second)).Select(p => ((double)p.First, (double)p.Second)).ToArray();
        var (r, count) = Correlation.Pearson(a, b);
        Assert.Equal(pairs.Length, count);
        if (pairs.Length >= 2)
        {
            double ma = pairs.Average(p => p.Item1), mb = pairs.Average(p => p.Item2);
            var expected = pairs.Sum(p => (p.Item1 - ma) * (p.Item2 - mb))
                           / Math.Sqrt(pairs.Sum(p => (p.Item1 - ma) * (p.Item1 - ma)) * pairs.Sum(p => (p.Item2 - mb) * (p.Item2 - mb)));
            Assert.Equal(expected, r, 1e-12);
        }
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
