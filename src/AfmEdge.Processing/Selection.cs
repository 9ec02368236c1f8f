using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AfmEdge.Processing;

/// <summary>
/// k-th smallest value of a scratch span (which it permutes). Gwyddion's median is the value of rank n/2
/// (gwy_math_median → gwy_math_kth_rank(n, a, n/2)), i.e. the upper median for even n; <see cref="Median"/> keeps that.
/// </summary>
public static class Selection
{
    private const int Buckets = 256;

    // Spans at least this long are counted into interleaved histograms (<see cref="Count"/>); shorter ones would spend
    // more on clearing and summing them than they save.
    private const int SplitHistogramMin = 4096;

    /// <summary>Rank n/2 of <paramref name="scratch"/>, as gwy_math_median; the span is reordered.</summary>
    public static float Median(Span<float> scratch) => Kth(scratch, scratch.Length / 2);

    /// <summary>The value of rank <paramref name="k"/> (0-based) of <paramref name="scratch"/>; the span is reordered.</summary>
    public static float Kth(Span<float> scratch, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, scratch.Length);
        return BucketSelect(scratch, k, 0, range: null);
    }

    /// <summary>
    /// As <see cref="Kth(Span{float}, int)"/> where the caller already knows the span's smallest and largest values
    /// (exactly <see cref="TensorPrimitives.Min{T}(ReadOnlySpan{T})"/>'s and Max's, with no NaN among them): the first
    /// histogram level then needs no pass to find them.
    /// </summary>
    internal static float Kth(Span<float> scratch, int k, float min, float max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, scratch.Length);
        return BucketSelect(scratch, k, 0, (min, max));
    }

    /// <summary>Values at least this many go through <see cref="KthBracketed"/>'s sample first.</summary>
    private const int BracketMin = 16384;

    /// <summary>Values sampled (evenly spaced) to bracket the rank.</summary>
    private const int BracketSample = 1024;

    /// <summary>Sample ranks either side of the one expected: four standard deviations of a uniform sample's rank.</summary>
    private const int BracketMargin = 64;

    /// <summary>
    /// The value of rank <paramref name="k"/> of finite values whose range [<paramref name="min"/>, <paramref name="max"/>]
    /// is known, as <see cref="Kth(Span{float}, int, float, float)"/> returns it, except that where +0 and −0 both sit at
    /// rank k either may come back (a caller that takes |v − it| or compares with it cannot tell). A large span is
    /// bracketed first: two ranks of an evenly spaced sample give a range that holds rank k with near certainty, one
    /// vector pass counts the values below it and gathers those inside (an eighth of them), and only those are
    /// selected from, where the full selection's byte histogram of every value cost more than the rest of it. When the
    /// range misses rank k (a sample unlike the whole), the full selection runs. The span is reordered.
    /// </summary>
    internal static float KthBracketed(Span<float> values, int k, float min, float max)
    {
        // Without AVX-512's compress the gather branches on every value inside, which cost more than it saved (measured).
        var n = values.Length;
        if (n < BracketMin || !(max > min) || !Avx512F.VL.IsSupported)
        {
            return Kth(values, k, min, max);
        }

        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, n);
        Span<float> sample = stackalloc float[BracketSample];
        for (var i = 0; i < BracketSample; i++)
        {
            sample[i] = values[(int)((long)i * n / BracketSample)];
        }

        var expected = (int)((long)k * BracketSample / n);
        var low = Kth(sample, Math.Max(0, expected - BracketMargin));
        var high = Kth(sample, Math.Min(BracketSample - 1, expected + BracketMargin));
        var inside = ArrayPool<float>.Shared.Rent(n + Vector256<float>.Count);
        try
        {
            var (below, count) = Bracket(values, low, high, inside);
            return k >= below && k < below + count
                ? Kth(inside.AsSpan(0, count), k - below)
                : Kth(values, k, min, max);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inside);
        }
    }

    /// <summary>
    /// How many values are below <paramref name="low"/>, and those in [low, high] copied to <paramref name="inside"/> in
    /// index order; <paramref name="inside"/> must hold 8 more than the values (a vector's store may run past the last).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (int Below, int Inside) Bracket(ReadOnlySpan<float> values, float low, float high, Span<float> inside)
    {
        var below = 0;
        var count = 0;
        var i = 0;
        ref var v = ref MemoryMarshal.GetReference(values);
        ref var target = ref MemoryMarshal.GetReference(inside);
        if (Avx512F.VL.IsSupported)
        {
            var (lo, hi) = (Vector256.Create(low), Vector256.Create(high));
            var under = Vector256<int>.Zero;
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var x = Vector256.LoadUnsafe(ref v, (nuint)i);
                var isBelow = Vector256.LessThan(x, lo);
                under -= isBelow.AsInt32();
                // Packed without a branch per value: about one of eight is inside, at no predictable place.
                var within = Vector256.AndNot(Vector256.LessThanOrEqual(x, hi), isBelow);
                Avx512F.VL.Compress(Vector256<float>.Zero, within, x).StoreUnsafe(ref target, (nuint)count);
                count += BitOperations.PopCount(Vector256.ExtractMostSignificantBits(within));
            }

            below = Vector256.Sum(under);
        }

        for (; i < values.Length; i++)
        {
            var x = Unsafe.Add(ref v, i);
            if (x < low)
            {
                below++;
            }
            else if (x <= high)
            {
                Unsafe.Add(ref target, count++) = x;
            }
        }

        return (below, count);
    }

    /// <summary>
    /// The sum of the values of ranks [trimmed, n − trimmed) from one bucket histogram: every bucket strictly between
    /// the two holding the boundary ranks is kept whole, and only those two (a handful of values on a scan row) are
    /// sorted. False when the boundary buckets are crowded (a spike stretching the range), left to the selection path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryTrimmedSum(ReadOnlySpan<float> values, int trimmed, out double sum)
    {
        sum = 0;
        var n = values.Length;
        if (n <= 48 || n > 4096 || trimmed <= 0 || (2 * trimmed) >= n)
        {
            return false;
        }

        var min = TensorPrimitives.Min(values);
        var max = TensorPrimitives.Max(values);
        var scale = (float)((Buckets - 0.01) / ((double)max - min));
        if (!(max > min) || !float.IsFinite(scale))
        {
            return false;
        }

        Span<byte> buckets = stackalloc byte[n];
        Span<int> histogram = stackalloc int[Buckets];
        ComputeBuckets(values, buckets, min, scale);
        histogram.Clear();
        foreach (var b in buckets)
        {
            histogram[b]++;
        }

        // Buckets holding rank `trimmed` (low) and rank n − 1 − trimmed (high), and the counts below them.
        int low = 0, belowLow = 0;
        while (belowLow + histogram[low] <= trimmed)
        {
            belowLow += histogram[low++];
        }

        var high = low;
        var belowHigh = belowLow;
        while (belowHigh + histogram[high] <= n - 1 - trimmed)
        {
            belowHigh += histogram[high++];
        }

        const int MaxBoundary = 64;
        if (histogram[low] > MaxBoundary || histogram[high] > MaxBoundary)
        {
            return false;
        }

        Span<float> lowValues = stackalloc float[histogram[low]];
        Span<float> highValues = stackalloc float[low == high ? 0 : histogram[high]];
        int lowCount = 0, highCount = 0;
        double middle = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Eight values at a time: the kept ones (bucket strictly between) summed branch-free in double; the
            // rare boundary ones picked out one by one, in index order as below.
            var vLow = Vector256.Create((uint)low);
            var vHigh = Vector256.Create((uint)high);
            var sum0 = Vector256<double>.Zero;
            var sum1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var bytes = Vector128.CreateScalar(BinaryPrimitives.ReadUInt64LittleEndian(buckets[i..])).AsByte();
                var words = Vector128.WidenLower(bytes);
                var b = Vector256.Create(Vector128.WidenLower(words), Vector128.WidenUpper(words));
                var kept = Vector256.GreaterThan(b, vLow) & Vector256.LessThan(b, vHigh);
                var v = Vector256.Create(values.Slice(i, 8));
                var (lower, upper) = Vector256.Widen(Vector256.ConditionalSelect(kept.AsSingle(), v, Vector256<float>.Zero));
                sum0 += lower;
                sum1 += upper;
                if ((Vector256.Equals(b, vLow) | Vector256.Equals(b, vHigh)) != Vector256<uint>.Zero)
                {
                    for (var j = i; j < i + 8; j++)
                    {
                        if (buckets[j] == low)
                        {
                            lowValues[lowCount++] = values[j];
                        }
                        else if (buckets[j] == high)
                        {
                            highValues[highCount++] = values[j];
                        }
                    }
                }
            }

            middle = Vector256.Sum(sum0 + sum1);
        }

        for (; i < n; i++)
        {
            var b = buckets[i];
            if (b > low && b < high)
            {
                middle += values[i];
            }
            else if (b == low)
            {
                lowValues[lowCount++] = values[i];
            }
            else if (b == high)
            {
                highValues[highCount++] = values[i];
            }
        }

        // Kept ranks inside the boundary buckets, counted from each bucket's first (smallest) value.
        lowValues.Sort();
        var lastKept = n - 1 - trimmed;
        if (low == high)
        {
            for (var r = trimmed - belowLow; r <= lastKept - belowLow; r++)
            {
                middle += lowValues[r];
            }

            sum = middle;
            return true;
        }

        highValues.Sort();
        for (var r = trimmed - belowLow; r < lowCount; r++)
        {
            middle += lowValues[r];
        }

        for (var r = 0; r <= lastKept - belowHigh; r++)
        {
            middle += highValues[r];
        }

        sum = middle;
        return true;
    }

    // One histogram pass over value buckets finds the bucket holding rank k; only that bucket is searched further.
    // On a row of a scan (smooth distribution) the bucket holds a handful of values, so the cost is ~3 linear passes,
    // where quickselect's data-dependent branches cost several times more.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float BucketSelect(Span<float> values, int k, int depth, (float Min, float Max)? range)
    {
        // A frame-sized scratch is rented: a median per frame (merge-retrace's robust σ) must commit no new memory.
        var rented = values.Length <= 4096 ? null : ArrayPool<byte>.Shared.Rent(values.Length);
        try
        {
            return BucketSelect(values, k, depth, rented is null ? stackalloc byte[values.Length] : rented.AsSpan(0, values.Length), range);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float BucketSelect(Span<float> values, int k, int depth, Span<byte> buckets, (float Min, float Max)? range)
    {
        Span<int> histogram = stackalloc int[Buckets];
        while (true)
        {
            var n = values.Length;
            if (n <= 48 || depth > 4)
            {
                return QuickSelect(values, k);
            }

            // The caller's range holds for the whole span only: the levels below find their own.
            var (min, max) = range ?? (TensorPrimitives.Min(values), TensorPrimitives.Max(values));
            range = null;
            if (!(max > min))
            {
                return min;
            }

            var scale = (float)((Buckets - 0.01) / ((double)max - min));
            if (!float.IsFinite(scale))
            {
                return QuickSelect(values, k);
            }

            // Bucket indices in one vector pass, then a scalar histogram over the bytes.
            ComputeBuckets(values, buckets[..n], min, scale);
            Count(buckets[..n], histogram);

            var below = 0;
            var bucket = 0;
            while (below + histogram[bucket] <= k)
            {
                below += histogram[bucket++];
            }

            var m = GatherBucket(values, buckets[..n], (byte)bucket);
            values = values[..m];
            k -= below;
            depth++;
        }
    }

    /// <summary>
    /// The histogram of <paramref name="buckets"/>. A frame-sized span of a peaked distribution repeats its central
    /// buckets back to back, and each increment would wait for the previous one's store: four interleaved histograms,
    /// summed at the end, keep four increments in flight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Count(ReadOnlySpan<byte> buckets, Span<int> histogram)
    {
        histogram.Clear();
        var i = 0;
        if (buckets.Length >= SplitHistogramMin)
        {
            Span<int> split = stackalloc int[3 * Buckets];
            split.Clear();
            ref var b = ref MemoryMarshal.GetReference(buckets);
            ref var h0 = ref MemoryMarshal.GetReference(histogram);
            ref var h1 = ref MemoryMarshal.GetReference(split);
            ref var h2 = ref Unsafe.Add(ref h1, Buckets);
            ref var h3 = ref Unsafe.Add(ref h1, 2 * Buckets);
            for (; i <= buckets.Length - 4; i += 4)
            {
                Unsafe.Add(ref h0, Unsafe.Add(ref b, i))++;
                Unsafe.Add(ref h1, Unsafe.Add(ref b, i + 1))++;
                Unsafe.Add(ref h2, Unsafe.Add(ref b, i + 2))++;
                Unsafe.Add(ref h3, Unsafe.Add(ref b, i + 3))++;
            }

            for (var k = 0; k < Buckets; k++)
            {
                histogram[k] += split[k] + split[Buckets + k] + split[(2 * Buckets) + k];
            }
        }

        for (; i < buckets.Length; i++)
        {
            histogram[buckets[i]]++;
        }
    }

    /// <summary>
    /// Swaps the values whose bucket is <paramref name="bucket"/> to the front, in index order (so the span stays a
    /// permutation of its input), and returns their count. Few values fall in one bucket: 32 bucket bytes are compared
    /// at once and only those holding a match are visited, which performs exactly the swaps of a pixel-by-pixel scan.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int GatherBucket(Span<float> values, ReadOnlySpan<byte> buckets, byte bucket)
    {
        var m = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var target = Vector256.Create(bucket);
            ref var b = ref MemoryMarshal.GetReference(buckets);
            for (; i <= buckets.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                var matches = Vector256.Equals(Vector256.LoadUnsafe(ref b, (nuint)i), target).ExtractMostSignificantBits();
                while (matches != 0)
                {
                    var j = i + BitOperations.TrailingZeroCount(matches);
                    (values[j], values[m]) = (values[m], values[j]);
                    m++;
                    matches &= matches - 1;
                }
            }
        }

        for (; i < buckets.Length; i++)
        {
            if (buckets[i] == bucket)
            {
                (values[i], values[m]) = (values[m], values[i]);
                m++;
            }
        }

        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputeBuckets(ReadOnlySpan<float> values, Span<byte> buckets, float min, float scale)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vmin = new Vector<float>(min);
            var vscale = new Vector<float>(scale);
            var top = new Vector<int>(Buckets - 1);
            var step = Vector<byte>.Count; // four float vectors narrow to one byte vector
            for (; i <= values.Length - step; i += step)
            {
                var b0 = Vector.AsVectorUInt32(Vector.Min(Vector.ConvertToInt32((new Vector<float>(values[i..]) - vmin) * vscale), top));
                var b1 = Vector.AsVectorUInt32(Vector.Min(Vector.ConvertToInt32((new Vector<float>(values[(i + Vector<float>.Count)..]) - vmin) * vscale), top));
                var b2 = Vector.AsVectorUInt32(Vector.Min(Vector.ConvertToInt32((new Vector<float>(values[(i + (2 * Vector<float>.Count))..]) - vmin) * vscale), top));
                var b3 = Vector.AsVectorUInt32(Vector.Min(Vector.ConvertToInt32((new Vector<float>(values[(i + (3 * Vector<float>.Count))..]) - vmin) * vscale), top));
                Vector.Narrow(Vector.Narrow(b0, b1), Vector.Narrow(b2, b3)).CopyTo(buckets[i..]);
            }
        }

        for (; i < values.Length; i++)
        {
            buckets[i] = (byte)Math.Min((int)((values[i] - min) * scale), Buckets - 1);
        }
    }

    /// <summary>Hoare partition quickselect with median-of-three pivots; insertion sort for short ranges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float QuickSelect(Span<float> a, int k)
    {
        var lo = 0;
        var hi = a.Length - 1;
        while (hi - lo > 16)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (a[mid] < a[lo])
            {
                (a[mid], a[lo]) = (a[lo], a[mid]);
            }

            if (a[hi] < a[lo])
            {
                (a[hi], a[lo]) = (a[lo], a[hi]);
            }

            if (a[hi] < a[mid])
            {
                (a[hi], a[mid]) = (a[mid], a[hi]);
            }

            var pivot = a[mid];
            var i = lo;
            var j = hi;
            while (i <= j)
            {
                while (a[i] < pivot)
                {
                    i++;
                }

                while (a[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                return a[k];
            }
        }

        for (var i = lo + 1; i <= hi; i++)
        {
            var v = a[i];
            var j = i - 1;
            while (j >= lo && a[j] > v)
            {
                a[j + 1] = a[j];
                j--;
            }

            a[j + 1] = v;
        }

        return a[k];
    }
}
