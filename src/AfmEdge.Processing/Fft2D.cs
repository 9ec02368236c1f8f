using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AfmEdge.Processing;

/// <summary>
/// Two-dimensional complex DFT of a row-major width × height grid held as split real/imaginary arrays: every row, then
/// every column (<see cref="Fft"/> conventions; the inverse divides by width·height). For a power-of-two height the
/// column pass runs the radix-2 butterflies on whole rows at once, so it is vectorised along x and never transposes;
/// other heights gather each column into a scratch line.
/// </summary>
public static class Fft2D
{
    public static void Forward(Span<double> re, Span<double> im, int width, int height) => Transform(re, im, width, height, inverse: false);

    public static void Inverse(Span<double> re, Span<double> im, int width, int height) => Transform(re, im, width, height, inverse: true);

    private static void Transform(Span<double> re, Span<double> im, int width, int height, bool inverse)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (re.Length != (long)width * height || im.Length != re.Length)
        {
            throw new ArgumentException($"A {width}×{height} transform needs {(long)width * height} real and imaginary samples; got {re.Length} and {im.Length}.");
        }

        for (var y = 0; y < height; y++)
        {
            var rowRe = re.Slice(y * width, width);
            var rowIm = im.Slice(y * width, width);
            if (inverse)
            {
                Fft.Inverse(rowRe, rowIm);
            }
            else
            {
                Fft.Forward(rowRe, rowIm);
            }
        }

        if (height == 1)
        {
            return;
        }

        if (Fft.IsPowerOfTwo(height))
        {
            Columns(re, im, width, height, inverse);
            return;
        }

        var lineRe = ArrayPool<double>.Shared.Rent(height);
        var lineIm = ArrayPool<double>.Shared.Rent(height);
        try
        {
            var cr = lineRe.AsSpan(0, height);
            var ci = lineIm.AsSpan(0, height);
            for (var x = 0; x < width; x++)
            {
                for (var y = 0; y < height; y++)
                {
                    cr[y] = re[(y * width) + x];
                    ci[y] = im[(y * width) + x];
                }

                if (inverse)
                {
                    Fft.Inverse(cr, ci);
                }
                else
                {
                    Fft.Forward(cr, ci);
                }

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

    /// <summary>Radix-2 along y with rows as the butterflies' elements (the same plan as a 1D transform of length height).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Columns(Span<double> re, Span<double> im, int width, int height, bool inverse)
    {
        var plan = Fft.Plan.For(height);
        var swaps = plan.Swaps;
        for (var s = 0; s < swaps.Length; s += 2)
        {
            SwapRows(re, swaps[s], swaps[s + 1], width);
            SwapRows(im, swaps[s], swaps[s + 1], width);
        }

        var sign = inverse ? -1.0 : 1.0;
        var twiddleRe = plan.TwiddleRe;
        var twiddleIm = plan.TwiddleIm;
        ref var r = ref MemoryMarshal.GetReference(re);
        ref var m = ref MemoryMarshal.GetReference(im);
        var v = Vector<double>.Count;
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
                    var x = 0;
                    if (Vector.IsHardwareAccelerated)
                    {
                        var vwr = new Vector<double>(wr);
                        var vwi = new Vector<double>(wi);
                        for (; x <= width - v; x += v)
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

                    for (; x < width; x++)
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

        if (inverse)
        {
            var scale = 1.0 / height;
            System.Numerics.Tensors.TensorPrimitives.Multiply(re, scale, re);
            System.Numerics.Tensors.TensorPrimitives.Multiply(im, scale, im);
        }
    }

    private static void SwapRows(Span<double> data, int i, int j, int width)
    {
        var a = data.Slice(i * width, width);
        var b = data.Slice(j * width, width);
        for (var x = 0; x < width; x++)
        {
            (a[x], b[x]) = (b[x], a[x]);
        }
    }
}
