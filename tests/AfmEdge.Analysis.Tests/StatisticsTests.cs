using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

public sealed class StatisticsTests
{
    [Fact]
    public void SortKeys_RandomFloats_SortsAscendingWithPayload()
    {
        var random = new Random(3);
        var keys = Enumerable.Range(0, 5000).Select(_ => (float)((random.NextDouble() - 0.5) * 1e-6)).ToArray();
        keys[10] = -0f;
        keys[11] = 0f;
        var original = (float[])keys.Clone();
        var items = Enumerable.Range(0, keys.Length).ToArray();
        SortKeys.Sort(keys, items, new uint[keys.Length], new uint[keys.Length], new int[keys.Length]);
        Assert.Equal(original.Order().ToArray(), keys);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(original[items[i]], keys[i]);
        }
    }

    [Fact]
    public void Ranks_Ties_AreAveraged() =>
        Assert.Equal([1.0, 2.5, 2.5, 4.0], RegionAnalysis.Ranks([1f, 2f, 2f, 5f]));

    [Fact]
    public void Median_OddAndEven_MatchDefinition()
    {
        Assert.Equal(2.0, Selection.Median([3f, 1f, 2f]));
        Assert.Equal(2.5, Selection.Median([4f, 1f, 3f, 2f]));
    }

    [Fact]
    public void MutualInformation_IndependentVersusIdentical_ZeroVersusLarge()
    {
        var random = new Random(5);
        var n = 20000;
        var a = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
        var independent = RegionAnalysis.MutualInformation(RegionAnalysis.Ranks(a), RegionAnalysis.Ranks(b), 16);
        var identical = RegionAnalysis.MutualInformation(RegionAnalysis.Ranks(a), RegionAnalysis.Ranks(a), 16);
        Assert.InRange(independent, 0, 0.01);

        // Identical variables binned into 16 equal-frequency bins share log2(16) = 4 bits (less the small bias correction).
        Assert.InRange(identical, 3.9, 4.0);
    }

    [Fact]
    public void TwoSidedP_KnownQuantiles()
    {
        Assert.Equal(0.05, Normal.TwoSidedP(1.959964), 1e-6);
        Assert.Equal(1.0, Normal.TwoSidedP(0), 1e-6);
        Assert.Equal(0.0026998, Normal.TwoSidedP(3), 1e-6);
    }
}
