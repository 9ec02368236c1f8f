using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AfmEdge.Processing;

/// <summary>
/// Two-dimensional complex DFT in single precision of a row-major width × height grid whose sides are powers of two,
/// held as split real/imaginary arrays (<see cref="Fft"/>'s conventions; the inverse divides by width·height). Both
/// axes run the same kernel: radix-2 decimation in time along y with whole rows as the butterflies' elements, so every
/// butterfly is a run of full vectors (<see cref="Vector{T}"/> of float: twice the lanes of double), two stages fused
/// per pass over the grid (radix 2×2: half the memory traffic). The x axis is done as a y pass on the transpose.
/// Phase correlation needs ~1e-6 relative precision at most, which single precision gives at a fraction of the cost.
/// </summary>
public static class Fft2DSingle
{
    private static readonly ConcurrentDictionary<int, Plan> Plans = new();

    /// <summary>Transforms (<paramref name="re"/>, <paramref name="im"/>) in place.</summary>
    public static void Forward(Span<float> re, Span<float> im, int width, int height) => Transform(re, im, width, height, inverse: false);

    /// <summary>The inverse transform in place, scaled by 1/(width·height).</summary>
    public static void Inverse(Span<float> re, Span<float> im, int width, int height) => Transform(re, im, width, height, inverse: true);

    /// <summary>True when this transform handles a width × height grid (both sides powers of two).</summary>
    public static bool Supports(int width, int height) => Fft.IsPowerOfTwo(width) && Fft.IsPowerOfTwo(height);

    private static void Transform(Span<float> re, Span<float> im, int width, int height, bool inverse)
    {
        if (!Supports(width, height))
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"A single-precision transform needs power-of-two sides; the grid is {width}×{height}.");
        }

        var n = width * height;
        if (re.Length != n || im.Length != n)
        {
            throw new ArgumentException($"A {width}×{height} transform needs {n} real and imaginary samples; got {re.Length} and {im.Length}.");
        }

        var scratchRe = ArrayPool<float>.Shared.Rent(n);
        var scratchIm = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var tr = scratchRe.AsSpan(0, n);
            var ti = scratchIm.AsSpan(0, n);
            Columns(re, im, width, height, 0, width, inverse);
            Transpose(re, tr, width, height, 0, height);
            Transpose(im, ti, width, height, 0, height);
            Columns(tr, ti, height, width, 0, height, inverse);
            Transpose(tr, re, height, width, 0, width);
            Transpose(ti, im, height, width, 0, width);
            if (inverse)
            {
                var scale = 1f / n;
                System.Numerics.Tensors.TensorPrimitives.Multiply(re, scale, re);
                System.Numerics.Tensors.TensorPrimitives.Multiply(im, scale, im);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratchRe);
            ArrayPool<float>.Shared.Return(scratchIm);
        }
    }

    /// <summary>
    /// The unscaled transform along y (rows × <paramref name="width"/> grid, rows a power of two) of the columns
    /// [<paramref name="from"/>, <paramref name="to"/>): two callers may split the columns between them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Columns(Span<float> re, Span<float> im, int width, int rows, int from, int to, bool inverse)
    {
        if (rows <= 1 || to <= from)
        {
            return;
        }

        var plan = Plans.GetOrAdd(rows, static length => new Plan(length));
        var swaps = plan.Swaps;
        for (var s = 0; s < swaps.Length; s += 2)
        {
            var a = (swaps[s] * width) + from;
            var b = (swaps[s + 1] * width) + from;
            SwapSegments(re.Slice(a, to - from), re.Slice(b, to - from));
            SwapSegments(im.Slice(a, to - from), im.Slice(b, to - from));
        }

        // The inverse is the forward transform with conjugated twiddles.
        var sign = inverse ? -1f : 1f;
        var h = 1;
        for (; 4 * h <= rows; h *= 4)
        {
            Radix4Pass(re, im, width, rows, h, from, to, plan, sign);
        }

        if (h < rows)
        {
            Radix2Pass(re, im, width, rows, h, from, to, plan, sign);
        }
    }

    /// <summary>
    /// Two radix-2 stages (half-blocks h and 2h) in one pass: rows a, a + h, a + 2h, a + 3h are combined in registers
    /// as (a, a + h), (a + 2h, a + 3h) with w_h^k, then (a, a + 2h) with w_2h^k and (a + h, a + 3h) with w_2h^(k + h).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix4Pass(Span<float> re, Span<float> im, int width, int rows, int h, int from, int to, Plan plan, float sign)
    {
        ref var r = ref MemoryMarshal.GetReference(re);
        ref var m = ref MemoryMarshal.GetReference(im);
        var lanes = Vector<float>.Count;
        var twiddleRe = plan.TwiddleRe;
        var twiddleIm = plan.TwiddleIm;
        for (var start = 0; start < rows; start += 4 * h)
        {
            for (var k = 0; k < h; k++)
            {
                float w1r = twiddleRe[h + k], w1i = sign * twiddleIm[h + k];
                float w2r = twiddleRe[(2 * h) + k], w2i = sign * twiddleIm[(2 * h) + k];
                float w3r = twiddleRe[(3 * h) + k], w3i = sign * twiddleIm[(3 * h) + k];
                var ra = (nuint)((start + k) * width);
                var rb = ra + (nuint)(h * width);
                var rc = rb + (nuint)(h * width);
                var rd = rc + (nuint)(h * width);
                var x = from;
                if (Vector.IsHardwareAccelerated)
                {
                    var v1r = new Vector<float>(w1r);
                    var v1i = new Vector<float>(w1i);
                    var v2r = new Vector<float>(w2r);
                    var v2i = new Vector<float>(w2i);
                    var v3r = new Vector<float>(w3r);
                    var v3i = new Vector<float>(w3i);
                    for (; x <= to - lanes; x += lanes)
                    {
                        var ix = (nuint)x;
                        var ar = Vector.LoadUnsafe(ref r, ra + ix);
                        var ai = Vector.LoadUnsafe(ref m, ra + ix);
                        var br = Vector.LoadUnsafe(ref r, rb + ix);
                        var bi = Vector.LoadUnsafe(ref m, rb + ix);
                        var cr = Vector.LoadUnsafe(ref r, rc + ix);
                        var ci = Vector.LoadUnsafe(ref m, rc + ix);
                        var dr = Vector.LoadUnsafe(ref r, rd + ix);
                        var di = Vector.LoadUnsafe(ref m, rd + ix);

                        // Stage h: (a, b) and (c, d), both with w_h^k.
                        var tr = (br * v1r) - (bi * v1i);
                        var ti = (br * v1i) + (bi * v1r);
                        (ar, ai, br, bi) = (ar + tr, ai + ti, ar - tr, ai - ti);
                        tr = (dr * v1r) - (di * v1i);
                        ti = (dr * v1i) + (di * v1r);
                        (cr, ci, dr, di) = (cr + tr, ci + ti, cr - tr, ci - ti);

                        // Stage 2h: (a, c) with w_2h^k, (b, d) with w_2h^(k + h).
                        tr = (cr * v2r) - (ci * v2i);
                        ti = (cr * v2i) + (ci * v2r);
                        (ar + tr).StoreUnsafe(ref r, ra + ix);
                        (ai + ti).StoreUnsafe(ref m, ra + ix);
                        (ar - tr).StoreUnsafe(ref r, rc + ix);
                        (ai - ti).StoreUnsafe(ref m, rc + ix);
                        tr = (dr * v3r) - (di * v3i);
                        ti = (dr * v3i) + (di * v3r);
                        (br + tr).StoreUnsafe(ref r, rb + ix);
                        (bi + ti).StoreUnsafe(ref m, rb + ix);
                        (br - tr).StoreUnsafe(ref r, rd + ix);
                        (bi - ti).StoreUnsafe(ref m, rd + ix);
                    }
                }

                for (; x < to; x++)
                {
                    var ix = (nuint)x;
                    float ar = Unsafe.Add(ref r, ra + ix), ai = Unsafe.Add(ref m, ra + ix);
                    float br = Unsafe.Add(ref r, rb + ix), bi = Unsafe.Add(ref m, rb + ix);
                    float cr = Unsafe.Add(ref r, rc + ix), ci = Unsafe.Add(ref m, rc + ix);
                    float dr = Unsafe.Add(ref r, rd + ix), di = Unsafe.Add(ref m, rd + ix);
                    var tr = (br * w1r) - (bi * w1i);
                    var ti = (br * w1i) + (bi * w1r);
                    (ar, ai, br, bi) = (ar + tr, ai + ti, ar - tr, ai - ti);
                    tr = (dr * w1r) - (di * w1i);
                    ti = (dr * w1i) + (di * w1r);
                    (cr, ci, dr, di) = (cr + tr, ci + ti, cr - tr, ci - ti);
                    tr = (cr * w2r) - (ci * w2i);
                    ti = (cr * w2i) + (ci * w2r);
                    Unsafe.Add(ref r, ra + ix) = ar + tr;
                    Unsafe.Add(ref m, ra + ix) = ai + ti;
                    Unsafe.Add(ref r, rc + ix) = ar - tr;
                    Unsafe.Add(ref m, rc + ix) = ai - ti;
                    tr = (dr * w3r) - (di * w3i);
                    ti = (dr * w3i) + (di * w3r);
                    Unsafe.Add(ref r, rb + ix) = br + tr;
                    Unsafe.Add(ref m, rb + ix) = bi + ti;
                    Unsafe.Add(ref r, rd + ix) = br - tr;
                    Unsafe.Add(ref m, rd + ix) = bi - ti;
                }
            }
        }
    }

    /// <summary>The last radix-2 stage (half-block h) when the number of stages is odd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix2Pass(Span<float> re, Span<float> im, int width, int rows, int h, int from, int to, Plan plan, float sign)
    {
        ref var r = ref MemoryMarshal.GetReference(re);
        ref var m = ref MemoryMarshal.GetReference(im);
        var lanes = Vector<float>.Count;
        for (var start = 0; start < rows; start += 2 * h)
        {
            for (var k = 0; k < h; k++)
            {
                var wr = plan.TwiddleRe[h + k];
                var wi = sign * plan.TwiddleIm[h + k];
                var ra = (nuint)((start + k) * width);
                var rb = ra + (nuint)(h * width);
                var x = from;
                if (Vector.IsHardwareAccelerated)
                {
                    var vr = new Vector<float>(wr);
                    var vi = new Vector<float>(wi);
                    for (; x <= to - lanes; x += lanes)
                    {
                        var ix = (nuint)x;
                        var br = Vector.LoadUnsafe(ref r, rb + ix);
                        var bi = Vector.LoadUnsafe(ref m, rb + ix);
                        var tr = (br * vr) - (bi * vi);
                        var ti = (br * vi) + (bi * vr);
                        var ar = Vector.LoadUnsafe(ref r, ra + ix);
                        var ai = Vector.LoadUnsafe(ref m, ra + ix);
                        (ar + tr).StoreUnsafe(ref r, ra + ix);
                        (ai + ti).StoreUnsafe(ref m, ra + ix);
                        (ar - tr).StoreUnsafe(ref r, rb + ix);
                        (ai - ti).StoreUnsafe(ref m, rb + ix);
                    }
                }

                for (; x < to; x++)
                {
                    var ix = (nuint)x;
                    var br = Unsafe.Add(ref r, rb + ix);
                    var bi = Unsafe.Add(ref m, rb + ix);
                    var tr = (br * wr) - (bi * wi);
                    var ti = (br * wi) + (bi * wr);
                    var ar = Unsafe.Add(ref r, ra + ix);
                    var ai = Unsafe.Add(ref m, ra + ix);
                    Unsafe.Add(ref r, ra + ix) = ar + tr;
                    Unsafe.Add(ref m, ra + ix) = ai + ti;
                    Unsafe.Add(ref r, rb + ix) = ar - tr;
                    Unsafe.Add(ref m, rb + ix) = ai - ti;
                }
            }
        }
    }

    /// <summary>
    /// target (width rows × height) = transpose of source (height rows × width), for the source rows
    /// [<paramref name="rowFrom"/>, <paramref name="rowTo"/>): 8 × 8 blocks in AVX registers where the sides allow,
    /// else element by element in cache-sized blocks (<see cref="TransposeScalar"/>, the reference).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Transpose(ReadOnlySpan<float> source, Span<float> target, int width, int height, int rowFrom, int rowTo)
    {
        if (!Avx.IsSupported || width % 8 != 0 || height % 8 != 0 || rowFrom % 8 != 0 || rowTo % 8 != 0)
        {
            TransposeScalar(source, target, width, height, rowFrom, rowTo);
            return;
        }

        ref var s = ref MemoryMarshal.GetReference(source);
        ref var t = ref MemoryMarshal.GetReference(target);
        const int Block = 32;
        for (var y0 = rowFrom; y0 < rowTo; y0 += Block)
        {
            var y1 = Math.Min(y0 + Block, rowTo);
            for (var x0 = 0; x0 < width; x0 += Block)
            {
                var x1 = Math.Min(x0 + Block, width);
                for (var y = y0; y < y1; y += 8)
                {
                    for (var x = x0; x < x1; x += 8)
                    {
                        Transpose8(ref Unsafe.Add(ref s, (y * width) + x), width, ref Unsafe.Add(ref t, (x * height) + y), height);
                    }
                }
            }
        }
    }

    /// <summary>Element-by-element transpose (the reference of <see cref="Transpose"/>), in cache-sized blocks.</summary>
    internal static void TransposeScalar(ReadOnlySpan<float> source, Span<float> target, int width, int height, int rowFrom, int rowTo)
    {
        const int Block = 32;
        for (var y0 = rowFrom; y0 < rowTo; y0 += Block)
        {
            var y1 = Math.Min(y0 + Block, rowTo);
            for (var x0 = 0; x0 < width; x0 += Block)
            {
                var x1 = Math.Min(x0 + Block, width);
                for (var y = y0; y < y1; y++)
                {
                    for (var x = x0; x < x1; x++)
                    {
                        target[(x * height) + y] = source[(y * width) + x];
                    }
                }
            }
        }
    }

    /// <summary>One 8 × 8 block: interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(ref float source, int sourceStride, ref float target, int targetStride)
    {
        var r0 = Vector256.LoadUnsafe(ref source);
        var r1 = Vector256.LoadUnsafe(ref source, (nuint)sourceStride);
        var r2 = Vector256.LoadUnsafe(ref source, (nuint)(2 * sourceStride));
        var r3 = Vector256.LoadUnsafe(ref source, (nuint)(3 * sourceStride));
        var r4 = Vector256.LoadUnsafe(ref source, (nuint)(4 * sourceStride));
        var r5 = Vector256.LoadUnsafe(ref source, (nuint)(5 * sourceStride));
        var r6 = Vector256.LoadUnsafe(ref source, (nuint)(6 * sourceStride));
        var r7 = Vector256.LoadUnsafe(ref source, (nuint)(7 * sourceStride));
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref target);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref target, (nuint)targetStride);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref target, (nuint)(2 * targetStride));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref target, (nuint)(3 * targetStride));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref target, (nuint)(4 * targetStride));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref target, (nuint)(5 * targetStride));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref target, (nuint)(6 * targetStride));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref target, (nuint)(7 * targetStride));
    }

    private static void SwapSegments(Span<float> a, Span<float> b)
    {
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        var lanes = Vector<float>.Count;
        var x = 0;
        for (; x <= a.Length - lanes; x += lanes)
        {
            var va = Vector.LoadUnsafe(ref ra, (nuint)x);
            Vector.LoadUnsafe(ref rb, (nuint)x).StoreUnsafe(ref ra, (nuint)x);
            va.StoreUnsafe(ref rb, (nuint)x);
        }

        for (; x < a.Length; x++)
        {
            (a[x], b[x]) = (b[x], a[x]);
        }
    }

    /// <summary>Bit reversal and twiddles (rounded from <see cref="Fft"/>'s correctly rounded doubles) of one length.</summary>
    private sealed class Plan
    {
        public Plan(int n)
        {
            var source = Fft.Plan.For(n);
            Swaps = source.Swaps.ToArray();
            TwiddleRe = new float[n];
            TwiddleIm = new float[n];
            for (var i = 0; i < n; i++)
            {
                TwiddleRe[i] = (float)source.TwiddleRe[i];
                TwiddleIm[i] = (float)source.TwiddleIm[i];
            }
        }

        public int[] Swaps { get; }

        public float[] TwiddleRe { get; }

        public float[] TwiddleIm { get; }
    }
}
