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
        SortKeys.Sort(keys, items);
        Assert.Equal(original.Order().ToArray(), keys);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(original[items[i]], keys[i]);
        }
    }

    [Theory]
    [InlineData(0, 1, 0)]
    [InlineData(1, 2, 0)]
    [InlineData(3, 700, 0)]
    [InlineData(4, 9000, 50)]
    [InlineData(5, 20_000, 3)]
    public void SortKeys_TiesAndSpecialValues_StableSortOfTheirKeys(int seed, int count, int levels)
    {
        // Keys on a few levels (many ties) or spread over binades of both signs, with zeros of both signs, infinities and
        // NaNs of several payloads now and then; items any ints. The sort must be the stable one by the keys' order.
        var random = new Random(seed);
        var keys = new float[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = random.Next(40) switch
            {
                0 => -0f,
                1 => 0f,
                2 => float.NegativeInfinity,
                3 => BitConverter.Int32BitsToSingle(unchecked((int)0xFFC0_0001u) - random.Next(2)),
                4 => float.NaN,
                _ => levels > 0 ? random.Next(levels) - (levels / 2) : (float)((random.NextDouble() - 0.4) * Math.Pow(10, -random.Next(0, 12))),
            };
        }

        var items = Enumerable.Range(0, count).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray();
        var expected = Enumerable.Range(0, count).OrderBy(i => SortKeys.Sortable(keys[i])).ToArray();
        var sortedKeys = (float[])keys.Clone();
        var sortedItems = (int[])items.Clone();
        SortKeys.Sort(sortedKeys, sortedItems);
        Assert.Equal(expected.Select(i => BitConverter.SingleToInt32Bits(keys[i])), sortedKeys.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expected.Select(i => items[i]), sortedItems);
    }

    [Fact]
    public void Ranks_Ties_AreAveraged() =>
        Assert.Equal([1f, 2.5f, 2.5f, 4f], RegionAnalysis.Ranks([1f, 2f, 2f, 5f]));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(7, 3)]
    [InlineData(5000, 4)]
    [InlineData(5001, 5)]
    public void MedianOfFinite_RandomTiedAndSpreadValues_EqualsQuickselectMedian(int count, int seed)
    {
        // Values spread over many exponents, with ties, both zeros and a cluster that fills single radix buckets.
        var random = new Random(seed);
        var values = Enumerable.Range(0, count).Select(i => (i % 5) switch
        {
            0 => (float)((random.NextDouble() - 0.5) * Math.Pow(10, -random.Next(3, 12))),
            1 => i % 2 == 0 ? -0f : 0f,
            2 => 1e-9f + (random.Next(4) * 1e-18f),
            _ => (float)(random.NextDouble() * 1e-10),
        }).ToArray();
        var expected = Selection.Median((float[])values.Clone());
        var original = (float[])values.Clone();
        Assert.Equal(expected, Selection.MedianOfFinite(values, new float[count]));
        Assert.Equal(original, values);
    }

    [Fact]
    public void MedianOfFinite_MiddleStraddlesTwoBuckets_AveragesBoth()
    {
        // The two middle values of an even count lie in different radix buckets (top 16 bits differ).
        float[] values = [-2f, -1f, 1f, 2f];
        Assert.Equal(0.0, Selection.MedianOfFinite(values, new float[4]));
        Assert.Equal(double.NaN, Selection.MedianOfFinite([], []));
    }

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

    [Theory]
    [InlineData(1, 16)]
    [InlineData(7, 16)]
    [InlineData(1001, 10)]
    [InlineData(262_143, 16)]
    public void RankBins_EveryRank_SameAsRankBin(int n, int bins)
    {
        // Integer and half-integer (tied) ranks over the whole range, the last one included, at every offset from the vector steps.
        var ranks = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? (float)(i + 1) : Math.Min(n, i + 1.5f)).ToArray();
        ranks[^1] = n;
        var scale = (double)bins / n;
        var binOf = new int[n];
        HeightSide.RankBins(ranks, scale, bins, binOf);
        Assert.Equal(ranks.Select(r => RegionAnalysis.RankBin(r, scale, bins) * bins).ToArray(), binOf);
    }

    [Fact]
    public void TwoSidedP_KnownQuantiles()
    {
        Assert.Equal(0.05, Normal.TwoSidedP(1.959964), 1e-6);
        Assert.Equal(1.0, Normal.TwoSidedP(0), 1e-6);
        Assert.Equal(0.0026998, Normal.TwoSidedP(3), 1e-6);
    }

    [Fact]
    public void RegionFrame_RasterMembers_BlocksAndInteriorMatchTheirDefinition()
    {
        // A label image with regions of every shape, including rows a region skips entirely.
        const int Width = 37, Rows = 29, BlockPixels = 5;
        var random = new Random(11);
        var labels = new byte[Width * Rows];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = (byte)(random.Next(10) < 7 ? 0 : random.Next(1, 4));
        }

        var height = Enumerable.Range(0, labels.Length).Select(i => i % 17 == 0 ? float.NaN : (float)i).ToArray();
        for (byte region = 0; region < 4; region++)
        {
            var members = Enumerable.Range(0, labels.Length).Where(i => labels[i] == region).ToArray();
            using var frame = RegionFrame.Create(members, labels, height, Width, Rows, BlockPixels, guard: true, channels: 2);
            var slots = new Dictionary<int, int>();
            var interior = members.Select(p => Interior(p, region)).ToArray();
            var thin = interior.Count(i => i) < 3;
            for (var k = 0; k < members.Length; k++)
            {
                var p = members[k];
                int x = p % Width, y = p / Width;
                var correlated = (interior[k] || thin) && float.IsFinite(height[p]);
                Assert.Equal(correlated, frame.Correlated[k]);
                if (!correlated)
                {
                    Assert.Equal(-1, frame.BlockOf[k]);
                    continue;
                }

                // Blocks are numbered in order of first appearance among the correlated members.
                var block = (y / BlockPixels * ((Width + BlockPixels - 1) / BlockPixels)) + (x / BlockPixels);
                if (!slots.TryGetValue(block, out var slot))
                {
                    slot = slots.Count;
                    slots[block] = slot;
                }

                Assert.Equal(slot, frame.BlockOf[k]);
            }

            Assert.Equal(slots.Count, frame.Blocks);
        }

        bool Interior(int p, byte region)
        {
            int x = p % Width, y = p / Width;
            return (x == 0 || Same(labels[p - 1], region)) && (x == Width - 1 || Same(labels[p + 1], region))
                   && (y == 0 || Same(labels[p - Width], region)) && (y == Rows - 1 || Same(labels[p + Width], region));
        }

        static bool Same(byte neighbour, byte label) => neighbour == label || neighbour == 0;
    }

    [Fact]
    public void SplitMix64_NextIntPair_BothHalvesUniformAndInRange()
    {
        const int Bound = 7, Draws = 70_000;
        var random = new SplitMix64(42);
        var first = new int[Bound];
        var second = new int[Bound];
        var same = 0;
        for (var i = 0; i < Draws; i++)
        {
            var (a, b) = random.NextIntPair(Bound);
            first[a]++;
            second[b]++;
            same += a == b ? 1 : 0;
        }

        // Each half uniform (each count within 5σ of 10 000), and the two halves independent (equal 1/7 of the time).
        Assert.All(first, c => Assert.InRange(c, 9_500, 10_500));
        Assert.All(second, c => Assert.InRange(c, 9_500, 10_500));
        Assert.InRange(same, 9_500, 10_500);
    }
}
