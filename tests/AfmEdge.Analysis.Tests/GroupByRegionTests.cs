using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The grouping of pixels by region, which counts and copies long runs of one label 32 at a time, against the counting sort's
/// definition: each region's pixels in raster order from its start, the starts the running counts, pixels in no region at −1.
/// </summary>
public sealed class GroupByRegionTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 31)]
    [InlineData(3, 33)]
    [InlineData(4, 1000)]
    [InlineData(5, 70_001)]
    public void GroupByRegion_RunsOfLabels_MatchesCountingSort(int seed, int pixels)
    {
        // Runs of 1 to 200 pixels of a region or of none (excluded clusters, labels past the regions).
        var random = new Random(seed);
        var labels = new byte[pixels];
        for (var i = 0; i < pixels;)
        {
            var run = random.Next(1, 201);
            var label = random.Next(6) switch { 4 => RegionAnalysis.Excluded, 5 => (byte)random.Next(4, 255), var r => (byte)r };
            labels.AsSpan(i, Math.Min(run, pixels - i)).Fill(label);
            i += run;
        }

        var counts = new int[5];
        var grouped = new int[pixels];
        var place = Enumerable.Repeat(7, pixels).ToArray();
        RegionAnalysis.GroupByRegion(labels, counts, grouped, place);

        var start = 0;
        for (var r = 0; r < 4; r++)
        {
            var members = Enumerable.Range(0, pixels).Where(i => labels[i] == r).ToArray();
            Assert.Equal(start, counts[r]);
            Assert.Equal(members, grouped.AsSpan(start, members.Length).ToArray());
            start += members.Length;
        }

        Assert.Equal(start, counts[4]);
        for (var i = 0; i < pixels; i++)
        {
            Assert.Equal(labels[i] < 4 ? 7 : -1, place[i]);
        }
    }
}
