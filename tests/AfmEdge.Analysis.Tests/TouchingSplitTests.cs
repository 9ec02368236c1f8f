using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// Two chromosomes in contact (side to side or tip to side, the simulator's <see cref="TouchKind.Contact"/>) at 512² over
/// 20 µm: the segmentation must split them, each matching its true outline and centromere.
/// </summary>
public sealed class TouchingSplitTests(ITestOutputHelper output)
{
    private static readonly SpecimenOptions Pairs = new()
    {
        ChromosomeCountMin = 2,
        ChromosomeCountMax = 2,
        TouchProbability = 1,
        Touch = TouchKind.Contact,
    };

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    public void Analyze_TouchingPair_SplitsIntoTwoMatchingChromosomes(long seed)
    {
        var scan = SimulatedScan.Create(seed, 512, options: Pairs);
        var analysis = new ChromosomeAnalyzer().Analyze(scan.Frame);
        var score = TruthScore.Of(analysis, scan);
        output.WriteLine(score.Describe());

        Assert.Equal(2, scan.Truth.Chromosomes.Count(c => c.PixelCount > 0));
        Assert.All(score.Chromosomes, c => Assert.True(c.Touching, $"chromosome {c.Id} does not touch the other: the specimen is not a touching pair"));
        Assert.Equal(2, analysis.Chromosomes.Count);
        Assert.All(analysis.Chromosomes, c => Assert.False(c.IsCluster, $"chromosome {c.Id} still measures as a cluster"));
        Assert.All(score.Chromosomes, c => Assert.True(c.Iou >= 0.9, $"chromosome {c.Id}: IoU {c.Iou:F3}"));
        Assert.All(score.Chromosomes, c => Assert.True(c.CentromerePixels <= 3, $"chromosome {c.Id}: centromere {c.CentromerePixels:F2} px off"));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Analyze_SeparateChromosomes_StayWhole()
    {
        // A pair kept apart: nothing measures as a cluster, so nothing is split.
        var scan = SimulatedScan.Create(3, 256, options: Pairs with { TouchProbability = 0 });
        var analysis = new ChromosomeAnalyzer().Analyze(scan.Frame);

        Assert.Equal(scan.Truth.Chromosomes.Count(c => c.PixelCount > 0), analysis.Chromosomes.Count);
        Assert.All(TruthScore.Of(analysis, scan).Chromosomes, c => Assert.True(c.Iou >= 0.85, $"chromosome {c.Id}: IoU {c.Iou:F3}"));
    }
}
