using AfmEdge.Processing;
using ILGPU;
using ILGPU.Runtime;

namespace AfmEdge.Kernels;

/// <summary>
/// One pass of a batch of 1D transforms, passed by value: element e of line l sits at l·LineStride + e·ElementStride;
/// Span is the Stockham stage's sub-transform stride; Sign is −1 forward, +1 inverse.
/// </summary>
public readonly record struct FftPass(int Length, int Span, int LineStride, int ElementStride, float Sign);

/// <summary>The radial band of an FFT filter on the 2W × 2H extension: squared cutoffs in cycles per pixel.</summary>
public readonly record struct FftBand(int Width, int Height, int Kind, double Low2, double High2);

/// <summary>
/// The complex 2D DFT on the device in float, X[k] = Σ x[n]·e^(∓2πi·kn/N) along rows then columns, the inverse scaled by
/// 1/(W·H) as <see cref="Fft2D"/>: power-of-two lengths by the radix-2 Stockham autosort FFT (one launch per stage,
/// ping-ponging between two buffers, no bit reversal), other lengths by the direct sum over a twiddle table (O(N²)
/// per line, which a GPU affords for the sizes an AFM frame has). On it, the radial FFT filter of
/// <see cref="FftFilter"/>: plane removed, even mirror extension to 2W × 2H, ideal band mask, crop, plane put back for
/// the low-pass.
/// </summary>
public sealed class FftKernels
{
    // The direct sum indexes its twiddle table by (k·j) mod N in int.
    private const int MaxDirectLength = 46340;

    private readonly Accelerator _accelerator;
    private readonly LevelingKernels _leveling;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, FftPass> _stockham;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, FftPass> _direct;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float> _scale;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _mirror;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, FftBand> _band;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<double>, ArrayView<float>, FitShape, int> _crop;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, int, double, double> _notch;

    internal FftKernels(Accelerator accelerator, LevelingKernels leveling)
    {
        _accelerator = accelerator;
        _leveling = leveling;
        _stockham = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, FftPass>(
            StockhamKernel);
        _direct = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, FftPass>(
            DirectKernel);
        _scale = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ScaleKernel);
        _mirror = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(MirrorKernel);
        _band = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, FftBand>(BandKernel);
        _crop = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<double>, ArrayView<float>, FitShape, int>(CropKernel);
        _notch = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, int, double, double>(NotchKernel);
    }

    /// <summary>The forward transform of a width × height complex grid (row-major), unscaled.</summary>
    public (float[] Re, float[] Im) Forward(float[] re, float[] im, int width, int height) => Transform(re, im, width, height, inverse: false);

    /// <summary>The inverse transform, scaled by 1/(width·height), so Inverse(Forward(x)) = x.</summary>
    public (float[] Re, float[] Im) Inverse(float[] re, float[] im, int width, int height) => Transform(re, im, width, height, inverse: true);

    /// <summary>The grid filtered as <paramref name="filter"/> filters it (its kind and band; see <see cref="FftFilter"/>).</summary>
    public float[] Filter(float[] input, int width, int height, FftFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ProcessingKernels.Check(input, width, height);
        if (width < filter.MinWidth || height < filter.MinHeight)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"Step '{filter.Name}' needs at least {filter.MinWidth}×{filter.MinHeight} pixels; the grid is {width}×{height}.");
        }

        int w2 = 2 * width, h2 = 2 * height;
        var n = (long)w2 * h2;
        using var data = _accelerator.Allocate1D(input);
        using var none = _accelerator.Allocate1D(new byte[1]);
        using var leveled = _accelerator.Allocate1D<float>(input.Length);
        using var re = _accelerator.Allocate1D<float>(n);
        using var im = _accelerator.Allocate1D<float>(n);
        using var scratchRe = _accelerator.Allocate1D<float>(n);
        using var scratchIm = _accelerator.Allocate1D<float>(n);
        var shape = new FitShape(width, height, 1, 0);
        var plane = _leveling.Fit(data.View, none.View, shape, LevelingKernels.PlaneTerms);
        _leveling.Subtract(data.View, leveled.View, plane, shape);
        _mirror(new Index2D(w2, h2), leveled.View, re.View, im.View, width, height);
        Transform(re.View, im.View, scratchRe.View, scratchIm.View, w2, h2, inverse: false);
        _band(new Index2D(w2, h2), re.View, im.View, new FftBand(w2, h2, (int)filter.Kind, filter.Low * filter.Low, filter.High * filter.High));
        Transform(re.View, im.View, scratchRe.View, scratchIm.View, w2, h2, inverse: true);
        using var coefficients = _accelerator.Allocate1D(plane);
        _crop(new Index2D(width, height), re.View, coefficients.View, leveled.View, shape, filter.Kind == FftFilterKind.LowPass ? 1 : 0);
        _accelerator.Synchronize();
        return leveled.GetAsArray1D();
    }

    /// <summary>
    /// The band removed from every row as <paramref name="filter"/> removes it (<see cref="RowNotchFilter"/>: each row
    /// mirrored to 2W, transformed, the band zeroed at both signs, transformed back).
    /// </summary>
    public float[] NotchRows(float[] input, int width, int height, RowNotchFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ProcessingKernels.Check(input, width, height);
        var w2 = 2 * width;
        var n = (long)w2 * height;
        using var data = _accelerator.Allocate1D(input);
        using var re = _accelerator.Allocate1D<float>(n);
        using var im = _accelerator.Allocate1D<float>(n);
        using var scratchRe = _accelerator.Allocate1D<float>(n);
        using var scratchIm = _accelerator.Allocate1D<float>(n);
        using var none = _accelerator.Allocate1D(new double[1]);
        var extent = new Index2D(w2, height);
        _mirror(extent, data.View, re.View, im.View, width, height);
        Pass(re.View, im.View, scratchRe.View, scratchIm.View, w2, height, new FftPass(w2, 1, w2, 1, -1f));
        _notch(extent, re.View, im.View, w2, filter.Low, filter.High);
        Pass(re.View, im.View, scratchRe.View, scratchIm.View, w2, height, new FftPass(w2, 1, w2, 1, 1f));
        _scale((int)n, re.View, im.View, 1f / w2);
        _crop(new Index2D(width, height), re.View, none.View, data.View, new FitShape(width, height, 0, 0), 0);
        _accelerator.Synchronize();
        return data.GetAsArray1D();
    }

    /// <summary>Transforms the device-resident grid in place; the scratch views are as large as the grid.</summary>
    internal void Transform(ArrayView<float> re, ArrayView<float> im, ArrayView<float> scratchRe, ArrayView<float> scratchIm, int width, int height, bool inverse)
    {
        var sign = inverse ? 1f : -1f;
        Pass(re, im, scratchRe, scratchIm, width, height, new FftPass(width, 1, width, 1, sign));
        Pass(re, im, scratchRe, scratchIm, height, width, new FftPass(height, 1, 1, width, sign));
        if (inverse)
        {
            _scale((int)re.Length, re, im, 1f / ((float)width * height));
        }

        _accelerator.Synchronize();
    }

    private (float[] Re, float[] Im) Transform(float[] re, float[] im, int width, int height, bool inverse)
    {
        ProcessingKernels.Check(re, width, height);
        ProcessingKernels.Check(im, width, height);
        using var r = _accelerator.Allocate1D(re);
        using var i = _accelerator.Allocate1D(im);
        using var sr = _accelerator.Allocate1D<float>(re.Length);
        using var si = _accelerator.Allocate1D<float>(re.Length);
        Transform(r.View, i.View, sr.View, si.View, width, height, inverse);
        return (r.GetAsArray1D(), i.GetAsArray1D());
    }

    /// <summary>One batch of <paramref name="lines"/> 1D transforms of length <paramref name="length"/>, result in (re, im).</summary>
    private void Pass(ArrayView<float> re, ArrayView<float> im, ArrayView<float> scratchRe, ArrayView<float> scratchIm, int length, int lines, FftPass pass)
    {
        if (length == 1)
        {
            return;
        }

        if (length > MaxDirectLength && !Fft.IsPowerOfTwo(length))
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The device transform takes powers of two or lengths up to {MaxDirectLength}.");
        }

        // Twiddles e^(2πi·k/N) in double, rounded once to float.
        var cos = new float[length];
        var sin = new float[length];
        for (var k = 0; k < length; k++)
        {
            var (s, c) = Math.SinCos(2 * Math.PI * k / length);
            (cos[k], sin[k]) = ((float)c, (float)s);
        }

        using var cosTable = _accelerator.Allocate1D(cos);
        using var sinTable = _accelerator.Allocate1D(sin);
        if (!Fft.IsPowerOfTwo(length))
        {
            _direct(new Index2D(length, lines), re, im, scratchRe, scratchIm, cosTable.View, sinTable.View, pass);
            scratchRe.CopyTo(re);
            scratchIm.CopyTo(im);
            _accelerator.Synchronize();
            return;
        }

        var inScratch = false;
        for (var span = 1; span < length; span *= 2)
        {
            var stage = pass with { Span = span };
            if (inScratch)
            {
                _stockham(new Index2D(length / 2, lines), scratchRe, scratchIm, re, im, cosTable.View, sinTable.View, stage);
            }
            else
            {
                _stockham(new Index2D(length / 2, lines), re, im, scratchRe, scratchIm, cosTable.View, sinTable.View, stage);
            }

            inScratch = !inScratch;
        }

        if (inScratch)
        {
            scratchRe.CopyTo(re);
            scratchIm.CopyTo(im);
        }

        _accelerator.Synchronize();
    }

    // Stage with sub-transform stride s of an N-point Stockham FFT: thread τ = p·s + q (p < N/2s, q < s) reads
    // a = x[q + s·p], b = x[q + s·(p + N/2s)] and writes y[q + 2s·p] = a + b, y[q + 2s·p + s] = (a − b)·e^(∓2πi·p·s/N).
    internal static void StockhamKernel(
        Index2D index, ArrayView<float> inRe, ArrayView<float> inIm, ArrayView<float> outRe, ArrayView<float> outIm, ArrayView<float> cos, ArrayView<float> sin, FftPass pass)
    {
        var s = pass.Span;
        var q = index.X % s;
        var p = index.X / s;
        var half = pass.Length / 2;
        var line = index.Y * pass.LineStride;
        var e = pass.ElementStride;
        var ia = line + ((q + (s * p)) * e);
        var ib = line + ((q + (s * p) + half) * e);
        var ar = inRe[ia];
        var ai = inIm[ia];
        var br = inRe[ib];
        var bi = inIm[ib];
        var wr = cos[p * s];
        var wi = pass.Sign * sin[p * s];
        var dr = ar - br;
        var di = ai - bi;
        var o0 = line + ((q + (2 * s * p)) * e);
        var o1 = o0 + (s * e);
        outRe[o0] = ar + br;
        outIm[o0] = ai + bi;
        outRe[o1] = (dr * wr) - (di * wi);
        outIm[o1] = (dr * wi) + (di * wr);
    }

    internal static void DirectKernel(
        Index2D index, ArrayView<float> inRe, ArrayView<float> inIm, ArrayView<float> outRe, ArrayView<float> outIm, ArrayView<float> cos, ArrayView<float> sin, FftPass pass)
    {
        var k = index.X;
        var n = pass.Length;
        var line = index.Y * pass.LineStride;
        var e = pass.ElementStride;
        float sr = 0, si = 0;
        var angle = 0;
        for (var j = 0; j < n; j++)
        {
            var wr = cos[angle];
            var wi = pass.Sign * sin[angle];
            var xr = inRe[line + (j * e)];
            var xi = inIm[line + (j * e)];
            sr += (xr * wr) - (xi * wi);
            si += (xr * wi) + (xi * wr);

            // (k·j) mod N, stepped rather than multiplied.
            angle += k;
            if (angle >= n)
            {
                angle -= n;
            }
        }

        outRe[line + (k * e)] = sr;
        outIm[line + (k * e)] = si;
    }

    internal static void ScaleKernel(Index1D index, ArrayView<float> re, ArrayView<float> im, float scale)
    {
        re[index] *= scale;
        im[index] *= scale;
    }

    internal static void MirrorKernel(Index2D index, ArrayView<float> input, ArrayView<float> re, ArrayView<float> im, int width, int height)
    {
        var (x, y) = (index.X, index.Y);
        var sx = x < width ? x : (2 * width) - 1 - x;
        var sy = y < height ? y : (2 * height) - 1 - y;
        var at = (y * 2 * width) + x;
        re[at] = input[(sy * width) + sx];
        im[at] = 0;
    }

    internal static void BandKernel(Index2D index, ArrayView<float> re, ArrayView<float> im, FftBand band)
    {
        var (kx, ky) = (index.X, index.Y);
        var fx = (kx <= band.Width / 2 ? kx : kx - band.Width) / (double)band.Width;
        var fy = (ky <= band.Height / 2 ? ky : ky - band.Height) / (double)band.Height;
        var f2 = (fx * fx) + (fy * fy);
        var keep = band.Kind == (int)FftFilterKind.LowPass ? f2 <= band.Low2
            : band.Kind == (int)FftFilterKind.HighPass ? f2 > band.Low2
            : f2 >= band.Low2 && f2 <= band.High2;
        if (!keep)
        {
            var at = (ky * band.Width) + kx;
            re[at] = 0;
            im[at] = 0;
        }
    }

    // The filtered extension's top-left quadrant, plus (for the low-pass) the plane c0 + c1·x' + c2·y' taken out first.
    internal static void CropKernel(Index2D index, ArrayView<float> re, ArrayView<double> plane, ArrayView<float> output, FitShape shape, int addPlane)
    {
        var (x, y) = (index.X, index.Y);
        var value = (double)re[(y * 2 * shape.Width) + x];
        if (addPlane != 0)
        {
            var cx = (shape.Width - 1) / 2.0;
            var cy = (shape.Height - 1) / 2.0;
            var xs = shape.Width > 1 ? (x - cx) / cx : 0.0;
            var ys = shape.Height > 1 ? (y - cy) / cy : 0.0;
            value += plane[0] + (plane[1] * xs) + (plane[2] * ys);
        }

        output[(y * shape.Width) + x] = (float)value;
    }

    internal static void NotchKernel(Index2D index, ArrayView<float> re, ArrayView<float> im, int length, double low, double high)
    {
        var k = index.X;
        var f = Math.Abs((k <= length / 2 ? k : k - length) / (double)length);
        if (f >= low && f <= high)
        {
            var at = (index.Y * length) + k;
            re[at] = 0;
            im[at] = 0;
        }
    }
}
