using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// A region's sum and its σ's sum of squared deviations, kept in eight partial sums: the vector path must give the scalar reference's
/// bits (so a board without 256-bit vectors reports the same σ), and both must be the plain sum to within rounding.
/// </summary>
public sealed class LaneSumTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(7, 3)]
    [InlineData(8, 4)]
    [InlineData(9, 5)]
    [InlineData(23, 6)]
    [InlineData(4096, 7)]
    [InlineData(250_003, 8)]
    public void VectorAndScalarPaths_SameBits_AndEqualThePlainSum(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            // A channel's values in physical units: a narrow spread about an offset (a current near 50 pA).
            values[i] = (float)(50e-12 + (5e-12 * (random.NextDouble() - 0.5)));
        }

        var mean = count > 0 ? values.Average(v => (double)v) : 0;
        var vector = SortedChannel.LaneSumVector<SortedChannel.Squared>(values, mean);
        var scalar = SortedChannel.LaneSumScalar<SortedChannel.Squared>(values, mean);
        Assert.Equal(BitConverter.DoubleToInt64Bits(scalar), BitConverter.DoubleToInt64Bits(vector));
        Assert.Equal(BitConverter.DoubleToInt64Bits(scalar), BitConverter.DoubleToInt64Bits(SortedChannel.SumOfSquares(values, mean)));

        var vectorSum = SortedChannel.LaneSumVector<SortedChannel.Plain>(values, 0);
        var scalarSum = SortedChannel.LaneSumScalar<SortedChannel.Plain>(values, 0);
        Assert.Equal(BitConverter.DoubleToInt64Bits(scalarSum), BitConverter.DoubleToInt64Bits(vectorSum));
        Assert.Equal(BitConverter.DoubleToInt64Bits(scalarSum), BitConverter.DoubleToInt64Bits(SortedChannel.SumOf(values)));
        var plainSum = values.Sum(v => (double)v);
        Assert.Equal(plainSum, scalarSum, Math.Max(1e-300, 1e-12 * Math.Abs(plainSum)));

        var plain = values.Sum(v => (v - mean) * (v - mean));
        Assert.Equal(plain, scalar, Math.Max(1e-300, 1e-12 * plain));
        if (count > 1)
        {
            Assert.True(scalar > 0);
        }
    }

    [Fact]
    public void LanesHoldEveryEighthValue_TailAddedLast()
    {
        Assert.Equal(66.0, SortedChannel.LaneSumVector<SortedChannel.Plain>(Enumerable.Range(1, 11).Select(i => (float)i).ToArray(), 0));

        // Value i is i + 1 about a mean of 0: the squares are 1, 4, 9, …; with 11 values the tail is 81 + 100 + 121.
        var values = Enumerable.Range(1, 11).Select(i => (float)i).ToArray();
        Assert.Equal(506.0, SortedChannel.LaneSumScalar<SortedChannel.Squared>(values, 0));
        Assert.Equal(506.0, SortedChannel.LaneSumVector<SortedChannel.Squared>(values, 0));
    }
}
