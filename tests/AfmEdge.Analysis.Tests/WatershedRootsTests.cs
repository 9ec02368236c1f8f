using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>The watershed's neighbour roots: each flooded neighbour's union-find root, first met first, as Find gives them.</summary>
public sealed class WatershedRootsTests
{
    [Theory]
    [InlineData(9, 7, 1)]
    [InlineData(32, 24, 2)]
    [InlineData(5, 40, 3)]
    public void NeighbourRoots_EqualsFindOnEachFloodedNeighbourInOrder(int width, int rows, int seed)
    {
        var (forest, chains) = Forest(width * rows, seed);
        Assert.True(chains > 0, "no pixel two steps from its root: the case does not walk");
        var tested = (int[])forest.Clone();
        var reference = (int[])forest.Clone();
        Span<int> roots = stackalloc int[8];
        var expected = new List<int>();
        for (var p = 0; p < width * rows; p++)
        {
            var found = HeightSegmenter.NeighbourRoots(tested, p, width, rows, roots);

            expected.Clear();
            int y = p / width, x = p % width;
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    int xx = x + dx, yy = y + dy;
                    if ((dx | dy) == 0 || xx < 0 || yy < 0 || xx >= width || yy >= rows || reference[(yy * width) + xx] < 0)
                    {
                        continue;
                    }

                    var root = HeightSegmenter.Find(reference, (yy * width) + xx);
                    if (!expected.Contains(root))
                    {
                        expected.Add(root);
                    }
                }
            }

            Assert.Equal(expected, roots[..found].ToArray());
            Assert.Equal(reference, tested);
        }
    }

    // Unflooded pixels (−1), roots, pixels pointing at a root and chains two or three steps long.
    private static (int[] Parent, int Chains) Forest(int n, int seed)
    {
        var random = new Random(seed);
        var parent = new int[n];
        var roots = new List<int>();
        for (var p = 0; p < n; p++)
        {
            parent[p] = random.Next(4) == 0 ? -1 : p;
            if (parent[p] == p && random.Next(3) == 0)
            {
                roots.Add(p);
            }
        }

        var chains = 0;
        for (var p = 0; p < n; p++)
        {
            if (parent[p] != p || roots.Count == 0 || roots.Contains(p))
            {
                continue;
            }

            // Point at a root, or at a pixel already pointing somewhere (a chain), never at itself.
            var target = random.Next(2) == 0 ? roots[random.Next(roots.Count)] : random.Next(p);
            if (parent[target] >= 0 && target != p)
            {
                chains += parent[target] != target ? 1 : 0;
                parent[p] = target;
            }
        }

        return (parent, chains);
    }
}
