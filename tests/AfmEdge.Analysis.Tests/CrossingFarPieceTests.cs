using Ribbon = AfmEdge.Analysis.Tests.StackedSplitTests.Ribbon;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// A short wide chromosome under a long thin one, crossing it off its own middle (as the simulator's seed 2001 pair 5/6):
/// past the crossing, one piece of the short one lies beside the long one's flank. Where the skeleton of the long one runs
/// beside such a piece it is pulled off its axis, and the piece's corner lies nearer the long one's axis than its own; both
/// once gave the long one a share of the short one. 256² over 10 µm (39 nm pixels, as 512² over 20 µm), heights adding
/// where they overlap (which one owns the overlap is a guess; it is left out of the figures).
/// </summary>
public sealed class CrossingFarPieceTests(ITestOutputHelper output)
{
    private const int Size = 256;
    private const double Pixel = 10e-6 / Size;

    // The share of the short one's visible pixels it keeps (before the change: 0.79, 0.87 and 0.89): a shallower crossing
    // leaves a longer flank beside the long one, where the nearest-axis rule still hands over a strip a few pixels wide.
    [Theory]
    [InlineData(35, 0.85)]
    [InlineData(44, 0.90)]
    [InlineData(55, 0.90)]
    public void Analyze_PieceBesideTheOthersFlank_StaysWithItsChromosome(double degrees, double share)
    {
        var (longOne, shortOne, analysis) = Analyze(degrees, 0.8e-6);

        Assert.Equal(2, analysis.Chromosomes.Count);
        var found = analysis.Segmentation.Instances;
        var (shortId, kept) = Kept(shortOne, longOne, found);
        var (longId, _) = Kept(longOne, shortOne, found);
        Assert.NotEqual(shortId, longId);
        Assert.True(kept >= share, $"the short one keeps {kept:F3} of its visible pixels");

        // The long one's object: its own pixels and the overlap, not the short one's piece beside it (after: 0.946-0.963).
        int inside = 0, total = 0;
        for (var i = 0; i < found.Length; i++)
        {
            if (found[i] == longId)
            {
                total++;
                inside += longOne.Height(i % Size, i / Size) > 0 ? 1 : 0;
            }
        }

        output.WriteLine($"long one's object: {inside} of {total} pixels inside it");
        Assert.True(inside >= 0.94 * total, $"long one's object: only {inside} of its {total} pixels inside it");
    }

    // Half a micrometre off the crossing, past it the long one's skeleton bends off towards the short one's piece before the
    // object is wide enough there for the widened-stretch cut; its band followed the bend and took a strip of the piece.
    // Before the change (that bend kept): the short one's IoU 0.791 and 0.793, the long one's 0.915 and 0.912; after, 0.879
    // and 0.873, 0.950 and 0.944. Scored as the eval scores a crossing: the truth gives the overlap to the one on top (here
    // the long one, which runs through), the one beneath keeps its visible pixels.
    [Theory]
    [InlineData(41, 0.5)]
    [InlineData(44, 0.5)]
    public void Analyze_SkeletonPulledTowardsThePieceBesideIt_TheLongOneTakesNoStripOfIt(double degrees, double offsetUm)
    {
        var (longOne, shortOne, analysis) = Analyze(degrees, offsetUm * 1e-6);

        Assert.Equal(2, analysis.Chromosomes.Count);
        var found = analysis.Segmentation.Instances.ToArray();
        var (topId, top) = Iou(found, i => longOne.Height(i % Size, i / Size) > 0);
        var (underId, under) = Iou(found, i => shortOne.Height(i % Size, i / Size) > 0 && longOne.Height(i % Size, i / Size) <= 0);
        output.WriteLine($"{degrees}° {offsetUm} µm: long (on top) IoU {top:F3}, short (beneath) IoU {under:F3}");
        Assert.NotEqual(topId, underId);
        Assert.True(top >= 0.935, $"long one: IoU {top:F3}");
        Assert.True(under >= 0.86, $"short one: IoU {under:F3}");
    }

    /// <summary>
    /// 7.5 × 0.86 µm along 0.4 rad, and 3.4 × 1.06 µm crossing it at <paramref name="degrees"/>, its centre
    /// <paramref name="offset"/> metres off the crossing, heights adding; analysed.
    /// </summary>
    private static (Ribbon Long, Ribbon Short, ChromosomeAnalysis Analysis) Analyze(double degrees, double offset)
    {
        var longOne = new Ribbon(128, 128, 0.4, 7.5e-6, 0.43e-6, 177e-9);
        var angle = 0.4 + (degrees * Math.PI / 180);
        var shortOne = new Ribbon(128 + (offset / Pixel * Math.Cos(angle)), 128 + (offset / Pixel * Math.Sin(angle)), angle, 3.4e-6, 0.53e-6, 181e-9);
        var frame = ChromosomeAnalyzerTests.Synthetic(Size, (x, y) => (float)(longOne.Height(x, y) + shortOne.Height(x, y)), (_, _) => 1e-11f);
        return (longOne, shortOne, new ChromosomeAnalyzer().Analyze(frame));
    }

    /// <summary>The object overlapping the true pixels most, and its IoU with them.</summary>
    private static (int Id, double Iou) Iou(int[] found, Func<int, bool> truth)
    {
        var votes = new Dictionary<int, int>();
        var pixels = 0;
        for (var i = 0; i < found.Length; i++)
        {
            if (truth(i))
            {
                pixels++;
                votes[found[i]] = votes.GetValueOrDefault(found[i]) + 1;
            }
        }

        var (id, shared) = votes.Where(v => v.Key != 0).MaxBy(v => v.Value);
        var size = found.Count(f => f == id);
        return (id, (double)shared / (pixels + size - shared));
    }

    /// <summary>The object holding most of <paramref name="own"/>'s pixels outside <paramref name="other"/>, and its share of them.</summary>
    private (int Id, double Share) Kept(Ribbon own, Ribbon other, ReadOnlySpan<int> found)
    {
        var votes = new Dictionary<int, int>();
        var visible = 0;
        for (var i = 0; i < found.Length; i++)
        {
            if (own.Height(i % Size, i / Size) > 0 && other.Height(i % Size, i / Size) <= 0)
            {
                visible++;
                votes[found[i]] = votes.GetValueOrDefault(found[i]) + 1;
            }
        }

        var (id, count) = votes.Where(v => v.Key != 0).MaxBy(v => v.Value);
        output.WriteLine($"ribbon at {own.Angle:F2} rad: {count} of {visible} visible pixels in object {id}");
        return (id, (double)count / visible);
    }
}
