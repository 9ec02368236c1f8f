using System.Globalization;
using AfmEdge.Processing;
using ILGPU;
using ILGPU.Runtime;

namespace AfmEdge.Kernels;

/// <summary>
/// A constant sub-pixel translation as a bilinear stencil, passed by value: the source of output (x, y) is
/// (x + OffsetX + tx, y + OffsetY + ty) with tx, ty in [0, 1) folded into the four weights.
/// </summary>
public readonly record struct ShiftStencil(int OffsetX, int OffsetY, float W00, float W10, float W01, float W11)
{
    /// <summary>The stencil of output(x, y) = input(x − dx, y − dy), weights rounded to float as <see cref="ImageShift"/>.</summary>
    public static ShiftStencil For(double dx, double dy)
    {
        var ix = (int)Math.Floor(-dx);
        var iy = (int)Math.Floor(-dy);
        var tx = (float)(-dx - ix);
        var ty = (float)(-dy - iy);
        return new ShiftStencil(ix, iy, (1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty);
    }
}

/// <summary>
/// The registration pieces that map to kernels: applying a shift by bilinear interpolation with the source clamped to
/// the edge (as <see cref="ImageShift"/>), per-line lags along the rows (as <see cref="LineRegistration"/>), and the phase-correlation surface of <see cref="ChannelRegistration"/>'s
/// passes: both images Hann-windowed (the moving one's window centred on its expected shift), transformed, the
/// cross-power spectrum conj(A)·B whitened and weighted by exp(−(f/f₀)²) with its DC term cleared, transformed back.
/// The peak search and its sub-pixel fit stay on the host, which reads one surface.
/// </summary>
public sealed class RegistrationKernels
{
    private readonly Accelerator _accelerator;
    private readonly FftKernels _fft;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, int, int, ShiftStencil> _shift;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int> _shiftRows;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _window;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _crossPower;

    internal RegistrationKernels(Accelerator accelerator, FftKernels fft)
    {
        _accelerator = accelerator;
        _fft = fft;
        _shift = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, int, int, ShiftStencil>(ShiftKernel);
        _shiftRows = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(ShiftRowsKernel);
        _window = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(WindowKernel);
        _crossPower = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(
            CrossPowerKernel);
    }

    /// <summary>output(x, y) = input(x − dx, y − dy), bilinear, source clamped to the edge (as <see cref="ImageShift.Apply(ReadOnlySpan{float}, Span{float}, int, int, double, double)"/>).</summary>
    public float[] Shift(float[] input, int width, int height, double dx, double dy)
    {
        ProcessingKernels.Check(input, width, height);
        CheckShift(dx, width, nameof(dx));
        CheckShift(dy, height, nameof(dy));
        using var source = _accelerator.Allocate1D(input);
        using var result = _accelerator.Allocate1D<float>(input.Length);
        _shift(new Index2D(width, height), source.View, result.View, width, height, ShiftStencil.For(dx, dy));
        _accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    /// <summary>
    /// output(x, y) = input(x + lags[y], y), linear along the row, the source clamped to the row: the per-line
    /// trace/retrace lag removed (as <see cref="LineRegistration.Apply(ReadOnlySpan{float}, Span{float}, int, int, ReadOnlySpan{double})"/>).
    /// </summary>
    public float[] ShiftRows(float[] input, int width, int height, double[] lags)
    {
        ProcessingKernels.Check(input, width, height);
        ArgumentNullException.ThrowIfNull(lags);
        if (lags.Length != height)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{lags.Length} lags given for {height} rows; one per row is needed."), nameof(lags));
        }

        var shifts = new int[height];
        var fractions = new float[height];
        for (var y = 0; y < height; y++)
        {
            if (!(Math.Abs(lags[y]) < width))
            {
                throw new ArgumentOutOfRangeException(nameof(lags), lags[y], string.Create(CultureInfo.InvariantCulture,
                    $"Lag of row {y} = {lags[y]} px must be finite and smaller than the row ({width} px)."));
            }

            shifts[y] = (int)Math.Floor(lags[y]);
            fractions[y] = (float)(lags[y] - shifts[y]);
        }

        using var source = _accelerator.Allocate1D(input);
        using var whole = _accelerator.Allocate1D(shifts);
        using var fraction = _accelerator.Allocate1D(fractions);
        using var result = _accelerator.Allocate1D<float>(input.Length);
        _shiftRows(new Index2D(width, height), source.View, whole.View, fraction.View, result.View, width);
        _accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    /// <summary>
    /// The phase-correlation surface of two equal-size images (row-major, width × height): its peak sits at the
    /// displacement (dx, dy) of <paramref name="moving"/> against <paramref name="reference"/>, wrapped (negative
    /// offsets at the far end of each axis). <paramref name="windowShift"/> centres the moving image's window on an
    /// expected displacement; <paramref name="cutoff"/> is f₀ in cycles per pixel.
    /// </summary>
    public float[] PhaseCorrelation(float[] reference, float[] moving, int width, int height, double cutoff, (double Dx, double Dy) windowShift = default)
    {
        ProcessingKernels.Check(reference, width, height);
        ProcessingKernels.Check(moving, width, height);
        if (!(cutoff > 0 && cutoff <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, "Cutoff frequency must be in (0, 0.5] cycles per pixel.");
        }

        var n = (long)width * height;
        using var a = _accelerator.Allocate1D(reference);
        using var b = _accelerator.Allocate1D(moving);
        using var aRe = _accelerator.Allocate1D<float>(n);
        using var aIm = _accelerator.Allocate1D<float>(n);
        using var bRe = _accelerator.Allocate1D<float>(n);
        using var bIm = _accelerator.Allocate1D<float>(n);
        using var scratchRe = _accelerator.Allocate1D<float>(n);
        using var scratchIm = _accelerator.Allocate1D<float>(n);
        using var gx = _accelerator.Allocate1D(FrequencyWeights(width, cutoff));
        using var gy = _accelerator.Allocate1D(FrequencyWeights(height, cutoff));
        using (var wx = _accelerator.Allocate1D(Hann(width, 0)))
        using (var wy = _accelerator.Allocate1D(Hann(height, 0)))
        {
            _window(new Index2D(width, height), a.View, aRe.View, aIm.View, wx.View, wy.View, width);
        }

        using (var wx = _accelerator.Allocate1D(Hann(width, windowShift.Dx)))
        using (var wy = _accelerator.Allocate1D(Hann(height, windowShift.Dy)))
        {
            _window(new Index2D(width, height), b.View, bRe.View, bIm.View, wx.View, wy.View, width);
            _accelerator.Synchronize();
        }

        _fft.Transform(aRe.View, aIm.View, scratchRe.View, scratchIm.View, width, height, inverse: false);
        _fft.Transform(bRe.View, bIm.View, scratchRe.View, scratchIm.View, width, height, inverse: false);
        _crossPower(new Index2D(width, height), aRe.View, aIm.View, bRe.View, bIm.View, gx.View, gy.View, width);
        _fft.Transform(bRe.View, bIm.View, scratchRe.View, scratchIm.View, width, height, inverse: true);
        return bRe.GetAsArray1D();
    }

    /// <summary>Hann window of length n centred <paramref name="shift"/> samples off the middle, zero beyond its support.</summary>
    internal static float[] Hann(int n, double shift)
    {
        var w = new float[n];
        for (var i = 0; i < n; i++)
        {
            var t = (i + 0.5 - shift) / n;
            w[i] = t is > 0 and < 1 ? (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * t))) : 0f;
        }

        return w;
    }

    /// <summary>exp(−(f/f₀)²) at each DFT bin's signed frequency f (cycles per pixel).</summary>
    internal static float[] FrequencyWeights(int n, double cutoff)
    {
        var w = new float[n];
        for (var k = 0; k < n; k++)
        {
            var f = (k <= n / 2 ? k : k - n) / (double)n / cutoff;
            w[k] = (float)Math.Exp(-f * f);
        }

        return w;
    }

    private static void CheckShift(double shift, int size, string name)
    {
        if (!(Math.Abs(shift) < size))
        {
            throw new ArgumentOutOfRangeException(name, shift, string.Create(CultureInfo.InvariantCulture,
                $"Shift {name} = {shift} px must be finite and smaller than the image ({size} px)."));
        }
    }

    internal static void ShiftKernel(Index2D index, ArrayView<float> input, ArrayView<float> output, int width, int height, ShiftStencil s)
    {
        var (x, y) = (index.X, index.Y);
        var r0 = Math.Max(0, Math.Min(y + s.OffsetY, height - 1)) * width;
        var r1 = Math.Max(0, Math.Min(y + s.OffsetY + 1, height - 1)) * width;
        var c0 = Math.Max(0, Math.Min(x + s.OffsetX, width - 1));
        var c1 = Math.Max(0, Math.Min(x + s.OffsetX + 1, width - 1));
        output[(y * width) + x] = (s.W00 * input[r0 + c0]) + (s.W10 * input[r0 + c1]) + (s.W01 * input[r1 + c0]) + (s.W11 * input[r1 + c1]);
    }

    internal static void ShiftRowsKernel(Index2D index, ArrayView<float> input, ArrayView<int> shifts, ArrayView<float> fractions, ArrayView<float> output, int width)
    {
        var (x, y) = (index.X, index.Y);
        var row = y * width;
        var t = fractions[y];
        var c0 = Math.Max(0, Math.Min(x + shifts[y], width - 1));
        var c1 = Math.Max(0, Math.Min(x + shifts[y] + 1, width - 1));
        output[row + x] = ((1 - t) * input[row + c0]) + (t * input[row + c1]);
    }

    internal static void WindowKernel(Index2D index, ArrayView<float> input, ArrayView<float> re, ArrayView<float> im, ArrayView<float> wx, ArrayView<float> wy, int width)
    {
        var at = (index.Y * width) + index.X;
        re[at] = input[at] * wx[index.X] * wy[index.Y];
        im[at] = 0;
    }

    // B ← conj(A)·B scaled to magnitude gx·gy (0 where it vanishes, and at DC, which carries no displacement).
    internal static void CrossPowerKernel(
        Index2D index, ArrayView<float> aRe, ArrayView<float> aIm, ArrayView<float> bRe, ArrayView<float> bIm, ArrayView<float> gx, ArrayView<float> gy, int width)
    {
        var at = (index.Y * width) + index.X;
        // In double: the squared magnitude of spectra of data in metres would underflow float.
        double ar = aRe[at], ai = aIm[at], br = bRe[at], bi = bIm[at];
        var qr = (ar * br) + (ai * bi);
        var qi = (ar * bi) - (ai * br);
        var magnitude = Math.Sqrt((qr * qr) + (qi * qi));
        var scale = magnitude > 0 && at != 0 ? gx[index.X] * gy[index.Y] / magnitude : 0.0;
        bRe[at] = (float)(qr * scale);
        bIm[at] = (float)(qi * scale);
    }
}
