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
            var expectedBasin = new int[bw * bh];
            var expected = ReferenceFlood(landscape, [.. order], expectedBasin, bw, bh);

            var basin = new int[bw * bh];
            var count = TouchingSplitter.Flood(landscape, order.AsSpan(), basin, bw, bh, out var comparisonOrder);

            Assert.Equal(expected, count);
            foreach (var p in order)
            {
                Assert.Equal(expectedBasin[p], basin[p]);
            }

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

        var expectedBasin = new int[Bw * Bh];
        var expected = ReferenceFlood(landscape, [.. order], expectedBasin, Bw, Bh);
        var basin = new int[Bw * Bh];
        var count = TouchingSplitter.Flood(landscape, order.ToArray().AsSpan(), basin, Bw, Bh, out var comparisonOrder);

        Assert.True(comparisonOrder);
        Assert.Equal(expected, count);
        foreach (var p in order)
        {
            Assert.Equal(expectedBasin[p], basin[p]);
        }
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
