using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Geometry;

/// <summary>Zhang–Suen thinning of a binary mask and the longest path through the resulting skeleton.</summary>
internal static class Skeleton
{
    /// <summary>Thins <paramref name="mask"/> (non-zero = object, row-major, <paramref name="width"/> wide) in place to a one-pixel skeleton.</summary>
    public static void Thin(byte[] mask, int width, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(mask.Length, width * rows, nameof(mask));

        // Sixty-four pixels a word: every Zhang–Suen test of a word's pixels is a handful of bitwise operations on the words
        // of its row and the rows either side. One background row above and below, and background past the row's end,
        // stand for outside the mask.
        var words = (width + 63) >> 6;
        var length = (rows + 2) * words;
        var bits = AnalysisPool<ulong>.Shared.Rent(length);
        var original = AnalysisPool<ulong>.Shared.Rent(length);
        var lines = AnalysisPool<ulong>.Shared.Rent(2 * words);
        var dirty = AnalysisPool<byte>.Shared.Rent(rows + 2);
        try
        {
            bits.AsSpan(0, length).Clear();
            for (var y = 0; y < rows; y++)
            {
                Pack(mask.AsSpan(y * width, width), bits.AsSpan((y + 1) * words, words));
            }

            bits.AsSpan(0, length).CopyTo(original);
            ThinBits(bits, words, rows, lines, dirty);

            // Only removed pixels change: the kept ones keep their value.
            for (var y = 0; y < rows; y++)
            {
                for (var j = 0; j < words; j++)
                {
                    var at = ((y + 1) * words) + j;
                    for (var removed = original[at] & ~bits[at]; removed != 0; removed &= removed - 1)
                    {
                        mask[(y * width) + (j << 6) + BitOperations.TrailingZeroCount(removed)] = 0;
                    }
                }
            }
        }
        finally
        {
            AnalysisPool<ulong>.Shared.Return(bits);
            AnalysisPool<ulong>.Shared.Return(original);
            AnalysisPool<ulong>.Shared.Return(lines);
            AnalysisPool<byte>.Shared.Return(dirty);
        }
    }

    /// <summary>Sets bit x of <paramref name="target"/> (64 a word, cleared before) for every non-zero byte x of <paramref name="row"/>.</summary>
    private static void Pack(ReadOnlySpan<byte> row, Span<ulong> target)
    {
        var x = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(row);
            for (; x + Vector256<byte>.Count <= row.Length; x += Vector256<byte>.Count)
            {
                var background = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)x), Vector256<byte>.Zero).ExtractMostSignificantBits();
                target[x >> 6] |= (ulong)~background << (x & 63);
            }
        }

        for (; x < row.Length; x++)
        {
            if (row[x] != 0)
            {
                target[x >> 6] |= 1UL << (x & 63);
            }
        }
    }

    /// <summary>
    /// Zhang–Suen on the packed rows (row y at word (y + 1) · <paramref name="words"/>, a background row either side). Each
    /// sub-iteration decides every pixel from the rows as they were before it (the old row above is kept aside before
    /// its row is written), as the definition reads them. A row is examined again by a kind of sub-iteration only when it
    /// or a row beside it changed since that kind last examined it: otherwise every decision would read the same
    /// neighbourhoods and remove nothing.
    /// </summary>
    private static void ThinBits(ulong[] bits, int words, int rows, ulong[] lines, byte[] dirty)
    {
        // dirty[y + 1]: bit 0 while the first kind must examine row y, bit 1 the second; bit 2 when row y changed in this sub-iteration.
        dirty.AsSpan(0, rows + 2).Fill(3);
        var above = lines.AsSpan(0, words);
        var current = lines.AsSpan(words, words);
        var changed = false;
        for (var step = 0; ; step ^= 1)
        {
            var bit = (byte)(1 << step);
            var removedAny = false;
            above.Clear();
            for (var y = 0; y < rows; y++)
            {
                var row = bits.AsSpan((y + 1) * words, words);
                row.CopyTo(current);
                if ((dirty[y + 1] & bit) != 0)
                {
                    dirty[y + 1] &= (byte)~bit;
                    if (RemoveInRow(above, current, bits.AsSpan((y + 2) * words, words), row, step))
                    {
                        dirty[y + 1] |= 4;
                        removedAny = true;
                    }
                }

                // The old row becomes the next row's row above.
                var swap = above;
                above = current;
                current = swap;
            }

            if (removedAny)
            {
                for (var y = 0; y < rows; y++)
                {
                    if ((dirty[y + 1] & 4) != 0)
                    {
                        dirty[y] |= 3;
                        dirty[y + 2] |= 3;
                        dirty[y + 1] = 3;
                    }
                }
            }

            changed |= removedAny;
            if (step == 1)
            {
                // A whole iteration (both sub-iterations) removed nothing: done.
                if (!changed)
                {
                    return;
                }

                changed = false;
            }
        }
    }

    /// <summary>
    /// Clears in <paramref name="target"/> (this row, as <paramref name="middle"/> was) the pixels the sub-iteration
    /// <paramref name="step"/> removes, deciding from the old rows above, here and below; whether it removed any.
    /// </summary>
    private static bool RemoveInRow(ReadOnlySpan<ulong> up, ReadOnlySpan<ulong> middle, ReadOnlySpan<ulong> down, Span<ulong> target, int step)
    {
        var removedAny = false;
        for (var j = 0; j < middle.Length; j++)
        {
            var p = middle[j];
            if (p == 0)
            {
                continue;
            }

            // Neighbours P2..P9, clockwise from north: a pixel's east neighbour is the next bit, its west the previous.
            var p2 = up[j];
            var p3 = East(up, j);
            var p4 = East(middle, j);
            var p5 = East(down, j);
            var p6 = down[j];
            var p7 = West(down, j);
            var p8 = West(middle, j);
            var p9 = West(up, j);

            // At least two object neighbours and at least two background ones: 2 ≤ B ≤ 6.
            ulong ones = 0, twoOnes = 0, zeros = 0, twoZeros = 0;
            Count(p2, ref ones, ref twoOnes);
            Count(p3, ref ones, ref twoOnes);
            Count(p4, ref ones, ref twoOnes);
            Count(p5, ref ones, ref twoOnes);
            Count(p6, ref ones, ref twoOnes);
            Count(p7, ref ones, ref twoOnes);
            Count(p8, ref ones, ref twoOnes);
            Count(p9, ref ones, ref twoOnes);
            Count(~p2, ref zeros, ref twoZeros);
            Count(~p3, ref zeros, ref twoZeros);
            Count(~p4, ref zeros, ref twoZeros);
            Count(~p5, ref zeros, ref twoZeros);
            Count(~p6, ref zeros, ref twoZeros);
            Count(~p7, ref zeros, ref twoZeros);
            Count(~p8, ref zeros, ref twoZeros);
            Count(~p9, ref zeros, ref twoZeros);

            // Exactly one background-to-object step going round P2, P3, …, P9, P2: A = 1.
            ulong rises = 0, twoRises = 0;
            Count(~p2 & p3, ref rises, ref twoRises);
            Count(~p3 & p4, ref rises, ref twoRises);
            Count(~p4 & p5, ref rises, ref twoRises);
            Count(~p5 & p6, ref rises, ref twoRises);
            Count(~p6 & p7, ref rises, ref twoRises);
            Count(~p7 & p8, ref rises, ref twoRises);
            Count(~p8 & p9, ref rises, ref twoRises);
            Count(~p9 & p2, ref rises, ref twoRises);

            // First sub-iteration: P2·P4·P6 = 0 and P4·P6·P8 = 0; second: P2·P4·P8 = 0 and P2·P6·P8 = 0.
            var blocked = step == 0 ? p4 & p6 & (p2 | p8) : p2 & p8 & (p4 | p6);
            var removed = p & twoOnes & twoZeros & rises & ~twoRises & ~blocked;
            if (removed != 0)
            {
                target[j] = p & ~removed;
                removedAny = true;
            }
        }

        return removedAny;

        static ulong East(ReadOnlySpan<ulong> row, int j) => (row[j] >> 1) | (j + 1 < row.Length ? row[j + 1] << 63 : 0);

        static ulong West(ReadOnlySpan<ulong> row, int j) => (row[j] << 1) | (j > 0 ? row[j - 1] >> 63 : 0);

        // Bit by bit: whether at least one, and at least two, of the words counted so far had it set.
        static void Count(ulong word, ref ulong one, ref ulong two)
        {
            two |= one & word;
            one |= word;
        }
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
            // The background, most of the mask, passed over a vector at a time.
            var next = mask.AsSpan(start).IndexOfAnyExcept((byte)0);
            if (next < 0)
            {
                break;
            }

            start += next;
            if (seen[start])
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
            // Only the skeleton's pixels are ever read (a few hundred of the box's thousands): only they are reset.
            var pixels = new List<int>();
            for (var p = start; p >= 0; p = Next(skeleton, p + 1))
            {
                pixels.Add(p);
            }

            var far = Sweep(skeleton, width, rows, start, distance, previous, pixels);
            var end = Sweep(skeleton, width, rows, far, distance, previous, pixels);
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

    /// <summary>The first skeleton pixel from <paramref name="from"/> on, −1 when none.</summary>
    private static int Next(byte[] skeleton, int from)
    {
        var next = skeleton.AsSpan(from).IndexOfAnyExcept((byte)0);
        return next < 0 ? -1 : from + next;
    }

    /// <summary>Dijkstra from <paramref name="source"/>: the farthest pixel, each pixel's predecessor in <paramref name="previous"/>.</summary>
    private static int Sweep(byte[] skeleton, int width, int rows, int source, float[] distance, int[] previous, List<int> pixels)
    {
        foreach (var p in pixels)
        {
            distance[p] = float.PositiveInfinity;
            previous[p] = -1;
        }

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
