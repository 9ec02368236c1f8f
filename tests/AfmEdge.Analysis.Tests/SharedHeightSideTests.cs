using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

public sealed class SharedHeightSideTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Run_SharedHeightSide_EqualsSummingItPerChannel(int seed)
    {
        const int Size = 96;
        var random = new Random(seed);

        // Background with three bands (p arm, centromere, q arm) and an excluded patch; height with ties, and two channels
        // that follow it with noise; one with a NaN on a correlated pixel, so it takes the per-channel path in both runs.
        var labels = new byte[Size * Size];
        var height = new float[Size * Size];
        var first = new float[Size * Size];
        var second = new float[Size * Size];
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var i = (y * Size) + x;
                labels[i] = x is >= 20 and < 76 && y is >= 30 and < 60 ? (byte)(1 + ((x - 20) / 19)) : x < 6 && y < 6 ? RegionAnalysis.Excluded : (byte)0;
                height[i] = (labels[i] is > 0 and < 4 ? 40e-9f : 0) + (random.Next(50) * 1e-10f);
                first[i] = (0.7f * height[i] * 1e9f) + (float)random.NextDouble();
                second[i] = (-0.3f * height[i] * 1e9f) + (float)random.NextDouble();
            }
        }

        second[(45 * Size) + 50] = float.NaN;
        ChannelData[] channels = [new("First", "V", first), new("Second", "deg", second)];
        var options = new AnalysisOptions { BootstrapResamples = 50 };

        var shared = Analyse(shareHeightSide: true);
        var own = Analyse(shareHeightSide: false);

        Assert.Equal(own.Statistics, shared.Statistics);
        Assert.Equal(own.Correlations, shared.Correlations);
        Assert.Equal(own.Differences, shared.Differences);
        Assert.All(shared.Correlations.Where(c => c.Region != "background"), c => Assert.NotNull(c.PearsonLow));

        RegionResults Analyse(bool shareHeightSide)
        {
            return RegionAnalysis.Run(labels, height, channels, Size, Size, 20e-9, 20e-9, options, null, shareHeightSide);
        }
    }
}
