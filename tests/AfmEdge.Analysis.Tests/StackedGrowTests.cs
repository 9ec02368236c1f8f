using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The stacked splitter grows its core through the object once, to the deepest overlap it tries, and reads each shallower
/// overlap off that: every one must equal the core grown to that depth alone (the arms, the pairing and the split depend on it).
/// </summary>
public sealed class StackedGrowTests
{
    [Theory]
    [InlineData(1, 50, 40)]
    [InlineData(2, 120, 70)]
    [InlineData(3, 33, 90)]
    public void WithinSteps_OfDeeperGrowth_EqualsGrowthToThatDepth(int seed, int w, int h)
    {
        var random = new Random(seed);
        var n = w * h;

        // A ragged blob with holes, its margin background (the walk reads every neighbour), and a core inside it.
        var local = new int[n];
        var labels = new int[n];
        for (var y = 1; y < h - 1; y++)
        {
            for (var x = 1; x < w - 1; x++)
            {
                var u = (x - (0.5 * w)) / (0.45 * w);
                var v = (y - (0.5 * h)) / (0.45 * h);
                var inside = (u * u) + (v * v) < 1 - (0.2 * random.NextDouble()) && random.NextDouble() > 0.08;
                local[(y * w) + x] = inside ? 1 : 0;
                labels[(y * w) + x] = inside && Math.Abs(u - 0.2) < 0.15 && Math.Abs(v) < 0.2 ? 2 : 0;
            }
        }

        const int Deepest = 12;
        var deep = StackedSplitter.Grow(labels, 2, local, new int[n], w, h, Deepest, new int[n]);
        for (var steps = 1; steps <= Deepest; steps++)
        {
            var expected = StackedSplitter.Grow(labels, 2, local, new int[n], w, h, steps, new int[n]);
            var actual = StackedSplitter.WithinSteps(deep, n, steps, new int[n]);
            Assert.Equal(expected, actual);
        }

        Assert.True(deep.Count(s => s > 0) > deep.Count(s => s == 0), "the core grew nowhere: the case tests nothing");
    }
}
