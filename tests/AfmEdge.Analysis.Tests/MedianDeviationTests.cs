using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

public sealed class MedianDeviationTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(10, 4)]
    [InlineData(257, 5)]
    [InlineData(1000, 6)]
    [InlineData(1001, 7)]
    public void Merged_SortedValuesWithTies_EqualsWalkingTheMerge(int count, int seed)
    {
        var random = new Random(seed);

        // Skewed, tied and spread values, so the median's two sides hold different counts and equal deviations.
        var values = Enumerable.Range(0, count).Select(i => (i % 4) switch
        {
            0 => random.Next(5) * 0.25f,
            1 => (float)Math.Exp(random.NextDouble() * 4),
            _ => (float)(random.NextDouble() - 0.3),
        }).Order().ToArray();
        var median = count % 2 == 1 ? values[count / 2] : 0.5 * ((double)values[(count / 2) - 1] + values[count / 2]);
        var split = values.Count(v => v <= median);

        for (var rank = 0; rank < count; rank++)
        {
            Assert.Equal(Walk(values, median, split, rank), RegionAnalysis.Merged(values, median, split, rank));
        }
    }

    /// <summary>The merge walked step by step outwards from the median, as the MAD was first computed.</summary>
    private static double Walk(float[] values, double median, int split, int rank)
    {
        int left = split - 1, right = split;
        var current = 0.0;
        for (var k = 0; k <= rank; k++)
        {
            var dl = left >= 0 ? median - values[left] : double.PositiveInfinity;
            var dr = right < values.Length ? values[right] - median : double.PositiveInfinity;
            if (dl <= dr)
            {
                current = dl;
                left--;
            }
            else
            {
                current = dr;
                right++;
            }
        }

        return current;
    }
}
