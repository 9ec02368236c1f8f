using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The crossing splitter's chain choice after a chain is dropped: choosing again only the pixels the dropped chain owned or
/// reached must leave every pixel's chain and overlap as a whole new choice among the remaining chains does.
/// </summary>
public sealed class CrossingChoiceTests
{
    [Theory]
    [InlineData(1, 4, 0)]
    [InlineData(2, 4, 3)]
    [InlineData(3, 6, 2)]
    [InlineData(4, 8, 5)]
    [InlineData(5, 3, 1)]
    public void Drop_RandomDistances_EqualsChoosingAnew(int seed, int chainCount, int dropped)
    {
        var random = new Random(seed);
        const int Pixels = 4000;

        // Squared distances on a coarse grid of values (equal relative distances occur), some beyond every reach (+∞);
        // chains of a few half-widths, some equal, some ending under others, some of equal ridge.
        var best = new float[Pixels * chainCount];
        for (var k = 0; k < best.Length; k++)
        {
            best[k] = random.Next(10) == 0 ? float.PositiveInfinity : random.Next(0, 120) * 0.5f;
        }

        var local = Enumerable.Range(0, Pixels).Select(_ => random.Next(5) == 0 ? 0 : 1).ToArray();
        var chains = Enumerable.Range(0, chainCount)
            .Select(_ => new CrossingSplitter.Chain([], random.Next(2, 6), random.Next(3), random.Next(2)))
            .ToList();
        // The columns in another order than the chains (as after earlier drops).
        var column = Enumerable.Range(0, chainCount).OrderBy(_ => random.Next()).ToList();

        var owner = new int[Pixels];
        var overlap = new bool[Pixels];
        CrossingSplitter.Choose(chains, column, local, best, chainCount, owner, overlap);
        CrossingSplitter.Drop(chains, column, local, best, chainCount, owner, overlap, dropped);

        var expectedOwner = new int[Pixels];
        var expectedOverlap = new bool[Pixels];
        CrossingSplitter.Choose(chains, column, local, best, chainCount, expectedOwner, expectedOverlap);
        Assert.Equal(chainCount - 1, chains.Count);
        Assert.Equal(expectedOwner, owner);
        Assert.Equal(expectedOverlap, overlap);
        Assert.Contains(overlap, v => v);
    }
}
