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

    /// <summary>
    /// The longest shortest path (8-connected, √2 diagonals) through the skeleton pixels (two Dijkstra sweeps), and the pixel
    /// count of the largest 8-connected component left without it (the largest branch off it): the skeleton's pixels and
    /// their neighbours are found once for both.
    /// </summary>
    public static (List<int> Path, int Branch) LongestPathAndBranch(byte[] skeleton, int width, int rows)
    {
        using var pixels = new SkeletonPixels(skeleton, width, rows);
        var n = pixels.Count;
        if (n == 0)
        {
            return ([], 0);
        }

        var distance = AnalysisPool<float>.Shared.Rent(n);
        var previous = AnalysisPool<int>.Shared.Rent(n);
        try
        {
            // The first sweep starts at the first pixel in scan order (index 0); one queue serves both.
            var queue = new PriorityQueue<int, float>();
            var far = pixels.Sweep(0, distance, previous, queue);
            var end = pixels.Sweep(far, distance, previous, queue);
            var path = new List<int>();
            for (var k = end; k >= 0; k = previous[k])
            {
                path.Add(pixels.PositionOf(k));
            }

            path.Reverse();

            // The path's pixels are seen already: never a start, never joined. The distances' table is done with and
            // no longer needed; the branches are counted with a table of their own.
            var seen = AnalysisPool<bool>.Shared.Rent(n);
            try
            {
                seen.AsSpan(0, n).Clear();
                for (var k = end; k >= 0; k = previous[k])
                {
                    seen[k] = true;
                }

                return (path, path.Count == n ? 0 : pixels.LargestComponent(seen));
            }
            finally
            {
                AnalysisPool<bool>.Shared.Return(seen);
            }
        }
        finally
        {
            AnalysisPool<float>.Shared.Return(distance);
            AnalysisPool<int>.Shared.Return(previous);
        }
    }

    /// <summary>
    /// A skeleton's pixels numbered 0, 1, … in scan order, each with its eight neighbours' numbers (−1: none there), in the
    /// order the first written sweep looked at them (row above, own row, row below; west to east). The sweeps and the
    /// component count walk these few hundred pixels instead of dividing positions and bounds-testing the box's.
    /// </summary>
    private readonly struct SkeletonPixels : IDisposable
    {
        // Diagonal neighbours' slots: 0, 2, 5, 7 (north-west, north-east, south-west, south-east).
        private const int DiagonalSlots = 0b1010_0101;

        private readonly int[] _positions;
        private readonly int[] _neighbours;
        private readonly int[] _index;

        public SkeletonPixels(byte[] skeleton, int width, int rows)
        {
            var length = width * rows;
            var mask = skeleton.AsSpan(0, length);
            Count = length - mask.Count((byte)0);
            _positions = AnalysisPool<int>.Shared.Rent(Count);
            _neighbours = AnalysisPool<int>.Shared.Rent(8 * Count);
            // Read only at skeleton pixels, each written first: never cleared.
            _index = AnalysisPool<int>.Shared.Rent(length);
            var k = 0;
            for (var p = mask.IndexOfAnyExcept((byte)0); p >= 0; p = Next(mask, p + 1))
            {
                _index[p] = k;
                _positions[k++] = p;
            }

            // The neighbours' offsets in slot order, for pixels off the grid's edge (all, on a thinned mask with a margin).
            Span<int> offsets = [-width - 1, -width, -width + 1, -1, 1, width - 1, width, width + 1];
            for (k = 0; k < Count; k++)
            {
                var p = _positions[k];
                var y = p / width;
                var x = p - (y * width);
                var slot = 8 * k;
                if ((uint)(x - 1) < (uint)(width - 2) && (uint)(y - 1) < (uint)(rows - 2))
                {
                    foreach (var offset in offsets)
                    {
                        var q = p + offset;
                        _neighbours[slot++] = skeleton[q] != 0 ? _index[q] : -1;
                    }

                    continue;
                }

                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        if (dx == 0 && dy == 0)
                        {
                            continue;
                        }

                        int xx = x + dx, yy = y + dy, q = (yy * width) + xx;
                        _neighbours[slot++] = (uint)xx < (uint)width && (uint)yy < (uint)rows && skeleton[q] != 0 ? _index[q] : -1;
                    }
                }
            }
        }

        public int Count { get; }

        public int PositionOf(int k) => _positions[k];

        /// <summary>Dijkstra from <paramref name="source"/>: the farthest pixel, each pixel's predecessor in <paramref name="previous"/>.</summary>
        /// <remarks>
        /// The queue takes the same priorities in the same order as a sweep over positions would, so it hands the pixels
        /// back in the same order (equal distances included) and the path is the same.
        /// </remarks>
        public int Sweep(int source, float[] distance, int[] previous, PriorityQueue<int, float> queue)
        {
            distance.AsSpan(0, Count).Fill(float.PositiveInfinity);
            previous.AsSpan(0, Count).Fill(-1);
            queue.Clear();
            distance[source] = 0;
            queue.Enqueue(source, 0);
            var farthest = source;
            while (queue.TryDequeue(out var k, out var d))
            {
                if (d > distance[k])
                {
                    continue;
                }

                if (d > distance[farthest])
                {
                    farthest = k;
                }

                var neighbours = _neighbours.AsSpan(8 * k, 8);
                for (var slot = 0; slot < 8; slot++)
                {
                    var q = neighbours[slot];
                    if (q < 0)
                    {
                        continue;
                    }

                    var nd = d + (((DiagonalSlots >> slot) & 1) != 0 ? 1.4142135f : 1f);
                    if (nd < distance[q])
                    {
                        distance[q] = nd;
                        previous[q] = k;
                        queue.Enqueue(q, nd);
                    }
                }
            }

            return farthest;
        }

        /// <summary>Pixel count of the largest 8-connected component of the pixels not <paramref name="seen"/> (marked as they are taken).</summary>
        public int LargestComponent(bool[] seen)
        {
            var stack = AnalysisPool<int>.Shared.Rent(Count);
            try
            {
                var largest = 0;
                for (var start = 0; start < Count; start++)
                {
                    if (seen[start])
                    {
                        continue;
                    }

                    var size = 0;
                    var top = 0;
                    seen[start] = true;
                    stack[top++] = start;
                    while (top > 0)
                    {
                        var k = stack[--top];
                        size++;
                        foreach (var q in _neighbours.AsSpan(8 * k, 8))
                        {
                            if (q >= 0 && !seen[q])
                            {
                                seen[q] = true;
                                stack[top++] = q;
                            }
                        }
                    }

                    largest = Math.Max(largest, size);
                }

                return largest;
            }
            finally
            {
                AnalysisPool<int>.Shared.Return(stack);
            }
        }

        public void Dispose()
        {
            AnalysisPool<int>.Shared.Return(_positions);
            AnalysisPool<int>.Shared.Return(_neighbours);
            AnalysisPool<int>.Shared.Return(_index);
        }

        /// <summary>The first skeleton pixel from <paramref name="from"/> on, −1 when none.</summary>
        private static int Next(ReadOnlySpan<byte> mask, int from)
        {
            var next = mask[from..].IndexOfAnyExcept((byte)0);
            return next < 0 ? -1 : from + next;
        }
    }
}
