using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// A channel split into its regions' sorted values and ranked: each region's values are the stable sort of its finite
/// ones, and each pair's rank is 1-based, ties averaged, among the region's pairs only (the correlated members), whether a
/// value stands alone (the walk's fast path) or is shared.
/// </summary>
public sealed class SortedChannelRanksTests
{
    [Theory]
    [InlineData(1, 2000, 1000000)]
    [InlineData(2, 2000, 7)]
    [InlineData(3, 1, 3)]
    [InlineData(4, 517, 40)]
    public void Split_SubsetOfMembers_AveragedRanksAmongThem(int seed, int count, int distinct)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, count).Select(_ => (float)random.Next(distinct)).ToArray();
        var picked = Enumerable.Range(0, count).Select(_ => random.Next(4) != 0).ToArray();
        var pairOf = new int[count];
        var pairs = 0;
        for (var i = 0; i < count; i++)
        {
            pairOf[i] = picked[i] ? pairs++ : -1;
        }

        // Region 0, member i = pixel i, its pair or none.
        var place = pairOf.Select(p => p >= 0 ? p : SortedChannel.Uncorrelated).ToArray();
        var regions = new SortedChannel?[1];
        SortedChannel.Split(data, place, [count], [pairs], regions);
        using var sorted = regions[0]!;
        var ranks = sorted.Ranks;
        Assert.Equal(pairs, ranks.Length);
        Assert.Equal(data.Order().ToArray(), sorted.Values.ToArray());

        for (var i = 0; i < count; i++)
        {
            if (picked[i])
            {
                var below = Enumerable.Range(0, count).Count(j => picked[j] && data[j] < data[i]);
                var equal = Enumerable.Range(0, count).Count(j => picked[j] && data[j] == data[i]);
                Assert.Equal(below + (0.5 * (equal + 1)), ranks[pairOf[i]]);
            }
        }

        // The order: the pairs by value, equal values in raster order, each run of equal values marked where it starts.
        var pixelOf = Enumerable.Range(0, count).Where(i => picked[i]).ToArray();
        var expected = pixelOf.OrderBy(i => data[i]).ToArray();
        var order = sorted.Order.ToArray();
        Assert.Equal(expected.Select(i => pairOf[i]), order.Select(e => e & SortedChannel.Uncorrelated));
        for (var k = 0; k < order.Length; k++)
        {
            var starts = k == 0 || data[expected[k]] != data[expected[k - 1]];
            Assert.True(starts == ((order[k] & SortedChannel.RunStart) != 0), $"entry {k}: value {data[expected[k]]}, run start {starts}");
        }
    }

    [Theory]
    [InlineData(0, 1, 0)]
    [InlineData(1, 2, 0)]
    [InlineData(5000, 3, 0)]
    [InlineData(5000, 4, 1)]
    [InlineData(4099, 5, 2)]
    [InlineData(3000, 6, 3)]
    public void Split_Regions_EachTheSortOfItsFiniteValuesWithTheirRanks(int count, int seed, int kind)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, count).Select(i => kind switch
        {
            // Spread over many exponents and both signs, with non-finite samples, both zeros and ties.
            0 => (i % 7) switch
            {
                0 => float.NaN,
                1 => (i % 2 == 0) ? -0f : 0f,
                2 => random.Next(4) * 1e-9f,
                3 => i % 3 == 0 ? float.PositiveInfinity : float.NegativeInfinity,
                _ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, -random.Next(3, 12))),
            },

            // One narrow positive range: the top digit is the same for all (that pass is skipped).
            1 => 1.5f + (float)(random.NextDouble() * 0.25),

            // A handful of distinct values in one binade: the top two digits are shared.
            2 => 1f + (random.Next(8) * 1e-6f),

            // Every value the same: no pass moves anything.
            _ => 42f,
        }).ToArray();

        // Three regions and pixels in none; in each region about two members in three are pairs.
        const int Regions = 3;
        var region = Enumerable.Range(0, count).Select(_ => random.Next(Regions + 1)).ToArray();
        var place = new int[count];
        var sizes = new int[Regions];
        var pairs = new int[Regions];
        var pairOf = new int[count];
        for (var i = 0; i < count; i++)
        {
            var r = region[i];
            pairOf[i] = -1;
            if (r == Regions)
            {
                place[i] = -1;
                continue;
            }

            sizes[r]++;
            var pair = random.Next(3) != 0 && float.IsFinite(data[i]);
            pairOf[i] = pair ? pairs[r]++ : -1;
            place[i] = (r << SortedChannel.PlaceBits) | (pair ? pairOf[i] : SortedChannel.Uncorrelated);
        }

        var split = new SortedChannel?[Regions];
        SortedChannel.Split(data, place, sizes, pairs, split, gatherPairs: true);
        for (var r = 0; r < Regions; r++)
        {
            using var sorted = split[r]!;

            // Every pair is finite here: their values in pair (raster) order, summed in that order.
            var pairValues = Enumerable.Range(0, count).Where(i => region[i] == r && pairOf[i] >= 0).Select(i => data[i]).ToArray();
            Assert.True(sorted.PairValuesComplete);
            Assert.Equal(pairValues, sorted.PairValues.ToArray());
            Assert.Equal(pairValues.Aggregate(0.0, (a, v) => a + v), sorted.PairSum);
            var members = Enumerable.Range(0, count).Where(i => region[i] == r && float.IsFinite(data[i])).ToArray();
            var expected = members.OrderBy(i => SortKeys.Sortable(data[i])).Select(i => data[i]).ToArray();
            Assert.Equal(expected, sorted.Values.ToArray());
            var sum = expected.Sum(v => (double)v);
            Assert.Equal(sum, sorted.Sum, 1e-12 * Math.Max(1, Math.Abs(sum)));
            var ranked = Enumerable.Range(0, count).Where(i => region[i] == r && pairOf[i] >= 0).ToArray();
            Assert.Equal(ranked.Length, sorted.Ranks.Length);
            foreach (var i in ranked)
            {
                var below = ranked.Count(j => data[j] < data[i]);
                var equal = ranked.Count(j => data[j] == data[i]);
                Assert.Equal(below + (0.5 * (equal + 1)), sorted.Ranks[pairOf[i]]);
            }
        }
    }

    [Fact]
    public void Split_PairNotFinite_PairValuesIncomplete()
    {
        float[] data = [3f, float.NaN, 1f, 2f];
        int[] place = [0, 1, 2, SortedChannel.Uncorrelated];
        var split = new SortedChannel?[1];
        SortedChannel.Split(data, place, [4], [3], split, gatherPairs: true);
        using var sorted = split[0]!;

        Assert.False(sorted.PairValuesComplete);
        Assert.Equal([1f, 2f, 3f], sorted.Values.ToArray());
        Assert.Equal(2f, sorted.Ranks[0]);
        Assert.Equal(1f, sorted.Ranks[2]);
    }

    [Theory]
    [InlineData(1, 150_000, 40_000)]
    [InlineData(2, 70_000, 1_000_000)]
    public void Split_LargeRegion_SortedAndRankedAsTheReferenceRanks(int seed, int count, int distinct)
    {
        // Regions this large take the two-digit radix sort: the same order and ranks as the plain sort of the pairs' values.
        var random = new Random(seed);
        var data = Enumerable.Range(0, count).Select(_ => (random.Next(distinct) - (distinct / 2)) * 1e-3f).ToArray();
        var pairOf = new int[count];
        var pairs = 0;
        for (var i = 0; i < count; i++)
        {
            pairOf[i] = random.Next(5) != 0 ? pairs++ : -1;
        }

        var place = pairOf.Select(p => p >= 0 ? p : SortedChannel.Uncorrelated).ToArray();
        var split = new SortedChannel?[1];
        SortedChannel.Split(data, place, [count], [pairs], split);
        using var sorted = split[0]!;

        Assert.Equal(data.Order().ToArray(), sorted.Values.ToArray());
        var pairValues = Enumerable.Range(0, count).Where(i => pairOf[i] >= 0).Select(i => data[i]).ToArray();
        Assert.Equal(RegionAnalysis.Ranks(pairValues), sorted.Ranks.ToArray());
    }

    [Fact]
    public void Gathered_RegionsSortedInAnyOrderSideBySide_SameAsSplit()
    {
        // Four regions, one past the size sorted in parts; some members no pair, some values not finite.
        const int Count = 90_000;
        var random = new Random(17);
        var data = Enumerable.Range(0, Count).Select(_ => random.Next(50) == 0 ? float.NaN : (float)random.Next(20_000)).ToArray();
        var sizes = new int[4];
        var pairs = new int[4];
        var place = new int[Count];
        for (var i = 0; i < Count; i++)
        {
            var r = i < 70_000 ? 0 : random.Next(1, 4);
            sizes[r]++;
            place[i] = (r << SortedChannel.PlaceBits) | (random.Next(7) == 0 || !float.IsFinite(data[i]) ? SortedChannel.Uncorrelated : pairs[r]++);
        }

        var split = new SortedChannel?[4];
        SortedChannel.Split(data, place, sizes, pairs, split, gatherPairs: true);
        using var gathered = SortedChannel.Gathered.From(data, place, sizes, pairs, gatherPairs: true);
        var pieces = new SortedChannel?[4];
        int[] order = [3, 0, 2, 1];
        Parallel.ForEach(order, r => pieces[r] = gathered.Sort(r));
        for (var r = 0; r < 4; r++)
        {
            using var expected = split[r]!;
            using var actual = pieces[r]!;
            Assert.Equal(expected.Values.ToArray(), actual.Values.ToArray());
            Assert.Equal(expected.Ranks.ToArray(), actual.Ranks.ToArray());
            Assert.Equal(expected.PairValuesComplete, actual.PairValuesComplete);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Sum), BitConverter.DoubleToInt64Bits(actual.Sum));
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.PairSum), BitConverter.DoubleToInt64Bits(actual.PairSum));
        }
    }

    [Fact]
    public void Gathered_WithPairMeans_SumsPairSquaresAsPopulationSd()
    {
        // A region past the vector step's run length (long runs of consecutive pairs), broken by non-pairs and non-finite values;
        // the others scattered, one with no pairs at all.
        const int Count = 40_000;
        var random = new Random(23);
        var data = Enumerable.Range(0, Count).Select(i => random.Next(300) == 0 ? float.PositiveInfinity : (float)(Math.Sin(i * 0.001) * 3e-9 + random.NextDouble() * 1e-10)).ToArray();
        var sizes = new int[4];
        var pairs = new int[4];
        var place = new int[Count];
        var pairValues = new List<double>[] { [], [], [], [] };
        for (var i = 0; i < Count; i++)
        {
            var r = i % 1000 < 900 ? 0 : 1 + (i % 3 == 0 ? 0 : 1);
            sizes[r]++;
            var isPair = random.Next(40) != 0 && float.IsFinite(data[i]);
            place[i] = (r << SortedChannel.PlaceBits) | (isPair ? pairs[r]++ : SortedChannel.Uncorrelated);
            if (isPair)
            {
                pairValues[r].Add(data[i]);
            }
        }

        var means = new double[4];
        for (var r = 0; r < 4; r++)
        {
            means[r] = pairValues[r].Sum() / pairs[r];
        }

        using var gathered = SortedChannel.Gathered.From(data, place, sizes, pairs, gatherPairs: false, means);
        Assert.Equal(0, pairs[3]);
        for (var r = 0; r < 4; r++)
        {
            double expected = 0;
            foreach (var v in pairValues[r])
            {
                expected += (v - means[r]) * (v - means[r]);
            }

            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(gathered.PairSquares(r)));
            if (pairs[r] > 0)
            {
                Assert.Equal(PopulationSd(pairValues[r].ToArray(), means[r]), Math.Sqrt(gathered.PairSquares(r) / pairs[r]));
            }
        }

        // The words are gathered as without the means.
        using var plain = SortedChannel.Gathered.From(data, place, sizes, pairs, gatherPairs: false);
        for (var r = 0; r < 4; r++)
        {
            using var expected = plain.Sort(r);
            using var actual = gathered.Sort(r);
            Assert.Equal(expected.Values.ToArray(), actual.Values.ToArray());
            Assert.Equal(expected.Ranks.ToArray(), actual.Ranks.ToArray());
        }

        Assert.Throws<InvalidOperationException>(() => plain.PairSquares(0));
    }

    /// <summary>√(Σ(v − mean)² / n), summed in order: the σ the height side took in a pass of its own before the gather summed it.</summary>
    private static double PopulationSd(ReadOnlySpan<double> values, double mean)
    {
        double squares = 0;
        foreach (var v in values)
        {
            var d = v - mean;
            squares += d * d;
        }

        return Math.Sqrt(squares / values.Length);
    }
}
