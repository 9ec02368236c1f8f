using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// Two chromosomes lying across each other (the simulator's <see cref="TouchKind.Crossing"/>: heights add, the later one
/// on top owns the crossing, the one beneath may be seen in two pieces) over 20 µm: the analysis must give one instance
/// per chromosome, each matching its true outline, with an axis through the crossing; both stay clusters for the
/// statistics (which lies on top is a guess, and heights add where they overlap).
/// </summary>
public sealed class CrossingSplitTests(ITestOutputHelper output)
{
    private static readonly SpecimenOptions Pairs = new()
    {
        ChromosomeCountMin = 2,
        ChromosomeCountMax = 2,
        TouchProbability = 1,
        Touch = TouchKind.Crossing,
    };

    [Theory]
    [InlineData(6, 256)]
    [InlineData(10, 256)]
    [InlineData(16, 256)]
    public void Analyze_CrossingPair_GivesTwoMatchingChromosomes(long seed, int pixels) => AssertSplit(seed, pixels);

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(6, 512)]
    [InlineData(10, 512)]
    [InlineData(15, 512)]
    public void Analyze_CrossingPairFullResolution_GivesTwoMatchingChromosomes(long seed, int pixels) => AssertSplit(seed, pixels);

    private void AssertSplit(long seed, int pixels)
    {
        var scan = SimulatedScan.Create(seed, pixels, options: Pairs);
        var analysis = new ChromosomeAnalyzer().Analyze(scan.Frame);
        var score = TruthScore.Of(analysis, scan);
        output.WriteLine(score.Describe());

        Assert.Equal(2, scan.Truth.Chromosomes.Count(c => c.PixelCount > 0));
        Assert.All(score.Chromosomes, c => Assert.True(c.Touching, $"chromosome {c.Id} does not meet the other: the specimen is not a crossing pair"));
        Assert.Equal(2, analysis.Chromosomes.Count);
        Assert.All(score.Chromosomes, c => Assert.True(c.Iou >= 0.9, $"chromosome {c.Id}: IoU {c.Iou:F3}"));
        Assert.All(analysis.Chromosomes, c => Assert.True(c.IsCluster, $"chromosome {c.Id} lies across the other but enters the statistics"));

        // Each axis runs tip to tip of its own chromosome: as long as the true one to within a width.
        var truthIds = scan.Maps.Instances.Span;
        var foundIds = analysis.Segmentation.Instances;
        foreach (var truth in scan.Truth.Chromosomes)
        {
            var overlap = new int[analysis.Chromosomes.Count + 1];
            for (var i = 0; i < truthIds.Length; i++)
            {
                overlap[truthIds[i] == truth.Id ? foundIds[i] : 0]++;
            }

            overlap[0] = 0;
            var found = analysis.Chromosomes[Array.IndexOf(overlap, overlap.Max()) - 1];
            output.WriteLine($"chromosome {truth.Id}: length {truth.Length * 1e6:F2} µm, found {found.Length * 1e6:F2} µm");
            Assert.True(Math.Abs(found.Length - truth.Length) <= truth.Width, $"chromosome {truth.Id}: length {truth.Length * 1e6:F2} µm, found {found.Length * 1e6:F2} µm");
        }
    }
}
