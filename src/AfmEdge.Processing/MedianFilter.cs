using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AfmEdge.Processing;

/// <summary>
/// N×N median filter as gwy_data_field_filter_median (libprocess/filters.c): the window of pixel (x, y) spans
/// x − (N−1)/2 … x + N/2 (and the same in y), is cut at the frame edges (no extension: edge pixels take the median of
/// fewer values), and the median is the value of rank n/2, Gwyddion's gwy_math_median.
/// Interior pixels run through a sorting network pruned to the one output rank, one vector of pixels at a time
/// (min/max only, no branches); edge pixels use selection on the truncated window.
/// </summary>
public sealed class MedianFilter : GridOperation
{
    public const int MaxSize = 15;

    private static readonly ConcurrentDictionary<int, short[]> Networks = new();

    public MedianFilter(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxSize);
        Size = size;
    }

    public int Size { get; }

    public override string Name => string.Create(CultureInfo.InvariantCulture, $"median:{Size}");

    public override int MinWidth => 1;

    public override int MinHeight => 1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        var n = Size;
        if (n == 1)
        {
            input.CopyTo(output);
            return;
        }

        var before = (n - 1) / 2;
        var after = n / 2;
        var network = Networks.GetOrAdd(n * n, BuildNetwork);
        var regs = new Vector<float>[NextPowerOfTwo(n * n)];
        Span<float> window = stackalloc float[n * n];
        var lanes = Vector<float>.Count;
        for (var y = 0; y < height; y++)
        {
            var interiorRow = y >= before && y + after < height;
            var x = 0;
            if (interiorRow && Vector.IsHardwareAccelerated && width - before - after >= lanes)
            {
                for (; x < before; x++)
                {
                    output[(y * width) + x] = Truncated(input, width, height, x, y, before, after, window);
                }

                var end = width - after;
                for (; x < end; x += lanes)
                {
                    var start = Math.Min(x, end - lanes); // the last vector overlaps the previous one
                    Network(input, width, start, y, before, n, network, regs).CopyTo(output[((y * width) + start)..]);
                }

                x = end;
            }

            for (; x < width; x++)
            {
                output[(y * width) + x] = Truncated(input, width, height, x, y, before, after, window);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Truncated(ReadOnlySpan<float> input, int width, int height, int x, int y, int before, int after, Span<float> window)
    {
        var x0 = Math.Max(0, x - before);
        var x1 = Math.Min(width - 1, x + after);
        var y0 = Math.Max(0, y - before);
        var y1 = Math.Min(height - 1, y + after);
        var len = x1 - x0 + 1;
        var count = 0;
        for (var yy = y0; yy <= y1; yy++)
        {
            input.Slice((yy * width) + x0, len).CopyTo(window[count..]);
            count += len;
        }

        return Selection.QuickSelect(window[..count], count / 2);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector<float> Network(ReadOnlySpan<float> input, int width, int x, int y, int before, int n, short[] network, Vector<float>[] regs)
    {
        ref var data = ref MemoryMarshal.GetReference(input);
        var k = 0;
        for (var dy = 0; dy < n; dy++)
        {
            var offset = ((y - before + dy) * width) + x - before;
            for (var dx = 0; dx < n; dx++)
            {
                regs[k++] = Vector.LoadUnsafe(ref data, (nuint)(offset + dx));
            }
        }

        // The network's first entry is the register holding rank n²/2 at the end; then (min, max) register pairs.
        var r = regs.AsSpan();
        for (var i = 1; i < network.Length; i += 2)
        {
            ref var a = ref r[network[i]];
            ref var b = ref r[network[i + 1]];
            var lo = Vector.Min(a, b);
            b = Vector.Max(a, b);
            a = lo;
        }

        return r[network[0]];
    }

    private static int NextPowerOfTwo(int v)
    {
        var p = 1;
        while (p < v)
        {
            p <<= 1;
        }

        return p;
    }

    /// <summary>
    /// Batcher's odd–even merge sort on the next power of two ≥ count, with the padding slots treated as +∞ (their
    /// comparators become no-ops or renames) and every comparator that cannot reach output rank count/2 pruned.
    /// </summary>
    public static short[] BuildNetwork(int count)
    {
        var size = NextPowerOfTwo(count);
        var slot = new int[size];
        var infinite = new bool[size];
        for (var i = 0; i < size; i++)
        {
            slot[i] = i;
            infinite[i] = i >= count;
        }

        var ops = new List<(int Lo, int Hi)>();
        for (var p = 1; p < size; p <<= 1)
        {
            for (var k = p; k >= 1; k >>= 1)
            {
                for (var j = k % p; j + k < size; j += 2 * k)
                {
                    for (var i = 0; i < k && i + j + k < size; i++)
                    {
                        var a = i + j;
                        var b = i + j + k;
                        if ((a / (2 * p)) != (b / (2 * p)))
                        {
                            continue;
                        }

                        if (infinite[b])
                        {
                            continue; // min(a, +∞) = a: nothing moves
                        }

                        if (infinite[a])
                        {
                            (slot[a], slot[b]) = (slot[b], slot[a]); // a finite value moves down, +∞ moves up
                            (infinite[a], infinite[b]) = (infinite[b], infinite[a]);
                            continue;
                        }

                        ops.Add((slot[a], slot[b]));
                    }
                }
            }
        }

        var target = slot[count / 2];
        var needed = new bool[size];
        needed[target] = true;
        var kept = new List<(int Lo, int Hi)>();
        for (var i = ops.Count - 1; i >= 0; i--)
        {
            var (lo, hi) = ops[i];
            if (needed[lo] || needed[hi])
            {
                needed[lo] = needed[hi] = true;
                kept.Add((lo, hi));
            }
        }

        kept.Reverse();
        var result = new short[1 + (2 * kept.Count)];
        result[0] = (short)target;
        for (var i = 0; i < kept.Count; i++)
        {
            result[1 + (2 * i)] = (short)kept[i].Lo;
            result[2 + (2 * i)] = (short)kept[i].Hi;
        }

        return result;
    }
}
