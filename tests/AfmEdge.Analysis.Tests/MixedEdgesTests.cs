namespace AfmEdge.Analysis.Tests;

public sealed class MixedEdgesTests
{
    private static int[] Square(int size, int x0, int y0, int side, int id, int[]? into = null)
    {
        var instances = into ?? new int[size * size];
        for (var y = y0; y < y0 + side; y++)
        {
            for (var x = x0; x < x0 + side; x++)
            {
                instances[(y * size) + x] = id;
            }
        }

        return instances;
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 16)]
    [InlineData(2, 24)]
    [InlineData(3, 25)]
    [InlineData(9, 25)]
    public void Rim_FiveByFiveSquare_RingsOfTheGivenDepth(int depth, int expected)
    {
        var instances = Square(9, 2, 2, 5, 1);

        var rim = MixedEdges.Rim(instances, 9, 9, depth);

        Assert.Equal(expected, rim.Count(r => r));
        Assert.All(Enumerable.Range(0, rim.Length).Where(i => rim[i]), i => Assert.NotEqual(0, instances[i]));
    }

    [Fact]
    public void Rim_TwoTouchingObjects_TheirContactIsNoRim()
    {
        // Two 4×4 squares side by side make one 8×4 block: only its outline touches the background.
        var instances = Square(12, 2, 2, 4, 1);
        Square(12, 6, 2, 4, 2, instances);

        var rim = MixedEdges.Rim(instances, 12, 12, 1);

        Assert.Equal(20, rim.Count(r => r));
        Assert.False(rim[(3 * 12) + 5]);
        Assert.False(rim[(3 * 12) + 6]);
    }

    [Fact]
    public void Rim_ObjectAtTheFrameEdge_TheFrameEdgeIsNoBackground()
    {
        var instances = Square(6, 0, 0, 3, 1);

        var rim = MixedEdges.Rim(instances, 6, 6, 1);

        Assert.False(rim[0]);
        Assert.True(rim[2]);
        Assert.True(rim[(2 * 6) + 1]);
        Assert.Equal(5, rim.Count(r => r));
    }

    [Fact]
    public void Rim_WrongSizeOrDepth_Throws()
    {
        Assert.Throws<ArgumentException>(() => MixedEdges.Rim(new int[10], 3, 3, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MixedEdges.Rim(new int[9], 3, 3, -1));
    }

    [Fact]
    public void Analyze_EdgeExclusion_LeavesTheRimOutOfRegionsButNotOutOfTheChromosomes()
    {
        var frame = SimulatedScan.Create(13, 128).Frame;
        var all = new ChromosomeAnalyzer().Analyze(frame);
        var interior = new ChromosomeAnalyzer(new AnalysisOptions { EdgeExclusion = 1 }).Analyze(frame);

        Assert.Equal(all.Chromosomes.Select(c => c.Area), interior.Chromosomes.Select(c => c.Area));
        Assert.Equal(all.Labels.ToArray(), interior.Labels.ToArray());
        var rim = MixedEdges.Rim(all.Segmentation.Instances, frame.Width, frame.Height, 1);
        var rimInRegions = Enumerable.Range(0, rim.Length).Count(i => rim[i] && all.Labels[i] is >= 1 and <= 3 && !all.Chromosomes[all.Segmentation.Instances[i] - 1].IsCluster
            && (all.Labels[i] == 2 || all.Chromosomes[all.Segmentation.Instances[i] - 1].ArmsAssigned));
        Assert.True(rimInRegions > 0);
        var before = all.Regions.Where(r => r.Region != Regions.Background).Sum(r => r.PixelCount);
        var after = interior.Regions.Where(r => r.Region != Regions.Background).Sum(r => r.PixelCount);
        Assert.Equal(before - rimInRegions, after);
        Assert.Equal(all.Regions.Single(r => r.Region == Regions.Background).PixelCount, interior.Regions.Single(r => r.Region == Regions.Background).PixelCount);
    }

    [Fact]
    public void Options_EdgeExclusionOutOfRange_NamesIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new ChromosomeAnalyzer(new AnalysisOptions { EdgeExclusion = -1 }));
        Assert.Contains("EdgeExclusion", e.Message, StringComparison.Ordinal);
    }
}
