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

    [Theory]
    [InlineData(8, 1)]
    [InlineData(16, 7)]
    [InlineData(24, 300)]
    [InlineData(40, 9)]
    [InlineData(12, 5)]
    public void SumRows_TwoResamplesAtOnce_EqualsEachAlone(int stride, int rows)
    {
        var random = new Random(stride * rows);
        var table = Enumerable.Range(0, rows * stride).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-8, 8))).ToArray();
        var offsetsA = Enumerable.Range(0, 2 * rows + 1).Select(_ => random.Next(rows) * stride).ToArray();
        var offsetsB = Enumerable.Range(0, 2 * rows + 1).Select(_ => random.Next(rows) * stride).ToArray();
        var accA = new double[stride];
        var accB = new double[stride];
        var aloneA = new double[stride];
        var aloneB = new double[stride];

        RegionAnalysis.SumRows(table, offsetsA, offsetsB, accA, accB);
        RegionAnalysis.SumRows(table, offsetsA, aloneA);
        RegionAnalysis.SumRows(table, offsetsB, aloneB);

        Assert.Equal(aloneA.Select(BitConverter.DoubleToInt64Bits), accA.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(aloneB.Select(BitConverter.DoubleToInt64Bits), accB.Select(BitConverter.DoubleToInt64Bits));
    }

    [Theory]
    [InlineData(1, 24)]
    [InlineData(2, 8)]
    [InlineData(1599, 24)]
    [InlineData(1600, 40)]
    [InlineData(17, 16)]
    public void Draw_Blocks_EqualsTheGeneratorsDrawsInOrder(int blocks, int stride)
    {
        const ulong Seed = 0x5EED;
        var offsets = new int[(blocks + 15) / 16 * 16];

        RegionAnalysis.Draw(Seed, blocks, stride, offsets);

        // The generator's outputs one after the other: two draws from each (high half first), one from the last for an odd count.
        var random = new SplitMix64(Seed);
        var expected = new int[blocks];
        var k = 0;
        for (; k + 1 < blocks; k += 2)
        {
            var (first, second) = random.NextIntPair(blocks);
            expected[k] = first * stride;
            expected[k + 1] = second * stride;
        }

        if (k < blocks)
        {
            expected[k] = random.NextInt(blocks) * stride;
        }

        Assert.Equal(expected, offsets[..blocks]);
        Assert.All(expected, o => Assert.InRange(o, 0, (blocks - 1) * stride));
    }
}
