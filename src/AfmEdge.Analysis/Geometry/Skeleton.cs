using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Geometry;

/// <summary>Zhang–Suen thinning of a binary mask and the longest path through the resulting skeleton.</summary>
internal static class Skeleton
{
    /// <summary>Thins <paramref name="mask"/> (1 = object, row-major, <paramref name="width"/> wide) in place to a one-pixel skeleton.</summary>
    public static void Thin(byte[] mask, int width, int rows)
    {
        // Only a pixel with a background neighbour can go (with all 8 neighbours set it never qualifies), and a pixel
        // that stayed in a sub-iteration stays in the next one of the same kind unless a neighbour went in between (its
        // neighbourhood, all the decision reads, is the same): so each kind of sub-iteration examines only the pixels
        // exposed or changed around since it last looked at them. The decisions of a sub-iteration all read the mask as
        // it was before it, so which pixels are examined, and in what order, does not change the skeleton.
        // Rented (a chromosome-wide blob's box is tens of thousands of pixels, measured several times a frame).
        var pending = AnalysisPool<byte>.Shared.Rent(mask.Length);
        pending.AsSpan(0, mask.Length).Clear();
        try
        {
            Thin(mask, width, rows, pending);
        }
        finally
        {
            AnalysisPool<byte>.Shared.Return(pending);
        }
    }

    /// <summary><paramref name="pending"/>: bit 0 (1) set while a pixel waits in the first sub-iteration's list, bit 1 (2) in the second's.</summary>
    private static void Thin(byte[] mask, int width, int rows, byte[] pending)
    {
        List<int> first = [], second = [];

        // With a background frame around the mask (the callers leave a one-pixel margin) every object pixel's neighbours are
        // inside it: their bits are read directly, without the division that finds a pixel's column.
        var framed = EmptyFrame(mask, width, rows);
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] != 0 && Neighbourhood(mask, width, rows, i, framed) != 0xFF)
            {
                pending[i] = 3;
                first.Add(i);
                second.Add(i);
            }
        }

        var remove = new List<int>();
        var changed = false;
        for (var step = 0; ; step ^= 1)
        {
            remove.Clear();
            var table = step == 0 ? RemovableInFirst : RemovableInSecond;
            var list = step == 0 ? first : second;
            var bit = (byte)(1 << step);
            foreach (var p in list)
            {
                pending[p] &= (byte)~bit;
                if (mask[p] != 0 && table[Neighbourhood(mask, width, rows, p, framed)])
                {
                    remove.Add(p);
                }
            }

            list.Clear();
            foreach (var p in remove)
            {
                mask[p] = 0;
            }

            foreach (var p in remove)
            {
                Expose(p);
            }

            changed |= remove.Count > 0;
            if (step == 1)
            {
                // A whole iteration (both sub-iterations) removed nothing: done.
                if (!changed)
                {
                    break;
                }

                changed = false;
            }
        }

        // The object neighbours of a removed pixel wait in both lists (their neighbourhood changed).
        void Expose(int p)
        {
            if (framed)
            {
                // Inside the frame: all eight neighbours exist.
                ReadOnlySpan<int> offsets = [-width - 1, -width, -width + 1, -1, 1, width - 1, width, width + 1];
                foreach (var offset in offsets)
                {
                    Wait(p + offset);
                }

                return;
            }

            int x = p % width, y = p / width;
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    int xx = x + dx, yy = y + dy;
                    if ((uint)xx < (uint)width && (uint)yy < (uint)rows)
                    {
                        Wait((yy * width) + xx);
                    }
                }
            }
        }

        void Wait(int q)
        {
            if (mask[q] == 0 || pending[q] == 3)
            {
                return;
            }

            if ((pending[q] & 1) == 0)
            {
                first.Add(q);
            }

            if ((pending[q] & 2) == 0)
            {
                second.Add(q);
            }

            pending[q] = 3;
        }
    }

    // Whether a pixel with a given neighbourhood (bit i set: neighbour P(i+2) is object, clockwise from north) is
    // removed in the first or the second sub-iteration: the Zhang–Suen conditions tabulated once for all 256.
    private static readonly bool[] RemovableInFirst = Table(0);
    private static readonly bool[] RemovableInSecond = Table(1);

    /// <summary>Whether the mask's outermost rows and columns are all background (then no object pixel lies on its edge).</summary>
    private static bool EmptyFrame(byte[] mask, int width, int rows)
    {
        if (width < 3 || rows < 3 || mask.Length != width * rows)
        {
            return false;
        }

        if (mask.AsSpan(0, width).ContainsAnyExcept((byte)0) || mask.AsSpan((rows - 1) * width, width).ContainsAnyExcept((byte)0))
        {
            return false;
        }

        for (var y = 1; y < rows - 1; y++)
        {
            if (mask[y * width] != 0 || mask[(y * width) + width - 1] != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The 8 neighbours P2..P9 (clockwise from north) as bits 0..7; outside the mask counts as background.
    /// <paramref name="framed"/>: the mask's edge is background and <paramref name="p"/> an object pixel, so all eight are inside.
    /// </summary>
    private static int Neighbourhood(byte[] mask, int width, int rows, int p, bool framed = false)
    {
        if (framed)
        {
            int up = p - width, down = p + width;
            return Bit(mask[up], 0) | Bit(mask[up + 1], 1) | Bit(mask[p + 1], 2) | Bit(mask[down + 1], 3)
                | Bit(mask[down], 4) | Bit(mask[down - 1], 5) | Bit(mask[p - 1], 6) | Bit(mask[up - 1], 7);
        }

        var y = p / width;
        var x = p - (y * width);
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

    /// <summary>Pixel count of the largest 8-connected component of the mask without the pixels <paramref name="excluded"/> (as if they were background).</summary>
    public static int LargestComponent(byte[] mask, int width, int rows, List<int> excluded)
    {
        var seen = AnalysisPool<bool>.Shared.Rent(mask.Length);
        seen.AsSpan(0, mask.Length).Clear();

        // Seen already: never a start, never joined.
        foreach (var p in excluded)
        {
            seen[p] = true;
        }

        try
        {
            return LargestComponent(mask, width, rows, seen);
        }
        finally
        {
            AnalysisPool<bool>.Shared.Return(seen);
        }
    }

    private static int LargestComponent(byte[] mask, int width, int rows, bool[] seen)
    {
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
                var y = p / width;
                var x = p - (y * width);
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
        var start = skeleton.AsSpan().IndexOfAnyExcept((byte)0);
        if (start < 0)
        {
            return [];
        }

        var distance = AnalysisPool<float>.Shared.Rent(skeleton.Length);
        var previous = AnalysisPool<int>.Shared.Rent(skeleton.Length);
        try
        {
            var far = Sweep(skeleton, width, rows, start, distance, previous);
            var end = Sweep(skeleton, width, rows, far, distance, previous);
            var path = new List<int>();
            for (var p = end; p >= 0; p = previous[p])
            {
                path.Add(p);
            }

            path.Reverse();
            return path;
        }
        finally
        {
            AnalysisPool<float>.Shared.Return(distance);
            AnalysisPool<int>.Shared.Return(previous);
        }
    }

    /// <summary>Dijkstra from <paramref name="source"/>: the farthest pixel, each pixel's predecessor in <paramref name="previous"/>.</summary>
    private static int Sweep(byte[] skeleton, int width, int rows, int source, float[] distance, int[] previous)
    {
        distance.AsSpan(0, skeleton.Length).Fill(float.PositiveInfinity);
        previous.AsSpan(0, skeleton.Length).Fill(-1);
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

            var y = p / width;
            var x = p - (y * width);
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

        return farthest;
    }
}
