using AfmEdge.Analysis.Segmentation;
using AfmEdge.Analysis.Statistics;
using AfmEdge.Core;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The substrate's median by a sampled bracket equals the radix select's to the bit (the order of the values' keys, −0
/// before +0), whatever the values' spread, ties or count; the bracket's vector pass equals its plain version, and the
/// selection among integer keys their sorted order.
/// </summary>
public sealed class SampledSelectionTests
{
    [Theory]
    [InlineData(32768, 1, 0)]
    [InlineData(32769, 2, 0)]
    [InlineData(100_000, 3, 1)]
    [InlineData(100_001, 4, 2)]
    [InlineData(250_000, 5, 3)]
    [InlineData(65_537, 6, 4)]
    [InlineData(40_000, 7, 5)]
    [InlineData(1000, 8, 0)]
    // More values than 2³¹ / 4096 (a 1024² frame's substrate): each sample's index is taken in 64 bits before the division.
    [InlineData(1_000_003, 9, 1)]
    public void MedianOfFinite_RandomValues_EqualsRadixSelectToTheBit(int count, int seed, int kind)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, count).Select(i => kind switch
        {
            // Noise about zero with both zeros among it.
            0 => i % 97 == 0 ? (i % 2 == 0 ? -0f : 0f) : (float)((random.NextDouble() - 0.5) * 1e-9),
            // Spread over many exponents, both signs.
            1 => (float)((random.NextDouble() - 0.5) * Math.Pow(10, -random.Next(3, 14))),
            // Few distinct values: heavy ties around the middle.
            2 => random.Next(5) * 1e-10f,
            // All equal.
            3 => 2.5e-10f,
            // Skewed: a ramp over the values' order (sorted runs, as rows of a tilted substrate), then a tail.
            4 => i < count * 3 / 4 ? i * 1e-14f : 1e-6f * (float)random.NextDouble(),
            // Exactly half of the values ±0: the middle straddles the two zeros.
            _ => i < count / 2 ? -0f : (i == count / 2 ? 0f : 1e-9f),
        }).ToArray();
        var original = (float[])values.Clone();
        var expected = Selection.MedianOfFinite(values, new float[count]);

        var actual = SampledSelection.MedianOfFinite(values, new float[count]);

        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(actual));
        Assert.Equal(original, values);
    }

    [Fact]
    public void MedianOfFinite_NoValues_IsNaN() =>
        Assert.True(double.IsNaN(SampledSelection.MedianOfFinite([], [])));

    [Theory]
    [InlineData(0, 1)]
    [InlineData(7, 2)]
    [InlineData(8, 3)]
    [InlineData(1001, 4)]
    public void Bracket_VectorPass_EqualsScalar(int count, int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, count).Select(i => i % 11 == 0 ? -0f : (float)(random.NextDouble() - 0.5)).ToArray();
        var keys = values.Select(SortKeys.Sortable).ToArray();
        var (lo, hi) = count == 0 ? (0u, 0u) : (keys.Order().ElementAt(count / 4), keys.Order().ElementAt(count * 3 / 4));
        var vector = new uint[count];
        var scalar = new uint[count];

        var (belowVector, inVector) = SampledSelection.Bracket(values, lo, hi, vector, vectors: true);
        var (belowScalar, inScalar) = SampledSelection.Bracket(values, lo, hi, scalar, vectors: false);

        Assert.Equal(keys.Count(k => k < lo), belowScalar);
        Assert.Equal(keys.Where(k => k >= lo && k <= hi), scalar.Take(inScalar));
        Assert.Equal((belowScalar, inScalar), (belowVector, inVector));
        Assert.Equal(scalar.Take(inScalar), vector.Take(inVector));
    }

    [Theory]
    [InlineData(1, 1, 0u, 0u)]
    [InlineData(2, 2, 7u, 7u)]
    [InlineData(50, 3, 100u, 130u)]
    [InlineData(5000, 4, 1000u, 1000u + 1500u)]
    [InlineData(20_000, 5, 0x3000_0000u, 0x3000_0000u + 1_000_000u)]
    [InlineData(20_000, 6, 0u, uint.MaxValue)]
    public void SelectInside_EveryRank_IsTheSortedKeyAndTheOneBefore(int count, int seed, uint lo, uint hi)
    {
        // Keys over the whole bracket, ties among them, and both ends present.
        var random = new Random(seed);
        var keys = Enumerable.Range(0, count).Select(i => i switch
        {
            0 => lo,
            1 => hi,
            _ => lo + (uint)(random.NextDouble() * random.NextDouble() * (hi - lo)),
        }).ToArray();
        var sorted = keys.Order().ToArray();
        for (var rank = 0; rank < count; rank += Math.Max(1, count / 97))
        {
            var (before, at) = SampledSelection.SelectInside((uint[])keys.Clone(), lo, hi, rank);
            Assert.Equal(sorted[rank], at);
            Assert.Equal(sorted[Math.Max(0, rank - 1)], before);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(50, 4)]
    [InlineData(5000, 5)]
    public void Select_KeysEveryRank_IsTheSortedKeyWithSmallerOnesBefore(int count, int seed)
    {
        var random = new Random(seed);
        var keys = Enumerable.Range(0, count).Select(_ => (uint)random.Next(count / 3 + 1)).ToArray();
        var sorted = keys.Order().ToArray();
        for (var k = 0; k < count; k += Math.Max(1, count / 50))
        {
            var work = (uint[])keys.Clone();
            Assert.Equal(sorted[k], OrderStatistics.Select<uint>(work, k));
            Assert.All(work.Take(k), v => Assert.True(v <= sorted[k]));
            Assert.All(work.Skip(k), v => Assert.True(v >= sorted[k]));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => OrderStatistics.Select<uint>(new uint[3], 3));
    }
}
