namespace AfmEdge.Analysis.Geometry;

/// <summary>Zhang–Suen thinning of a binary mask and the longest path through the resulting skeleton.</summary>
internal static class Skeleton
{
    /// <summary>Thins <paramref name="mask"/> (1 = object, row-major, <paramref name="width"/> wide) in place to a one-pixel skeleton.</summary>
    public static void Thin(byte[] mask, int width, int rows)
    {
        // Only a pixel with a background neighbour can go (with all 8 neighbours set it never qualifies), so only those
        // are examined; a pixel joins them when a neighbour is removed. The decisions of a sub-iteration all read the
        // mask as it was before it, so which pixels are examined, and in what order, does not change the skeleton.
        var examined = new bool[mask.Length];
        var alive = new List<int>();
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] != 0 && Neighbourhood(mask, width, rows, i) != 0xFF)
            {
                examined[i] = true;
                alive.Add(i);
            }
        }

        var remove = new List<int>();
        var changed = true;
        while (changed)
        {
            changed = false;
            for (var step = 0; step < 2; step++)
            {
                remove.Clear();
                foreach (var p in alive)
                {
                    if (Removable(mask, width, rows, p, step))
                    {
                        remove.Add(p);
                    }
                }

                foreach (var p in remove)
                {
                    mask[p] = 0;
                }

                if (remove.Count > 0)
                {
                    changed = true;
                    alive.RemoveAll(p => mask[p] == 0);
                    foreach (var p in remove)
                    {
                        Expose(p);
                    }
                }
            }
        }

        void Expose(int p)
        {
            int x = p % width, y = p / width;
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    int xx = x + dx, yy = y + dy;
                    if ((uint)xx < (uint)width && (uint)yy < (uint)rows && mask[(yy * width) + xx] != 0 && !examined[(yy * width) + xx])
                    {
                        examined[(yy * width) + xx] = true;
                        alive.Add((yy * width) + xx);
                    }
                }
            }
        }
    }

    // Whether a pixel with a given neighbourhood (bit i set: neighbour P(i+2) is object, clockwise from north) is
    // removed in the first or the second sub-iteration: the Zhang–Suen conditions tabulated once for all 256.
    private static readonly bool[] RemovableInFirst = Table(0);
    private static readonly bool[] RemovableInSecond = Table(1);

    private static bool Removable(byte[] mask, int width, int rows, int p, int step) =>
        (step == 0 ? RemovableInFirst : RemovableInSecond)[Neighbourhood(mask, width, rows, p)];

    /// <summary>The 8 neighbours P2..P9 (clockwise from north) as bits 0..7; outside the mask counts as background.</summary>
    private static int Neighbourhood(byte[] mask, int width, int rows, int p)
    {
        var x = p % width;
        var y = p / width;
        if (x > 0 && y > 0 && x < width - 1 && y < rows - 1)
        {
            int up = p - width, down = p + width;
            return Bit(mask[up], 0) | Bit(mask[up + 1], 1) | Bit(mask[p + 1], 2) | Bit(mask[down + 1], 3)
                | Bit(mask[down], 4) | Bit(mask[down - 1], 5) | Bit(mask[p - 1], 6) | Bit(mask[up - 1], 7);
        }

        return At(x, y - 1, 0) | At(x + 1, y - 1, 1) | At(x + 1, y, 2) | At(x + 1, y + 1, 3)
            | At(x, y + 1, 4) | At(x - 1, y + 1, 5) | At(x - 1, y, 6) | At(x - 1, y - 1, 7);

        int At(int xx, int yy, int bit) => (uint)xx < (uint)width && (uint)yy < (uint)rows ? Bit(mask[(yy * width) + xx], bit) : 0;

        static int Bit(byte value, int bit) => (value != 0 ? 1 : 0) << bit;
    }

    private static bool[] Table(int step)
    {
        var table = new bool[256];
        for (var code = 0; code < 256; code++)
        {
            var b = 0;
            var a = 0;
            for (var i = 0; i < 8; i++)
            {
                var v = (code >> i) & 1;
                b += v;
                if (v == 0 && ((code >> ((i + 1) % 8)) & 1) == 1)
                {
                    a++;
                }
            }

            int p2 = code & 1, p4 = (code >> 2) & 1, p6 = (code >> 4) & 1, p8 = (code >> 6) & 1;
            table[code] = b is >= 2 and <= 6 && a == 1 && (step == 0
                ? p2 * p4 * p6 == 0 && p4 * p6 * p8 == 0
                : p2 * p4 * p8 == 0 && p2 * p6 * p8 == 0);
        }

        return table;
    }

    /// <summary>Pixel count of the largest 8-connected component of the mask.</summary>
    public static int LargestComponent(byte[] mask, int width, int rows)
    {
        var seen = new bool[mask.Length];
        var stack = new Stack<int>();
        var largest = 0;
        for (var start = 0; start < mask.Length; start++)
        {
            if (mask[start] == 0 || seen[start])
            {
                continue;
            }

            var size = 0;
            seen[start] = true;
            stack.Push(start);
            while (stack.TryPop(out var p))
            {
                size++;
                var x = p % width;
                var y = p / width;
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        var xx = x + dx;
                        var yy = y + dy;
                        if ((uint)xx < (uint)width && (uint)yy < (uint)rows && mask[(yy * width) + xx] != 0 && !seen[(yy * width) + xx])
                        {
                            seen[(yy * width) + xx] = true;
                            stack.Push((yy * width) + xx);
                        }
                    }
                }
            }

            largest = Math.Max(largest, size);
        }

        return largest;
    }

    /// <summary>The longest shortest path (8-connected, √2 diagonals) through the skeleton pixels: two Dijkstra sweeps.</summary>
    public static List<int> LongestPath(byte[] skeleton, int width, int rows)
    {
        var start = Array.FindIndex(skeleton, v => v != 0);
        if (start < 0)
        {
            return [];
        }

        var (far, _) = Sweep(skeleton, width, rows, start);
        var (end, previous) = Sweep(skeleton, width, rows, far);
        var path = new List<int>();
        for (var p = end; p >= 0; p = previous[p])
        {
            path.Add(p);
        }

        path.Reverse();
        return path;
    }

    private static (int Farthest, int[] Previous) Sweep(byte[] skeleton, int width, int rows, int source)
    {
        var distance = new float[skeleton.Length];
        Array.Fill(distance, float.PositiveInfinity);
        var previous = new int[skeleton.Length];
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

            var x = p % width;
            var y = p / width;
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    var xx = x + dx;
                    var yy = y + dy;
                    if ((dx == 0 && dy == 0) || (uint)xx >= (uint)width || (uint)yy >= (uint)rows)
                    {
                        continue;
                    }

                    var q = (yy * width) + xx;
                    if (skeleton[q] == 0)
                    {
                        continue;
                    }

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

        return (farthest, previous);
    }
}
