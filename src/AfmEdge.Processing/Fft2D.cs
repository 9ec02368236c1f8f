using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AfmEdge.Processing;

/// <summary>
/// Two-dimensional complex DFT of a row-major width × height grid held as split real/imaginary arrays: every row, then
/// every column (<see cref="Fft"/> conventions; the inverse divides by width·height, once, at the end). For a
/// power-of-two height the column pass runs the radix-2 butterflies on whole rows at once, vectorised along x (long
/// contiguous runs: narrow strips of columns were measured slower, their 4 KiB-strided segments collide in the cache
/// sets). Other heights gather each column into a scratch line. With <c>parallel</c> the rows and the columns are
/// split between two workers.
/// </summary>
public static class Fft2D
{
    public static void Forward(Span<double> re, Span<double> im, int width, int height) => Transform(re, im, width, height, inverse: false, parallel: false);

    public static void Inverse(Span<double> re, Span<double> im, int width, int height) => Transform(re, im, width, height, inverse: true, parallel: false);

    /// <summary>The forward transform of arrays, split between two workers (for a caller that is otherwise idle).</summary>
    public static void Forward(double[] re, double[] im, int width, int height, bool parallel) => Transform(re, im, width, height, inverse: false, parallel);

    /// <summary>The inverse transform of arrays, split between two workers (for a caller that is otherwise idle).</summary>
    public static void Inverse(double[] re, double[] im, int width, int height, bool parallel) => Transform(re, im, width, height, inverse: true, parallel);

    private static void Transform(double[] re, double[] im, int width, int height, bool inverse, bool parallel)
    {
        ArgumentNullException.ThrowIfNull(re);
        ArgumentNullException.ThrowIfNull(im);
        var n = (long)width * height;
        if (!parallel || height < 4 || re.Length < n || im.Length < n)
        {
            Transform(re.AsSpan(0, (int)Math.Min(n, re.Length)), im.AsSpan(0, (int)Math.Min(n, im.Length)), width, height, inverse, parallel: false);
            return;
        }

        Check(re.AsSpan(0, (int)n), im.AsSpan(0, (int)n), width, height);
        Parallel.For(0, 2, part =>
        {
            var first = part * height / 2;
            var last = (part + 1) * height / 2;
            Rows(re.AsSpan(0, (int)n), im.AsSpan(0, (int)n), width, first, last, inverse);
        });
        if (Fft.IsPowerOfTwo(height))
        {
            // Halves at a multiple of 8 columns, so both workers' vectors start on a cache line.
            var half = Math.Min(width, ((width / 2) + 7) & ~7);
            Parallel.For(0, 2, part => Columns(re.AsSpan(0, (int)n), im.AsSpan(0, (int)n), width, height, part == 0 ? 0 : half, part == 0 ? half : width, inverse));
        }
        else
        {
            Parallel.For(0, 2, part => GatheredColumns(re.AsSpan(0, (int)n), im.AsSpan(0, (int)n), width, height, part * width / 2, (part + 1) * width / 2, inverse));
        }

        if (inverse)
        {
            Scale(re.AsSpan(0, (int)n), im.AsSpan(0, (int)n), width, height);
        }
    }

    private static void Transform(Span<double> re, Span<double> im, int width, int height, bool inverse, bool parallel)
    {
        _ = parallel;
        Check(re, im, width, height);
        Rows(re, im, width, 0, height, inverse);
        if (height > 1)
        {
            if (Fft.IsPowerOfTwo(height))
            {
                Columns(re, im, width, height, 0, width, inverse);
            }
            else
            {
                GatheredColumns(re, im, width, height, 0, width, inverse);
            }
        }

        if (inverse)
        {
            Scale(re, im, width, height);
        }
    }

    private static void Check(ReadOnlySpan<double> re, ReadOnlySpan<double> im, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (re.Length != (long)width * height || im.Length != re.Length)
        {
            throw new ArgumentException($"A {width}×{height} transform needs {(long)width * height} real and imaginary samples; got {re.Length} and {im.Length}.");
        }
    }

    private static void Scale(Span<double> re, Span<double> im, int width, int height)
    {
        var scale = 1.0 / ((double)width * height);
        System.Numerics.Tensors.TensorPrimitives.Multiply(re, scale, re);
        System.Numerics.Tensors.TensorPrimitives.Multiply(im, scale, im);
    }

    private static void Rows(Span<double> re, Span<double> im, int width, int first, int last, bool inverse)
    {
        for (var y = first; y < last; y++)
        {
            Fft.TransformUnscaled(re.Slice(y * width, width), im.Slice(y * width, width), inverse);
        }
    }

    private static void GatheredColumns(Span<double> re, Span<double> im, int width, int height, int from, int to, bool inverse)
    {
        var lineRe = ArrayPool<double>.Shared.Rent(height);
        var lineIm = ArrayPool<double>.Shared.Rent(height);
        try
        {
            var cr = lineRe.AsSpan(0, height);
            var ci = lineIm.AsSpan(0, height);
            for (var x = from; x < to; x++)
            {
                for (var y = 0; y < height; y++)
                {
                    cr[y] = re[(y * width) + x];
                    ci[y] = im[(y * width) + x];
                }

                Fft.TransformUnscaled(cr, ci, inverse);
                for (var y = 0; y < height; y++)
                {
                    re[(y * width) + x] = cr[y];
                    im[(y * width) + x] = ci[y];
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(lineRe);
            ArrayPool<double>.Shared.Return(lineIm);
        }
    }

    /// <summary>Radix-2 along y with row segments [from, to) as the butterflies' elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Columns(Span<double> re, Span<double> im, int width, int height, int from, int to, bool inverse)
    {
        var plan = Fft.Plan.For(height);
        var swaps = plan.Swaps;
        var sign = inverse ? -1.0 : 1.0;
        var twiddleRe = plan.TwiddleRe;
        var twiddleIm = plan.TwiddleIm;
        ref var r = ref MemoryMarshal.GetReference(re);
        ref var m = ref MemoryMarshal.GetReference(im);
        var v = Vector<double>.Count;
        {
            var strip = from;
            var end = to;
            for (var s = 0; s < swaps.Length; s += 2)
            {
                SwapSegments(re, (swaps[s] * width) + strip, (swaps[s + 1] * width) + strip, end - strip);
                SwapSegments(im, (swaps[s] * width) + strip, (swaps[s + 1] * width) + strip, end - strip);
            }

            for (var h = 1; h < height; h <<= 1)
            {
                for (var start = 0; start < height; start += 2 * h)
                {
                    for (var k = 0; k < h; k++)
                    {
                        var wr = twiddleRe[h + k];
                        var wi = sign * twiddleIm[h + k];
                        var a = (nuint)((start + k) * width);
                        var b = (nuint)((start + k + h) * width);
                        var x = strip;
                        if (Vector.IsHardwareAccelerated)
                        {
                            var vwr = new Vector<double>(wr);
                            var vwi = new Vector<double>(wi);
                            for (; x <= end - v; x += v)
                            {
                                var ia = a + (nuint)x;
                                var ib = b + (nuint)x;
                                var br = Vector.LoadUnsafe(ref r, ib);
                                var bi = Vector.LoadUnsafe(ref m, ib);
                                var tr = (br * vwr) - (bi * vwi);
                                var ti = (br * vwi) + (bi * vwr);
                                var ar = Vector.LoadUnsafe(ref r, ia);
                                var ai = Vector.LoadUnsafe(ref m, ia);
                                (ar - tr).StoreUnsafe(ref r, ib);
                                (ai - ti).StoreUnsafe(ref m, ib);
                                (ar + tr).StoreUnsafe(ref r, ia);
                                (ai + ti).StoreUnsafe(ref m, ia);
                            }
                        }

                        for (; x < end; x++)
                        {
                            var ia = (int)a + x;
                            var ib = (int)b + x;
                            var br = re[ib];
                            var bi = im[ib];
                            var tr = (br * wr) - (bi * wi);
                            var ti = (br * wi) + (bi * wr);
                            var ar = re[ia];
                            var ai = im[ia];
                            re[ib] = ar - tr;
                            im[ib] = ai - ti;
                            re[ia] = ar + tr;
                            im[ia] = ai + ti;
                        }
                    }
                }
            }
        }
    }

    private static void SwapSegments(Span<double> data, int i, int j, int length)
    {
        var a = data.Slice(i, length);
        var b = data.Slice(j, length);
        for (var x = 0; x < length; x++)
        {
            (a[x], b[x]) = (b[x], a[x]);
        }
    }
}
