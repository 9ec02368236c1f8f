using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The touching splitter's persistence flood takes the radix sort's order, whose order among equal values differs from
/// the comparison sort's it used before, wherever each run of equal values floods alike in any order. Its basins must be
/// exactly those of the flood in the comparison sort's order, ties included (the split and the ids depend on them).
/// </summary>
public sealed class TouchingFloodTests
{
    private const double MarkerPersistence = 0.35;

    [Theory]
    [InlineData(1, 40, 30, 0)]
    [InlineData(2, 64, 48, 0)]
    [InlineData(3, 90, 70, 0)]
    [InlineData(4, 40, 30, 100000)]
    [InlineData(5, 64, 48, 300000)]
    [InlineData(6, 90, 70, 1000000)]
    [InlineData(7, 25, 80, 64)]
    [InlineData(8, 60, 60, 8)]
    public void Flood_EqualsFloodInComparisonSortOrder(int seed, int bw, int bh, int levels)
    {
        var fast = 0;
        var tiedCases = 0;
        for (var trial = 0; trial < 40; trial++)
        {
            var random = new Random((seed * 1000) + trial);
            var (landscape, order) = Landscape(random, bw, bh, levels);
            var comparisonOrder = AssertFloodAsReference(landscape, order, bw, bh);
            var tied = HasTies(landscape, order);
            tiedCases += tied ? 1 : 0;
            fast += tied && !comparisonOrder ? 1 : 0;
            Assert.True(tied || !comparisonOrder, "distinct values took the comparison sort");
        }

        // Quantised heights tie: the case must exercise runs of equal values, and sparse ties mostly flood alike.
        if (levels > 0)
        {
            Assert.True(tiedCases > 0, "no trial had equal values: the case tests nothing");
        }

        if (levels >= 100000)
        {
            Assert.True(fast > 0, "no trial with equal values kept the radix order");
        }
    }

    [Fact]
    public void Flood_PlateauOfNeighbours_TakesComparisonOrder()
    {
        // A flat top of neighbouring equal values: the order among them decides which basin each joins.
        const int Bw = 20, Bh = 12;
        var landscape = new float[Bw * Bh];
        var order = new List<int>();
        for (var y = 1; y < Bh - 1; y++)
        {
            for (var x = 1; x < Bw - 1; x++)
            {
                var i = (y * Bw) + x;
                landscape[i] = x is >= 8 and <= 11 ? 5f : 1f + (0.01f * i);
                order.Add(i);
            }
        }

        Assert.True(AssertFloodAsReference(landscape, [.. order], Bw, Bh));
    }

    [Theory]
    [InlineData(11, 40, 30, 0.002)]
    [InlineData(12, 64, 48, 0.01)]
    [InlineData(13, 90, 70, 0.05)]
    [InlineData(14, 60, 60, 0.3)]
    public void Flood_EqualNeighbourPairs_EqualsFloodInComparisonSortOrder(int seed, int bw, int bh, double pairFraction)
    {
        // Distinct values but for pixels given their left neighbour's value (as upsampling does): pairs of equal
        // neighbours all over the slopes and tops, some flooding alike either way, some not.
        for (var trial = 0; trial < 40; trial++)
        {
            var random = new Random((seed * 1000) + trial);
            var (landscape, order) = Landscape(random, bw, bh, 0);
            var inObject = new bool[bw * bh];
            foreach (var p in order)
            {
                inObject[p] = true;
            }

            for (var p = 1; p < bw * bh; p++)
            {
                if (inObject[p] && inObject[p - 1] && p % bw != 0 && random.NextDouble() < pairFraction)
                {
                    landscape[p] = landscape[p - 1];
                    p++;
                }
            }

            AssertFloodAsReference(landscape, order, bw, bh);
        }
    }

    [Theory]
    // The top of the slope two equal pixels, neither with a flooded neighbour: one new basin in either order.
    [InlineData(0, false, false)]
    // Two equal pixels down the slope: the upper one joins the basin above, the lower one has no flooded neighbour.
    [InlineData(6, false, false)]
    // The same at the foot, of value 0: the lower one, flooded first, would stay a basin of its own.
    [InlineData(18, true, true)]
    public void Flood_TwoEqualNeighboursInARow_RadixOrderWhereAlike(int at, bool zero, bool comparison)
    {
        // One row of an object, falling from 20 at the left by one a pixel, pixel at + 1 as high as pixel at (both 0 with zero).
        const int Bw = 20, Bh = 3;
        var landscape = new float[Bw * Bh];
        var order = new List<int>();
        for (var x = 0; x < Bw; x++)
        {
            landscape[Bw + x] = 20 - x;
            order.Add(Bw + x);
        }

        landscape[Bw + at + 1] = landscape[Bw + at] = zero ? 0 : landscape[Bw + at];
        var comparisonOrder = AssertFloodAsReference(landscape, [.. order], Bw, Bh);
        Assert.Equal(comparison, comparisonOrder);
    }

    [Theory]
    // A deep valley's floor of two equal pixels, each next to one side: which side each joins depends on the order.
    [InlineData(1f, true)]
    // A shallow one: the lower side merges into the higher in either order, both pixels with them.
    [InlineData(0.5f, false)]
    public void Flood_TwoEqualNeighboursBetweenTwoBasins_RadixOrderWhereTheLowerMerges(float fall, bool comparison)
    {
        // One row: from 10 at the left falling by `fall` a pixel to the floor at 5 and 6, rising from 10 at 6 by one a pixel.
        const int Bw = 12, Bh = 3;
        var landscape = new float[Bw * Bh];
        var order = new List<int>();
        for (var x = 0; x < Bw; x++)
        {
            landscape[Bw + x] = x <= 5 ? 10f - (fall * x) : 4f + x;
            order.Add(Bw + x);
        }

        landscape[Bw + 6] = landscape[Bw + 5];
        Assert.Equal(comparison, AssertFloodAsReference(landscape, [.. order], Bw, Bh));
    }

    [Fact]
    public void Flood_TwoEqualNeighboursBesideOneBasin_RadixOrder()
    {
        // Two rows falling from left to right, the lower row below the upper: two equal pixels of the lower row both next to
        // the one basin of everything above them.
        const int Bw = 12, Bh = 4;
        var landscape = new float[Bw * Bh];
        var order = new List<int>();
        for (var x = 0; x < Bw; x++)
        {
            landscape[Bw + x] = 30f - x;
            landscape[(2 * Bw) + x] = 10f - x;
            order.Add(Bw + x);
            order.Add((2 * Bw) + x);
        }

        landscape[(2 * Bw) + 4] = landscape[(2 * Bw) + 3];
        Assert.False(AssertFloodAsReference(landscape, [.. order], Bw, Bh));
    }

    // Flood against the reference flood, basin for basin; whether it took the comparison sort's order.
    private static bool AssertFloodAsReference(float[] landscape, int[] order, int bw, int bh)
    {
        var expectedBasin = new int[bw * bh];
        var expected = ReferenceFlood(landscape, [.. order], expectedBasin, bw, bh);
        var basin = new int[bw * bh];
        var count = TouchingSplitter.Flood(landscape, order.ToArray().AsSpan(), basin, bw, bh, out var comparisonOrder);
        Assert.Equal(expected, count);
        foreach (var p in order)
        {
            Assert.Equal(expectedBasin[p], basin[p]);
        }

        // The box's other pixels are −1: the union test reads them as no basin's.
        var inOrder = order.ToHashSet();
        Assert.All(Enumerable.Range(0, bw * bh).Where(p => !inOrder.Contains(p)), p => Assert.Equal(-1, basin[p]));
        return comparisonOrder;
    }

    // An object (a ragged ellipse with a notch) over a grid with an empty margin, and heights × capped distances much
    // like the splitter's: two or three humps, noise, quantised to `levels` steps (0: not quantised).
    private static (float[] Landscape, int[] Order) Landscape(Random random, int bw, int bh, int levels)
    {
        var landscape = new float[bw * bh];
        var order = new List<int>();
        var humps = random.Next(2, 4);
        var centres = Enumerable.Range(0, humps).Select(_ => (X: random.NextDouble() * bw, Y: random.NextDouble() * bh)).ToArray();
        for (var y = 0; y < bh; y++)
        {
            for (var x = 0; x < bw; x++)
            {
                var u = (x - (0.5 * bw)) / (0.48 * bw);
                var v = (y - (0.5 * bh)) / (0.48 * bh);
                if ((u * u) + (v * v) > 1 - (0.15 * random.NextDouble()) || (Math.Abs(u) < 0.1 && v > 0.4))
                {
                    continue;
                }

                var value = 0.0;
                foreach (var (cx, cy) in centres)
                {
                    value = Math.Max(value, Math.Exp(-(((x - cx) * (x - cx)) + ((y - cy) * (y - cy))) / (0.05 * bw * bh)));
                }

                value += 0.05 * random.NextDouble();
                landscape[(y * bw) + x] = levels > 0 ? (float)(Math.Round(value * levels) / levels) : (float)value;
                order.Add((y * bw) + x);
            }
        }

        return (landscape, [.. order]);
    }

    private static bool HasTies(float[] landscape, int[] order)
    {
        var values = order.Select(p => landscape[p]).Order().ToArray();
        return values.Zip(values.Skip(1)).Any(pair => pair.First == pair.Second);
    }

    // The flood as it was: the comparison sort of the negated values from the given order, then the union-find flood.
    private static int ReferenceFlood(float[] landscape, int[] order, int[] basin, int bw, int bh)
    {
        var keys = order.Select(p => -landscape[p]).ToArray();
        keys.AsSpan().Sort(order.AsSpan());
        var parent = new int[bw * bh];
        Array.Fill(parent, -1);
        var peak = new float[bw * bh];
        foreach (var p in order)
        {
            var value = landscape[p];
            var roots = new List<int>();
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    int x = (p % bw) + dx, y = (p / bw) + dy;
                    if ((dx | dy) != 0 && x >= 0 && y >= 0 && x < bw && y < bh && parent[(y * bw) + x] >= 0
                        && Root(parent, (y * bw) + x) is var r && !roots.Contains(r))
                    {
                        roots.Add(r);
                    }
                }
            }

            if (roots.Count == 0)
            {
                parent[p] = p;
                peak[p] = value;
                continue;
            }

            var highest = roots[0];
            foreach (var r in roots)
            {
                highest = peak[r] > peak[highest] ? r : highest;
            }

            parent[p] = highest;
            foreach (var r in roots)
            {
                if (r != highest && peak[r] - value < MarkerPersistence * peak[r])
                {
                    parent[r] = highest;
                }
            }
        }

        var number = new Dictionary<int, int>();
        foreach (var p in order)
        {
            if (parent[p] == p)
            {
                number[p] = number.Count;
            }
        }

        foreach (var p in order)
        {
            basin[p] = number[Root(parent, p)];
        }

        return number.Count;
    }

    private static int Root(int[] parent, int p)
    {
        while (parent[p] != p)
        {
            p = parent[p];
        }

        return p;
    }
}
