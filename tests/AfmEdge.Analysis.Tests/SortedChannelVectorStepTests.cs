using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The split's vector steps (eight consecutive pairs gathered at once, eight distinct pairs' values ranked at once) against a
/// plain reference: regions in long runs, as a frame's background is, broken by members that are no pair, non-finite values,
/// ties, −0 and +0, at every offset from the vector boundaries. Values, sums (bit for bit, added in sorted and in pair order) and
/// ranks must be exactly what one-by-one walks give.
/// </summary>
public sealed class SortedChannelVectorStepTests
{
    [Theory]
    [InlineData(0, 1, 0.0)]
    [InlineData(1, 2, 0.0)]
    [InlineData(7, 3, 0.0)]
    [InlineData(8, 4, 0.0)]
    [InlineData(9, 5, 0.0)]
    [InlineData(17, 6, 0.05)]
    [InlineData(300, 7, 0.0)]
    [InlineData(5000, 8, 0.02)]
    [InlineData(5000, 9, 0.3)]
    [InlineData(70_001, 10, 0.01)]
    // Regions of about 75 000 pixels, past SortedChannel.WideFrom: sorted in parts.
    [InlineData(300_001, 11, 0.01)]
    [InlineData(300_001, 12, 0.3)]
    public void Split_LongRuns_SameAsPlainReference(int count, int seed, double oddFraction)
    {
        var random = new Random(seed);

        // Mostly distinct values over a few binades of both signs; now and then a non-finite value, a zero of either sign or
        // a repeat of an earlier value.
        var data = new float[count];
        for (var i = 0; i < count; i++)
        {
            data[i] = random.NextDouble() < oddFraction
                ? random.Next(6) switch
                {
                    0 => float.NaN,
                    1 => float.PositiveInfinity,
                    2 => -0f,
                    3 => 0f,
                    _ => i > 0 ? data[random.Next(i)] : 1f,
                }
                : (float)((random.NextDouble() - 0.3) * Math.Pow(10, -random.Next(1, 4)));
        }

        // Regions in runs of 1 to 300 pixels (and pixels in none); nearly every member a pair when its value is finite.
        const int Regions = 3;
        var region = new int[count];
        for (var i = 0; i < count;)
        {
            var run = random.Next(1, 301);
            var r = random.Next(Regions + 1);
            for (var j = i; j < Math.Min(count, i + run); j++)
            {
                region[j] = r;
            }

            i += run;
        }

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
            var pair = float.IsFinite(data[i]) && random.NextDouble() >= oddFraction;
            pairOf[i] = pair ? pairs[r]++ : -1;
            place[i] = (r << SortedChannel.PlaceBits) | (pair ? pairOf[i] : SortedChannel.Uncorrelated);
        }

        var split = new SortedChannel?[Regions];
        SortedChannel.Split(data, place, sizes, pairs, split, gatherPairs: true);
        for (var r = 0; r < Regions; r++)
        {
            using var sorted = split[r]!;
            var members = Enumerable.Range(0, count).Where(i => region[i] == r).ToArray();

            // The finite values in key order (−0 before +0), summed in that order by the eight partial sums' scalar reference
            // (one running sum is the same while every partial sum is exact, not over a few hundred thousand values).
            var finite = members.Where(i => float.IsFinite(data[i])).Select(i => data[i]).ToArray();
            var expected = finite.OrderBy(SortKeys.Sortable).ToArray();
            Assert.Equal(Bits(expected), Bits(sorted.Values.ToArray()));
            var sum = SortedChannel.LaneSumScalar<SortedChannel.Plain>(expected, 0);
            Assert.Equal(BitConverter.DoubleToInt64Bits(sum), BitConverter.DoubleToInt64Bits(sorted.Sum));

            // The pairs' values in pair order, their sum in that order, and their ranks among themselves.
            var ranked = members.Where(i => pairOf[i] >= 0).ToArray();
            var pairValues = ranked.Select(i => data[i]).ToArray();
            Assert.True(sorted.PairValuesComplete);
            Assert.Equal(Bits(pairValues), Bits(sorted.PairValues.ToArray()));
            var pairSum = 0.0;
            foreach (var v in pairValues)
            {
                pairSum += v;
            }

            Assert.Equal(BitConverter.DoubleToInt64Bits(pairSum), BitConverter.DoubleToInt64Bits(sorted.PairSum));
            Assert.Equal(ReferenceRanks(pairValues), sorted.Ranks.ToArray());
        }
    }

    [Fact]
    public void Split_EveryValueTied_RanksAveragedAcrossVectorBoundaries()
    {
        // Runs of equal values of every length around eight: the vector step must leave each run to the walk.
        var data = new List<float>();
        for (var run = 1; run <= 20; run++)
        {
            data.AddRange(Enumerable.Repeat((float)run, run));
        }

        var values = data.ToArray();
        var count = values.Length;
        var place = Enumerable.Range(0, count).ToArray();
        var split = new SortedChannel?[1];
        SortedChannel.Split(values, place, [count], [count], split, gatherPairs: true);
        using var sorted = split[0]!;
        Assert.Equal(values, sorted.Values.ToArray());
        Assert.Equal(ReferenceRanks(values), sorted.Ranks.ToArray());
    }

    /// <summary>
    /// Short runs of equal values (two to four, one value in three tied, as a channel of few distinct values has), −0 next to
    /// +0 among them, at every offset within the vector steps' eights and across their ends, in a small segment and in one
    /// sorted in parts: the vector step ranks the runs within an eight itself; values, ranks and sums as the plain walk's.
    /// </summary>
    [Theory]
    [InlineData(2_000, 31)]
    [InlineData(80_001, 32)]
    public void Split_ShortRunsOfEqualValues_RankedAsTheReference(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count;)
        {
            var run = random.Next(3) == 0 ? random.Next(2, 5) : 1;
            var value = random.Next(50) == 0 ? (random.Next(2) == 0 ? -0f : 0f) : (float)(random.NextDouble() - 0.5);
            for (var j = i; j < Math.Min(count, i + run); j++)
            {
                values[j] = value;
            }

            i += run;
        }

        random.Shuffle(values);
        var place = Enumerable.Range(0, count).ToArray();
        var split = new SortedChannel?[1];
        SortedChannel.Split(values, place, [count], [count], split, gatherPairs: true);
        using var sorted = split[0]!;
        var expected = values.OrderBy(SortKeys.Sortable).ToArray();
        Assert.Equal(Bits(expected), Bits(sorted.Values.ToArray()));
        Assert.Equal(ReferenceRanks(values), sorted.Ranks.ToArray());
        Assert.Equal(BitConverter.DoubleToInt64Bits(SortedChannel.LaneSumScalar<SortedChannel.Plain>(expected, 0)), BitConverter.DoubleToInt64Bits(sorted.Sum));
    }

    [Fact]
    public void Split_ZerosOfBothSignsAcrossParts_RankedAsOneTie()
    {
        // Far more −0 than a part holds (they close one) and as many +0 (they open the next): one value, one averaged rank.
        var random = new Random(21);
        var values = Enumerable.Range(0, 90_000).Select(i => (i % 9) switch
        {
            < 3 => -0f,
            < 6 => 0f,
            _ => (float)(random.NextDouble() - 0.5),
        }).ToArray();
        var count = values.Length;
        Assert.True(count / 3 > WordRadixSort.PartWords && count >= SortedChannel.WideFrom);
        var place = Enumerable.Range(0, count).ToArray();
        var split = new SortedChannel?[1];
        SortedChannel.Split(values, place, [count], [count], split, gatherPairs: true);
        using var sorted = split[0]!;
        Assert.Equal(Bits([.. values.OrderBy(SortKeys.Sortable)]), Bits(sorted.Values.ToArray()));
        Assert.Equal(ReferenceRanks(values), sorted.Ranks.ToArray());
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];

    /// <summary>1-based ranks, ties (−0 and +0 among them) sharing the average of the ranks they span: a comparison sort's.</summary>
    private static float[] ReferenceRanks(float[] values)
    {
        var order = Enumerable.Range(0, values.Length).ToArray();
        Array.Sort(order, (a, b) => values[a].CompareTo(values[b]));
        var ranks = new float[values.Length];
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && values[order[end]] == values[order[start]])
            {
                end++;
            }

            for (var k = start; k < end; k++)
            {
                ranks[order[k]] = (float)(0.5 * (start + 1 + end));
            }

            start = end;
        }

        return ranks;
    }
}
