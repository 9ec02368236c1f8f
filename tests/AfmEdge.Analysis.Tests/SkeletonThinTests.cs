using AfmEdge.Analysis.Geometry;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// Thinning works on 64 pixels a word and re-examines only rows whose neighbourhood changed: it must give the textbook
/// Zhang–Suen skeleton (every pixel examined every sub-iteration, from a copy of the mask as it was before it), with or
/// without a background frame, and leave the kept pixels' values as they were.
/// </summary>
public sealed class SkeletonThinTests
{
    [Theory]
    [InlineData(1, 40, 30)]
    [InlineData(2, 90, 120)]
    [InlineData(3, 150, 70)]
    public void Thin_FramedAndUnframedMask_GiveTheSameSkeleton(int seed, int w, int h)
    {
        // A ragged, bent blob with a hole, inside a one-pixel background frame.
        var random = new Random(seed);
        var framed = new byte[w * h];
        for (var y = 1; y < h - 1; y++)
        {
            for (var x = 1; x < w - 1; x++)
            {
                var u = (x - (0.5 * w)) / (0.45 * w);
                var v = ((y - (0.5 * h)) / (0.4 * h)) - (0.3 * u * u);
                var inside = (u * u) + (v * v) < 1 + (0.15 * random.NextDouble()) && (u * u) + (v * v) > 0.02;
                framed[(y * w) + x] = inside ? (byte)1 : (byte)0;
            }
        }

        // The same blob with a lone object pixel in a corner: that mask has no background frame. A lone pixel has no
        // neighbour, so thinning keeps it and it touches nothing else.
        var unframed = (byte[])framed.Clone();
        unframed[0] = 1;

        Skeleton.Thin(framed, w, h);
        Skeleton.Thin(unframed, w, h);

        Assert.Equal(1, unframed[0]);
        unframed[0] = 0;
        Assert.Equal(framed, unframed);
        Assert.InRange(framed.Count(v => v != 0), 10, (w * h) / 4);
    }

    [Theory]
    [InlineData(11, 40, 30, 0.0)]
    [InlineData(12, 63, 20, 0.3)]
    [InlineData(13, 64, 17, 0.0)]
    [InlineData(14, 65, 40, 0.1)]
    [InlineData(15, 130, 90, 0.05)]
    [InlineData(16, 200, 33, 0.2)]
    public void Thin_RandomBlobsTouchingTheEdge_EqualsTextbookZhangSuen(int seed, int w, int h, double speckle)
    {
        // Overlapping discs and bars, some cut by the mask's edge, with holes and speckle; objects valued 1 to 3.
        var random = new Random(seed);
        var mask = new byte[w * h];
        for (var shape = 0; shape < 6; shape++)
        {
            double cx = random.Next(-5, w + 5), cy = random.Next(-5, h + 5), r = random.Next(2, 14);
            double ax = random.NextDouble() - 0.5, ay = random.NextDouble() - 0.5;
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var along = ((x - cx) * ax) + ((y - cy) * ay);
                    var across = Math.Abs(((x - cx) * ay) - ((y - cy) * ax));
                    if ((shape % 2 == 0 && Sq(x - cx) + Sq(y - cy) < r * r) || (shape % 2 == 1 && Math.Abs(along) < 2 * r && across < 0.4 * r))
                    {
                        mask[(y * w) + x] = (byte)(1 + random.Next(3));
                    }
                }
            }
        }

        for (var i = 0; i < mask.Length; i++)
        {
            if (random.NextDouble() < speckle)
            {
                mask[i] = mask[i] == 0 ? (byte)1 : (byte)0;
            }
        }

        var expected = TextbookThin(mask, w, h);
        Skeleton.Thin(mask, w, h);
        Assert.Equal(expected, mask);
    }

    [Fact]
    public void Thin_EmptyOnePixelAndSingleLineMasks_EqualTextbookZhangSuen()
    {
        byte[][] masks = [new byte[12], [0, 0, 0, 0, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1], [1], [0], [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]];
        (int W, int H)[] sizes = [(4, 3), (3, 3), (7, 1), (1, 1), (1, 1), (1, 12)];
        for (var k = 0; k < masks.Length; k++)
        {
            var expected = TextbookThin(masks[k], sizes[k].W, sizes[k].H);
            Skeleton.Thin(masks[k], sizes[k].W, sizes[k].H);
            Assert.Equal(expected, masks[k]);
        }

        // A full square: every pixel but the centre lies on the edge.
        var square = new byte[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
        var squareExpected = TextbookThin(square, 3, 3);
        Skeleton.Thin(square, 3, 3);
        Assert.Equal(squareExpected, square);
        Assert.Throws<ArgumentOutOfRangeException>(() => Skeleton.Thin(new byte[5], 3, 2));
    }

    /// <summary>Zhang–Suen as published: each sub-iteration tests every object pixel against the mask as it was before it.</summary>
    private static byte[] TextbookThin(byte[] source, int w, int h)
    {
        var mask = (byte[])source.Clone();
        bool removedInIteration;
        do
        {
            removedInIteration = false;
            for (var step = 0; step < 2; step++)
            {
                var before = (byte[])mask.Clone();
                for (var y = 0; y < h; y++)
                {
                    for (var x = 0; x < w; x++)
                    {
                        if (before[(y * w) + x] == 0)
                        {
                            continue;
                        }

                        // P2..P9 clockwise from north; outside the mask is background.
                        int[] p = [At(x, y - 1), At(x + 1, y - 1), At(x + 1, y), At(x + 1, y + 1), At(x, y + 1), At(x - 1, y + 1), At(x - 1, y), At(x - 1, y - 1)];
                        var b = p.Sum();
                        var a = Enumerable.Range(0, 8).Count(i => p[i] == 0 && p[(i + 1) % 8] == 1);
                        var ok = step == 0
                            ? p[0] * p[2] * p[4] == 0 && p[2] * p[4] * p[6] == 0
                            : p[0] * p[2] * p[6] == 0 && p[0] * p[4] * p[6] == 0;
                        if (b is >= 2 and <= 6 && a == 1 && ok)
                        {
                            mask[(y * w) + x] = 0;
                            removedInIteration = true;
                        }
                    }
                }

                int At(int xx, int yy) => xx >= 0 && yy >= 0 && xx < w && yy < h && before[(yy * w) + xx] != 0 ? 1 : 0;
            }
        }
        while (removedInIteration);

        return mask;
    }

    private static double Sq(double v) => v * v;

    [Theory]
    [InlineData(21, 40, 30)]
    [InlineData(22, 90, 70)]
    [InlineData(23, 130, 45)]
    public void LongestPathAndBranch_ThinnedBlobs_EqualFullResetReferences(int seed, int w, int h)
    {
        // Thinned blobs (branched skeletons, several pieces, some on the mask's edge).
        var random = new Random(seed);
        var mask = new byte[w * h];
        for (var blob = 0; blob < 5; blob++)
        {
            double cx = random.Next(w), cy = random.Next(h), rx = random.Next(3, 15), ry = random.Next(3, 15);
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    if (Sq((x - cx) / rx) + Sq((y - cy) / ry) < 1)
                    {
                        mask[(y * w) + x] = 1;
                    }
                }
            }
        }

        Skeleton.Thin(mask, w, h);

        var (path, branch) = Skeleton.LongestPathAndBranch(mask, w, h);
        Assert.Equal(ReferencePath(mask, w, h), path);
        Assert.NotEmpty(path);
        Assert.Equal(ReferenceLargest(mask, w, h, path), branch);
        Assert.Empty(Skeleton.LongestPathAndBranch(new byte[12], 4, 3).Path);
        Assert.Equal(0, Skeleton.LongestPathAndBranch(new byte[12], 4, 3).Branch);
    }

    /// <summary>Two Dijkstra sweeps as first written: every pixel's distance and predecessor reset before each.</summary>
    private static List<int> ReferencePath(byte[] skeleton, int w, int h)
    {
        var start = Array.FindIndex(skeleton, v => v != 0);
        var distance = new float[skeleton.Length];
        var previous = new int[skeleton.Length];
        var far = Sweep(start);
        var end = Sweep(far);
        var path = new List<int>();
        for (var p = end; p >= 0; p = previous[p])
        {
            path.Add(p);
        }

        path.Reverse();
        return path;

        int Sweep(int source)
        {
            Array.Fill(distance, float.PositiveInfinity);
            Array.Fill(previous, -1);
            var queue = new PriorityQueue<int, float>();
            distance[source] = 0;
            queue.Enqueue(source, 0);
            var farthest = source;
            while (queue.TryDequeue(out var p, out var d))
            {
                if (d > distance[p])
                {
                    continue;
                }

                if (d > distance[farthest])
                {
                    farthest = p;
                }

                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int x = (p % w) + dx, y = (p / w) + dy;
                        if ((dx == 0 && dy == 0) || x < 0 || y < 0 || x >= w || y >= h || skeleton[(y * w) + x] == 0)
                        {
                            continue;
                        }

                        var q = (y * w) + x;
                        var nd = d + (dx != 0 && dy != 0 ? 1.4142135f : 1f);
                        if (nd < distance[q])
                        {
                            distance[q] = nd;
                            previous[q] = p;
                            queue.Enqueue(q, nd);
                        }
                    }
                }
            }

            return farthest;
        }
    }

    /// <summary>The largest 8-connected piece without the excluded pixels, every pixel tried as a start.</summary>
    private static int ReferenceLargest(byte[] mask, int w, int h, List<int> excluded)
    {
        var seen = new bool[mask.Length];
        excluded.ForEach(p => seen[p] = true);
        var largest = 0;
        for (var start = 0; start < mask.Length; start++)
        {
            if (mask[start] == 0 || seen[start])
            {
                continue;
            }

            var size = 0;
            var stack = new Stack<int>([start]);
            seen[start] = true;
            while (stack.TryPop(out var p))
            {
                size++;
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int x = (p % w) + dx, y = (p / w) + dy;
                        if (x >= 0 && y >= 0 && x < w && y < h && mask[(y * w) + x] != 0 && !seen[(y * w) + x])
                        {
                            seen[(y * w) + x] = true;
                            stack.Push((y * w) + x);
                        }
                    }
                }
            }

            largest = Math.Max(largest, size);
        }

        return largest;
    }
}
