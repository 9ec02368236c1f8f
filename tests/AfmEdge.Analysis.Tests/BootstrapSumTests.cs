using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

public sealed class BootstrapSumTests
{
    [Theory]
    [InlineData(8, 1)]
    [InlineData(40, 7)]
    [InlineData(64, 300)]
    [InlineData(12, 5)]
    [InlineData(3, 9)]
    public void SumRows_DrawnRows_EqualsAddingThemOneAfterAnother(int stride, int rows)
    {
        var random = new Random(stride + rows);
        var table = Enumerable.Range(0, rows * stride).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-8, 8))).ToArray();
        var offsets = Enumerable.Range(0, 3 * rows).Select(_ => random.Next(rows) * stride).ToArray();
        var acc = new double[stride];
        acc.AsSpan().Fill(double.NaN);

        RegionAnalysis.SumRows(table, offsets, acc);

        var expected = new double[stride];
        foreach (var o in offsets)
        {
            for (var c = 0; c < stride; c++)
            {
                expected[c] += table[o + c];
            }
        }

        // Bit for bit: the bootstrap's intervals must not move with the way the sums are vectorised.
        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), acc.Select(BitConverter.DoubleToInt64Bits));
    }
}
