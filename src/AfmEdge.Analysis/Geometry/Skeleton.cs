namespace AfmEdge.Analysis.Geometry;

/// <summary>Zhang–Suen thinning of a binary mask and the longest path through the resulting skeleton.</summary>
internal static class Skeleton
{
    /// <summary>Thins <paramref name="mask"/> (1 = object, row-major, <paramref name="width"/> wide) in place to a one-pixel skeleton.</summary>
    public static void Thin(byte[] mask, int width, int rows)
    {
        var alive = new List<int>();
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] != 0)
            {
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
                }
            }
        }
    }

    private static bool Removable(byte[] mask, int width, int rows, int p, int step)
    {
        var x = p % width;
        var y = p / width;

        // Neighbours P2..P9 clockwise from north.
        Span<int> v = stackalloc int[8];
        v[0] = At(x, y - 1);
        v[1] = At(x + 1, y - 1);
        v[2] = At(x + 1, y);
        v[3] = At(x + 1, y + 1);
        v[4] = At(x, y + 1);
        v[5] = At(x - 1, y + 1);
        v[6] = At(x - 1, y);
        v[7] = At(x - 1, y - 1);
        var b = 0;
        var a = 0;
        for (var i = 0; i < 8; i++)
        {
            b += v[i];
            if (v[i] == 0 && v[(i + 1) % 8] == 1)
            {
                a++;
            }
        }

        if (b is < 2 or > 6 || a != 1)
        {
            return false;
        }

        return step == 0
            ? v[0] * v[2] * v[4] == 0 && v[2] * v[4] * v[6] == 0
            : v[0] * v[2] * v[6] == 0 && v[0] * v[4] * v[6] == 0;

        int At(int xx, int yy) => (uint)xx < (uint)width && (uint)yy < (uint)rows && mask[(yy * width) + xx] != 0 ? 1 : 0;
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
