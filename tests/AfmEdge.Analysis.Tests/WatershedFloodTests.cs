using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The watershed, which takes the substrate off in its first pass and keeps its union-find forest in the instance table (parents
/// negated), against the plain flood it replaced: the substrate subtracted in its own pass, a table of parents filled with −1,
/// a stable sort by height, ids in the order basins are first met.
/// </summary>
public sealed class WatershedFloodTests
{
    [Theory]
    [InlineData(37, 23, 1, 0.0)]
    [InlineData(64, 48, 2, 0.37e-9)]
    [InlineData(12, 61, 3, -1.3e-9)]
    [InlineData(96, 96, 4, 2.1e-9)]
    public void Watershed_EqualsThePlainFloodToTheBit(int width, int rows, int seed, double substrate)
    {
        var height = Landscape(width, rows, seed);
        var (low, saddleRatio, persistence, minPeak) = (1.0e-9, 0.6, 1.5e-9, 4e-9);

        var tested = (float[])height.Clone();
        var instances = Enumerable.Repeat(-7, width * rows).ToArray();
        var count = HeightSegmenter.Watershed(tested, substrate, width, rows, low, saddleRatio, persistence, minPeak, instances);

        var reference = height.Select(h => (float)(h - substrate)).ToArray();
        var (expectedCount, expected) = PlainFlood(reference, width, rows, low, saddleRatio, persistence, minPeak);

        Assert.True(expectedCount >= 2, "too few basins for the case to merge and keep apart");
        Assert.Equal(reference.Select(BitConverter.SingleToInt32Bits), tested.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expectedCount, count);
        Assert.Equal(expected, instances);
    }

    [Theory]
    [InlineData(9, 7, 1)]
    [InlineData(32, 24, 2)]
    public void NeighbourRoots_ParentsNegated_EqualsParentsAsTheyAre(int width, int rows, int seed)
    {
        var random = new Random(seed);
        var plain = new int[width * rows];
        for (var p = 0; p < plain.Length; p++)
        {
            // Unflooded, a root, or pointing at an earlier flooded pixel (chains form).
            plain[p] = random.Next(4) == 0 ? -1 : p;
            if (plain[p] == p && p > 0 && random.Next(2) == 0)
            {
                var target = random.Next(p);
                plain[p] = plain[target] >= 0 ? target : p;
            }
        }

        var shifted = plain.Select(v => -v - 1).ToArray();
        Span<int> roots = stackalloc int[8];
        Span<int> shiftedRoots = stackalloc int[8];
        for (var p = 0; p < plain.Length; p++)
        {
            var found = HeightSegmenter.NeighbourRoots(plain, p, width, rows, roots);
            var shiftedFound = HeightSegmenter.NeighbourRoots<HeightSegmenter.ParentNegated>(shifted, p, width, rows, shiftedRoots);
            Assert.Equal(roots[..found].ToArray(), shiftedRoots[..shiftedFound].ToArray());
            Assert.Equal(plain.Select(v => -v - 1), shifted);
        }
    }

    // Gaussian hills of several heights, some overlapping (saddles high and low), on noise around zero.
    private static float[] Landscape(int width, int rows, int seed)
    {
        var random = new Random(seed);
        var height = new float[width * rows];
        for (var i = 0; i < height.Length; i++)
        {
            height[i] = (float)((random.NextDouble() - 0.5) * 1.2e-9);
        }

        for (var hill = 0; hill < 3 + (width * rows / 300); hill++)
        {
            double cx = random.NextDouble() * width, cy = random.NextDouble() * rows;
            double top = (2 + (random.NextDouble() * 30)) * 1e-9, sigma = 1 + (random.NextDouble() * 4);
            for (var y = 0; y < rows; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var r2 = ((x - cx) * (x - cx)) + ((y - cy) * (y - cy));
                    height[(y * width) + x] += (float)(top * Math.Exp(-r2 / (2 * sigma * sigma)));
                }
            }
        }

        return height;
    }

    private static (int Count, int[] Instances) PlainFlood(float[] height, int width, int rows, double low, double saddleRatio, double minPersistence, double minPeak)
    {
        var n = height.Length;
        var order = Enumerable.Range(0, n).Where(p => height[p] > low).OrderBy(p => -height[p]).ToArray();
        var parent = Enumerable.Repeat(-1, n).ToArray();
        var peak = new float[n];
        var instances = new int[n];
        foreach (var p in order)
        {
            var roots = new List<int>();
            int x = p % width, y = p / width;
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    int xx = x + dx, yy = y + dy;
                    if ((dx | dy) != 0 && xx >= 0 && yy >= 0 && xx < width && yy < rows && parent[(yy * width) + xx] >= 0)
                    {
                        var root = Root(parent, (yy * width) + xx);
                        if (!roots.Contains(root))
                        {
                            roots.Add(root);
                        }
                    }
                }
            }

            if (roots.Count == 0)
            {
                (parent[p], peak[p]) = (p, height[p]);
                continue;
            }

            var oldest = roots[0];
            foreach (var r in roots)
            {
                oldest = peak[r] > peak[oldest] ? r : oldest;
            }

            parent[p] = oldest;
            foreach (var r in roots.Where(r => r != oldest))
            {
                var young = peak[r];
                var debris = young < minPeak && peak[oldest] >= minPeak;
                if (young - height[p] < minPersistence || (!debris && height[p] >= saddleRatio * young))
                {
                    parent[r] = oldest;
                }
            }
        }

        var ids = new Dictionary<int, int>();
        foreach (var p in order)
        {
            var root = Root(parent, p);
            if (!ids.TryGetValue(root, out var id))
            {
                ids[root] = id = ids.Count + 1;
            }

            instances[p] = id;
        }

        return (ids.Count, instances);
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
