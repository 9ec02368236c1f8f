using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AfmEdge.Processing;

/// <summary>
/// Finds horizontal scars (short runs of a line shifted up or down against the lines above and below) and replaces
/// them. Detection is gwy_data_field_mark_scars (libprocess/correct.c) run for positive and negative scars with the
/// Remove Scars module's defaults (high 0.666, low 0.25 in units of the vertical RMS difference, minimum length 16,
/// maximum width 4). Replacement differs from Gwyddion, which solves Laplace's equation over the marked pixels: each
/// marked run is interpolated linearly along its column between the nearest unmarked pixels above and below
/// (a scar is only a few lines wide, so the two agree closely and this needs no iteration).
/// </summary>
public sealed class ScarRemoval : GridOperation
{
    public ScarRemoval(double thresholdHigh = 0.666, double thresholdLow = 0.25, int minLength = 16, int maxWidth = 4)
    {
        if (!(thresholdLow > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdLow), thresholdLow, "Low threshold must be positive.");
        }

        if (!(thresholdHigh >= thresholdLow))
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdHigh), thresholdHigh, "High threshold must be at least the low threshold.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWidth, 1);
        ThresholdHigh = thresholdHigh;
        ThresholdLow = thresholdLow;
        MinLength = minLength;
        MaxWidth = maxWidth;
    }

    public double ThresholdHigh { get; }

    public double ThresholdLow { get; }

    public int MinLength { get; }

    public int MaxWidth { get; }

    public override string Name => ThresholdHigh == 0.666 && ThresholdLow == 0.25 && MinLength == 16 && MaxWidth == 4
        ? "scars"
        : string.Create(CultureInfo.InvariantCulture, $"scars:{ThresholdHigh}:{ThresholdLow}:{MinLength}:{MaxWidth}");

    public override int MinHeight => 3;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        var words = Words(width);
        var markBuffer = ArrayPool<ulong>.Shared.Rent(words * height);
        try
        {
            var marks = markBuffer.AsSpan(0, words * height);
            MarkBits(input, marks, width, height);
            input.CopyTo(output);
            for (var y = 0; y < height; y++)
            {
                var row = marks.Slice(y * words, words);
                for (var w = 0; w < words; w++)
                {
                    for (var bits = row[w]; bits != 0; bits &= bits - 1)
                    {
                        // Scars are at most MaxWidth lines tall, so the unmarked neighbours are a few steps away.
                        var x = (w * 64) + BitOperations.TrailingZeroCount(bits);
                        var above = y - 1;
                        while (above >= 0 && IsSet(marks, words, above, x))
                        {
                            above--;
                        }

                        var below = y + 1;
                        while (below < height && IsSet(marks, words, below, x))
                        {
                            below++;
                        }

                        output[(y * width) + x] = Interpolate(input, width, height, x, y, above, below);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(markBuffer);
        }
    }

    /// <summary>1 where a pixel belongs to a positive or negative scar, else 0.</summary>
    public byte[] Mark(ReadOnlySpan<float> data, int width, int height)
    {
        Grid.Check(data.Length, data.Length, width, height);
        var words = Words(width);
        var marks = new ulong[words * height];
        MarkBits(data, marks, width, height);
        var result = new byte[data.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                result[(y * width) + x] = IsSet(marks, words, y, x) ? (byte)1 : (byte)0;
            }
        }

        return result;
    }

    private static int Words(int width) => (width + 63) / 64;

    private static bool IsSet(ReadOnlySpan<ulong> marks, int words, int y, int x) => (marks[(y * words) + (x >> 6)] & (1UL << x)) != 0;

    private static float Interpolate(ReadOnlySpan<float> input, int width, int height, int x, int y, int above, int below)
    {
        if (above >= 0 && below < height)
        {
            var t = (double)(y - above) / (below - above);
            return (float)(((1 - t) * input[(above * width) + x]) + (t * input[(below * width) + x]));
        }

        return above >= 0 ? input[(above * width) + x] : below < height ? input[(below * width) + x] : input[(y * width) + x];
    }

    /// <summary>
    /// The marking of gwy_data_field_mark_scars for positive and negative scars together, as one bit per pixel
    /// (<paramref name="marks"/>: <see cref="Words"/>(xres) words per row). Gwyddion searches down from every start
    /// row and raises the strength of the rows below it; here the rows are streamed once: start row i's scar depth and
    /// reference level (both signs, one vector of columns at a time, in float) go into a ring of the last MaxWidth
    /// start rows, and a row's strength is gathered from the start rows above that reach it. Then Gwyddion's spread of
    /// the high threshold over neighbours above the low one, and its removal of runs shorter than min_scar_len, come to:
    /// a maximal run of strengths ≥ low is a scar iff it holds one ≥ high and is ≥ min_scar_len long, which is found
    /// on bit masks of the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MarkBits(ReadOnlySpan<float> d, Span<ulong> marks, int xres, int yres)
    {
        marks.Clear();
        var minLen = Math.Max(MinLength, 1);
        var maxWidth = Math.Min(MaxWidth, yres - 2);
        if (minLen > xres || maxWidth < 1)
        {
            return;
        }

        var rms = VerticalRms(d, xres, yres);
        if (rms == 0)
        {
            return;
        }

        var high = (float)Math.Max(ThresholdHigh, ThresholdLow);
        var low = (float)ThresholdLow;
        var lowRms = (float)(ThresholdLow * rms);
        var invRms = (float)(1 / rms);
        var starts = yres - (maxWidth + 1);
        var words = Words(xres);

        // Ring slot s % maxWidth holds start row s: reference and depth per column, positive then negative.
        var slot = maxWidth * xres;
        var floats = ArrayPool<float>.Shared.Rent((2 * slot) + (2 * xres));
        var ints = ArrayPool<int>.Shared.Rent(2 * slot);
        var bits = ArrayPool<ulong>.Shared.Rent(2 * words);
        try
        {
            var reference = floats.AsSpan(0, 2 * slot);
            var strength = floats.AsSpan(2 * slot, 2 * xres);
            var depth = ints.AsSpan(0, 2 * slot);
            var lowBits = bits.AsSpan(0, words);
            var highBits = bits.AsSpan(words, words);
            for (var r = 1; r < yres; r++)
            {
                var s = r - 1;
                if (s < starts)
                {
                    var at = (s % maxWidth) * xres;
                    Search(d, s * xres, xres, maxWidth, lowRms, reference.Slice(at, xres), depth.Slice(at, xres), reference.Slice(slot + at, xres), depth.Slice(slot + at, xres));
                }

                // Start rows r − k (k = 1…maxWidth) that exist reach row r when their depth is at least k.
                var first = Math.Max(1, r - starts + 1);
                var last = Math.Min(maxWidth, r);
                if (first > last)
                {
                    continue;
                }

                Gather(d, r * xres, xres, maxWidth, first, last, r, invRms, reference, depth, slot, strength);
                var row = marks.Slice(r * words, words);
                for (var sign = 0; sign < 2; sign++)
                {
                    if (Threshold(strength.Slice(sign * xres, xres), low, high, lowBits, highBits))
                    {
                        KeepRuns(lowBits, highBits, row, xres, minLen);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(floats);
            ArrayPool<int>.Shared.Return(ints);
            ArrayPool<ulong>.Shared.Return(bits);
        }
    }

    /// <summary>
    /// From start row <paramref name="at"/> down: the first depth k (1…maxWidth) at which rows 1…k all stand at least
    /// lowRms above (positive) or below (negative) both row 0 and row k + 1, and that bounding level; depth 0 if none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Search(ReadOnlySpan<float> d, int at, int xres, int maxWidth, float lowRms, Span<float> positiveReference, Span<int> positiveDepth, Span<float> negativeReference, Span<int> negativeDepth)
    {
        ref var data = ref MemoryMarshal.GetReference(d);
        ref var pr = ref MemoryMarshal.GetReference(positiveReference);
        ref var pd = ref MemoryMarshal.GetReference(positiveDepth);
        ref var nr = ref MemoryMarshal.GetReference(negativeReference);
        ref var nd = ref MemoryMarshal.GetReference(negativeDepth);
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var threshold = new Vector<float>(lowRms);
            for (; j <= xres - Vector<float>.Count; j += Vector<float>.Count)
            {
                ref var column = ref Unsafe.Add(ref data, at + j);
                var d0 = Vector.LoadUnsafe(ref column);
                var first = Vector.LoadUnsafe(ref column, (nuint)xres);
                var top = first; // positive: lowest of rows 1…k
                var bottom = first; // negative: highest of rows 1…k
                Vector<int> foundP = default, foundN = default, depthP = default, depthN = default;
                Vector<float> refP = default, refN = default;
                for (var k = 1; k <= maxWidth; k++)
                {
                    var current = Vector.LoadUnsafe(ref column, (nuint)(xres * k));
                    var next = Vector.LoadUnsafe(ref column, (nuint)(xres * (k + 1)));
                    top = Vector.Min(top, current);
                    bottom = Vector.Max(bottom, current);
                    var floor = Vector.Max(d0, next);
                    var ceiling = Vector.Min(d0, next);
                    var kk = new Vector<int>(k);
                    var hitP = Vector.AndNot(Vector.GreaterThanOrEqual(top - floor, threshold), foundP);
                    var hitN = Vector.AndNot(Vector.GreaterThanOrEqual(ceiling - bottom, threshold), foundN);
                    refP = Vector.ConditionalSelect(hitP, floor, refP);
                    refN = Vector.ConditionalSelect(hitN, ceiling, refN);
                    depthP = Vector.ConditionalSelect(hitP, kk, depthP);
                    depthN = Vector.ConditionalSelect(hitN, kk, depthN);
                    foundP |= hitP;
                    foundN |= hitN;
                }

                refP.StoreUnsafe(ref pr, (nuint)j);
                refN.StoreUnsafe(ref nr, (nuint)j);
                depthP.StoreUnsafe(ref pd, (nuint)j);
                depthN.StoreUnsafe(ref nd, (nuint)j);
            }
        }

        for (; j < xres; j++)
        {
            var d0 = d[at + j];
            var top = d[at + xres + j];
            var bottom = top;
            positiveDepth[j] = 0;
            negativeDepth[j] = 0;
            for (var k = 1; k <= maxWidth; k++)
            {
                var current = d[at + (xres * k) + j];
                var next = d[at + (xres * (k + 1)) + j];
                top = Math.Min(top, current);
                bottom = Math.Max(bottom, current);
                var floor = Math.Max(d0, next);
                var ceiling = Math.Min(d0, next);
                if (positiveDepth[j] == 0 && top - floor >= lowRms)
                {
                    positiveDepth[j] = k;
                    positiveReference[j] = floor;
                }

                if (negativeDepth[j] == 0 && ceiling - bottom >= lowRms)
                {
                    negativeDepth[j] = k;
                    negativeReference[j] = ceiling;
                }
            }
        }
    }

    /// <summary>Row r's strengths, positive then negative: the largest over start rows r − k (k = first…last) that reach it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gather(ReadOnlySpan<float> d, int at, int xres, int maxWidth, int first, int last, int r, float invRms, ReadOnlySpan<float> reference, ReadOnlySpan<int> depth, int slot, Span<float> strength)
    {
        ref var data = ref Unsafe.Add(ref MemoryMarshal.GetReference(d), at);
        ref var refs = ref MemoryMarshal.GetReference(reference);
        ref var depths = ref MemoryMarshal.GetReference(depth);
        ref var sp = ref MemoryMarshal.GetReference(strength);
        ref var sn = ref Unsafe.Add(ref sp, xres);
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var scale = new Vector<float>(invRms);
            for (; j <= xres - Vector<float>.Count; j += Vector<float>.Count)
            {
                var value = Vector.LoadUnsafe(ref data, (nuint)j);
                Vector<float> p = default, n = default;
                for (var k = first; k <= last; k++)
                {
                    var o = (((r - k) % maxWidth) * xres) + j;
                    var kk = new Vector<int>(k);
                    var reachP = Vector.GreaterThanOrEqual(Vector.LoadUnsafe(ref depths, (nuint)o), kk);
                    var reachN = Vector.GreaterThanOrEqual(Vector.LoadUnsafe(ref depths, (nuint)(slot + o)), kk);
                    p = Vector.ConditionalSelect(reachP, Vector.Max(p, (value - Vector.LoadUnsafe(ref refs, (nuint)o)) * scale), p);
                    n = Vector.ConditionalSelect(reachN, Vector.Max(n, (Vector.LoadUnsafe(ref refs, (nuint)(slot + o)) - value) * scale), n);
                }

                p.StoreUnsafe(ref sp, (nuint)j);
                n.StoreUnsafe(ref sn, (nuint)j);
            }
        }

        for (; j < xres; j++)
        {
            var value = Unsafe.Add(ref data, j);
            float p = 0, n = 0;
            for (var k = first; k <= last; k++)
            {
                var o = (((r - k) % maxWidth) * xres) + j;
                if (depth[o] >= k)
                {
                    p = Math.Max(p, (value - reference[o]) * invRms);
                }

                if (depth[slot + o] >= k)
                {
                    n = Math.Max(n, (reference[slot + o] - value) * invRms);
                }
            }

            Unsafe.Add(ref sp, j) = p;
            Unsafe.Add(ref sn, j) = n;
        }
    }

    /// <summary>Bit masks of strength ≥ low and ≥ high (bits past the row's end clear); false when nothing reaches high.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Threshold(ReadOnlySpan<float> strength, float low, float high, Span<ulong> lowBits, Span<ulong> highBits)
    {
        lowBits.Clear();
        highBits.Clear();
        var any = false;
        var j = 0;
        ref var s = ref MemoryMarshal.GetReference(strength);
        if (Vector256.IsHardwareAccelerated)
        {
            var vl = Vector256.Create(low);
            var vh = Vector256.Create(high);
            for (; j <= strength.Length - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref s, (nuint)j);
                var h = Vector256.GreaterThanOrEqual(v, vh).ExtractMostSignificantBits();
                if (h != 0)
                {
                    highBits[j >> 6] |= (ulong)h << (j & 63);
                    any = true;
                }

                lowBits[j >> 6] |= (ulong)Vector256.GreaterThanOrEqual(v, vl).ExtractMostSignificantBits() << (j & 63);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var vl = Vector128.Create(low);
            var vh = Vector128.Create(high);
            for (; j <= strength.Length - Vector128<float>.Count; j += Vector128<float>.Count)
            {
                var v = Vector128.LoadUnsafe(ref s, (nuint)j);
                var h = Vector128.GreaterThanOrEqual(v, vh).ExtractMostSignificantBits();
                if (h != 0)
                {
                    highBits[j >> 6] |= (ulong)h << (j & 63);
                    any = true;
                }

                lowBits[j >> 6] |= (ulong)Vector128.GreaterThanOrEqual(v, vl).ExtractMostSignificantBits() << (j & 63);
            }
        }

        for (; j < strength.Length; j++)
        {
            if (strength[j] >= low)
            {
                lowBits[j >> 6] |= 1UL << j;
            }

            if (strength[j] >= high)
            {
                highBits[j >> 6] |= 1UL << j;
                any = true;
            }
        }

        return any;
    }

    /// <summary>Sets in <paramref name="marks"/> every maximal run of low bits that holds a high bit and is at least minLen long.</summary>
    private static void KeepRuns(ReadOnlySpan<ulong> lowBits, ReadOnlySpan<ulong> highBits, Span<ulong> marks, int xres, int minLen)
    {
        var start = NextSet(lowBits, 0, xres);
        while (start < xres)
        {
            var end = NextClear(lowBits, start, xres);
            if (end - start >= minLen && NextSet(highBits, start, end) < end)
            {
                SetRange(marks, start, end);
            }

            start = NextSet(lowBits, end, xres);
        }
    }

    /// <summary>The first set bit at or after <paramref name="from"/>, or <paramref name="limit"/> when none before it.</summary>
    private static int NextSet(ReadOnlySpan<ulong> bits, int from, int limit)
    {
        if (from >= limit)
        {
            return limit;
        }

        var w = from >> 6;
        var word = bits[w] & (~0UL << from);
        while (word == 0)
        {
            if (++w << 6 >= limit)
            {
                return limit;
            }

            word = bits[w];
        }

        return Math.Min(limit, (w << 6) + BitOperations.TrailingZeroCount(word));
    }

    /// <summary>The first clear bit at or after <paramref name="from"/>, or <paramref name="limit"/>.</summary>
    private static int NextClear(ReadOnlySpan<ulong> bits, int from, int limit)
    {
        var w = from >> 6;
        var word = ~bits[w] & (~0UL << from);
        while (word == 0)
        {
            if (++w << 6 >= limit)
            {
                return limit;
            }

            word = ~bits[w];
        }

        return Math.Min(limit, (w << 6) + BitOperations.TrailingZeroCount(word));
    }

    private static void SetRange(Span<ulong> bits, int from, int to)
    {
        for (var w = from >> 6; w << 6 < to; w++)
        {
            var lo = Math.Max(from - (w << 6), 0);
            var hi = Math.Min(to - (w << 6), 64);
            var mask = hi == 64 ? ~0UL << lo : ((1UL << hi) - 1) & (~0UL << lo);
            bits[w] |= mask;
        }
    }

    /// <summary>Gwyddion's "vertical rms": √(Σ (z[i,j] − z[i+1,j])² / (xres·yres)).</summary>
    private static double VerticalRms(ReadOnlySpan<float> d, int xres, int yres)
    {
        double sum = 0;
        for (var i = 0; i < yres - 1; i++)
        {
            sum += SquaredDistance(d.Slice(i * xres, xres), d.Slice((i + 1) * xres, xres));
        }

        return Math.Sqrt(sum / ((double)xres * yres));
    }

    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var x = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var acc = Vector<double>.Zero;
            for (; x <= a.Length - Vector<float>.Count; x += Vector<float>.Count)
            {
                var diff = new Vector<float>(a[x..]) - new Vector<float>(b[x..]);
                var lo = Vector.WidenLower(diff);
                var hi = Vector.WidenUpper(diff);
                acc += (lo * lo) + (hi * hi);
            }

            sum = Vector.Sum(acc);
        }

        for (; x < a.Length; x++)
        {
            double z = a[x] - b[x];
            sum += z * z;
        }

        return sum;
    }
}
