using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Analysis.Tests;

public sealed class NoiseAttenuationTests
{
    private static Frame WithNoise(Frame frame, double height, double current, string? grid = null)
    {
        var noisy = frame.With(frame.Channels, "noise.Height", height.ToString("R", CultureInfo.InvariantCulture));
        noisy = noisy.With(noisy.Channels, "noise.Current", current.ToString("R", CultureInfo.InvariantCulture));
        return noisy.With(noisy.Channels, "noise.grid", grid ?? $"{frame.Width}×{frame.Height}");
    }

    /// <summary>A clean simulated frame with independent Gaussian noise of σ = <paramref name="sigma"/> added to its Current.</summary>
    private static (Frame Clean, Frame Noisy) NoisyCurrent(int seed, double sigma)
    {
        var clean = SimulatedScan.Create(15, 256).Frame;
        var random = new Random(seed);
        var channels = clean.Channels.Select(c => c.Name != "Current" ? c
            : c.WithData(c.Width, c.Height, [.. c.Data.ToArray().Select(v => (float)(v + (sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))))]));
        return (clean, new Frame(clean.Id, clean.Scan, channels, clean.Metadata));
    }

    [Fact]
    public void Correct_KnownNoise_MovesRTowardsTheNoiselessOne()
    {
        // Current varies by ~3 pA within a chromosome region: 3 pA of noise halves that region's reliability.
        var (clean, noisy) = NoisyCurrent(1, 3e-12);
        var analyzer = new ChromosomeAnalyzer(new AnalysisOptions { BootstrapResamples = 0 });
        var truth = analyzer.Analyze(clean).Correlations.Where(c => c.Channel == "Current").ToDictionary(c => c.Region, c => c.Pearson);

        var results = NoiseAttenuation.Correct(analyzer.Analyze(WithNoise(noisy, 0, 3e-12)));

        var chromosome = results.Where(c => c.Channel == "Current" && c.Region != Regions.Background && c.Corrected is not null && truth[c.Region] is { } r && Math.Abs(r) > 0.3).ToArray();
        Assert.NotEmpty(chromosome);
        Assert.All(chromosome, c =>
        {
            var r = truth[c.Region]!.Value;
            Assert.True(Math.Abs(c.Corrected!.Value - r) < Math.Abs(c.Pearson - r), $"{c.Region}: noiseless r {r:F3}, raw {c.Pearson:F3}, corrected {c.Corrected:F3}");
            Assert.Equal(1, c.HeightReliability, 12);
            Assert.InRange(c.ChannelReliability, 0.2, 0.8);
        });
    }

    [Fact]
    public void Correct_NoNoiseMetadataOrEnhancedOrOtherGrid_LeavesRUncorrected()
    {
        var (_, noisy) = NoisyCurrent(2, 3e-12);
        var analyzer = new ChromosomeAnalyzer(new AnalysisOptions { BootstrapResamples = 0 });
        var enhanced = WithNoise(noisy, 0, 3e-12);
        enhanced = enhanced.With(enhanced.Channels, "enhancer", "bicubic");
        foreach (var f in new[] { noisy, enhanced, WithNoise(noisy, 0, 3e-12, "128×128") })
        {
            var results = NoiseAttenuation.Correct(analyzer.Analyze(f));
            Assert.NotEmpty(results);
            Assert.All(results, c => Assert.Null(c.Corrected));
        }
    }

    [Fact]
    public void Correct_RegionMostlyNoise_RefusesTheCorrection()
    {
        // A stated Current noise larger than the background's whole spread leaves no signal there to correct.
        var (_, noisy) = NoisyCurrent(3, 3e-12);
        var analysis = new ChromosomeAnalyzer(new AnalysisOptions { BootstrapResamples = 0 }).Analyze(WithNoise(noisy, 0, 1e-10));

        var background = NoiseAttenuation.Correct(analysis).Single(c => c.Region == Regions.Background && c.Channel == "Current");
        Assert.True(background.ChannelReliability < NoiseAttenuation.MinReliability);
        Assert.Null(background.Corrected);
    }

    [Theory]
    [InlineData(2.0, 1.0, 0.75)]
    [InlineData(1.0, 1.0, 0)]
    [InlineData(1.0, 0.0, 1)]
    public void Reliability_SignalShareOfVariance(double sd, double noise, double expected)
    {
        Assert.Equal(expected, NoiseAttenuation.Reliability(sd, noise), 12);
    }

    [Fact]
    public void Reliability_NoVariance_IsNaN()
    {
        Assert.True(double.IsNaN(NoiseAttenuation.Reliability(null, 1)));
        Assert.True(double.IsNaN(NoiseAttenuation.Reliability(0, 1)));
    }
}
