using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AfmEdge.Processing;

/// <summary>
/// The phase-correlation passes of <see cref="ChannelRegistration"/>, several problems (e.g. the fine windows) at once:
/// each problem's feature images are Hann-windowed and transformed in pairs (one complex FFT of a + i·b gives both
/// spectra), each cross-power spectrum against the reference is whitened and Gaussian-weighted, two of them are
/// transformed back together (their correlation surfaces are real), and the peak is located within the search range
/// and refined by a three-point Gaussian fit along each axis.
/// </summary>
/// <remarks>
/// Power-of-two grids run <see cref="Fft2DSingle"/>'s kernel in single precision, the spectrum left transposed (x
/// major) between the forward and the inverse transform, which saves two transposes; other sizes run <see cref="Fft2D"/>
/// in double and store the same layout. The cross power is computed in double from the single-precision spectra (its
/// products of small bins would lose range in float). With enough pixels every stage is a list of jobs (windowing per
/// image, transforms per pair, halves of the cross power and of the inverse's passes) split between the cores: three
/// windows of three images balance on two cores where whole windows would not.
/// </remarks>
internal static class PhaseCorrelation
{
    // The second peak is looked for outside this radius (pixels) around the main one: the peak's own flanks are not rivals.
    private const int PeakExclusionRadius = 3;

    // Problems of at least this many pixels in all are run on every core.
    private const int ParallelPixels = 64 * 1024;

    /// <summary>Sources[0] is the reference feature, Sources[k + 1] moving feature k, whose window is centred at WindowShifts[k].</summary>
    internal readonly record struct Problem(float[][] Sources, RegistrationShift[] WindowShifts);

    /// <summary>Each problem's shifts (width × height feature images, rented arrays at least that long).</summary>
    public static RegistrationShift[][] Correlate(IReadOnlyList<Problem> problems, int width, int height, RegistrationOptions options)
    {
        var n = width * height;
        var count = problems.Count;
        var parallel = (long)n * count >= ParallelPixels && Environment.ProcessorCount > 1;
        var single = Fft2DSingle.Supports(width, height);
        var buffers = new PairBuffers[count];
        var gx = new double[width];
        var gy = new double[height];
        FrequencyWeights(gx, options.CutoffFrequency);
        FrequencyWeights(gy, options.CutoffFrequency);
        try
        {
            var pairJobs = new List<(int Problem, int Pair)>();
            var surfaceJobs = new List<(int Problem, int Pair)>();
            for (var p = 0; p < count; p++)
            {
                var images = problems[p].Sources.Length;
                buffers[p] = new PairBuffers((images + 1) / 2, n);
                for (var q = 0; q < (images + 1) / 2; q++)
                {
                    pairJobs.Add((p, q));
                }

                for (var q = 0; q < images / 2; q++)
                {
                    surfaceJobs.Add((p, q));
                }
            }

            // Each pair windowed and transformed by one worker, while its images are in that core's cache.
            Run(pairJobs.Count, parallel, j =>
            {
                var (p, q) = pairJobs[j];
                var problem = problems[p];
                var b = buffers[p];
                for (var i = 2 * q; i < Math.Min((2 * q) + 2, problem.Sources.Length); i++)
                {
                    var target = (i % 2 == 0 ? b.Re : b.Im)[q].AsSpan(0, n);
                    WindowImage(problem.Sources[i].AsSpan(0, n), target, i == 0 ? default : problem.WindowShifts[i - 1], width, height);
                }

                if (2 * q == problem.Sources.Length - 1)
                {
                    // The last pair holds one image: its imaginary part is zero.
                    b.Im[q].AsSpan(0, n).Clear();
                }

                Forward(b, q, width, height, single);
            });

            // Halves of the rows (k_x) that the cross power visits, [0, width/2].
            var rows = (width / 2) + 1;
            Run(2 * count, parallel, j =>
            {
                var p = j / 2;
                var (from, to) = j % 2 == 0 ? (0, rows / 2) : (rows / 2, rows);
                var b = buffers[p];
                CrossPower(b.SpectrumRe, b.SpectrumIm, problems[p].Sources.Length - 1, height, width, gy, gx, from, to);
            });

            if (single)
            {
                // The inverse: along x on the transposed spectrum, transpose back, along y; each pass in halves.
                var halfRows = Math.Min(height, ((height / 2) + 7) & ~7);
                var halfColumns = Math.Min(width, ((width / 2) + 7) & ~7);
                Run(2 * surfaceJobs.Count, parallel, j =>
                {
                    var (p, q) = surfaceJobs[j / 2];
                    var b = buffers[p];
                    var (from, to) = j % 2 == 0 ? (0, halfRows) : (halfRows, height);
                    Fft2DSingle.Columns(b.SpectrumRe[q].AsSpan(0, n), b.SpectrumIm[q].AsSpan(0, n), height, width, from, to, inverse: true);
                });
                Run(2 * surfaceJobs.Count, parallel, j =>
                {
                    var (p, q) = surfaceJobs[j / 2];
                    var b = buffers[p];
                    var (from, to) = j % 2 == 0 ? (0, width / 2) : (width / 2, width);
                    Fft2DSingle.Transpose(b.SpectrumRe[q].AsSpan(0, n), b.Re[q].AsSpan(0, n), height, width, from, to);
                    Fft2DSingle.Transpose(b.SpectrumIm[q].AsSpan(0, n), b.Im[q].AsSpan(0, n), height, width, from, to);
                });
                Run(2 * surfaceJobs.Count, parallel, j =>
                {
                    var (p, q) = surfaceJobs[j / 2];
                    var b = buffers[p];
                    var (from, to) = j % 2 == 0 ? (0, halfColumns) : (halfColumns, width);
                    Fft2DSingle.Columns(b.Re[q].AsSpan(0, n), b.Im[q].AsSpan(0, n), width, height, from, to, inverse: true);
                });
            }
            else
            {
                Run(surfaceJobs.Count, parallel, j =>
                {
                    var (p, q) = surfaceJobs[j];
                    InverseInDouble(buffers[p], q, width, height);
                });
            }

            // The cross-power spectra of moving images 2q and 2q + 1 now sit in pair q as P₂q + i·P₂q₊₁.
            var results = new RegistrationShift[count][];
            for (var p = 0; p < count; p++)
            {
                var moving = problems[p].Sources.Length - 1;
                results[p] = new RegistrationShift[moving];
                for (var k = 0; k < moving; k++)
                {
                    var surface = (k % 2 == 0 ? buffers[p].Re : buffers[p].Im)[k / 2].AsSpan(0, n);
                    results[p][k] = LocatePeak(surface, width, height, options);
                }
            }

            return results;
        }
        finally
        {
            foreach (var b in buffers)
            {
                b?.Dispose();
            }
        }
    }

    private static void Run(int count, bool parallel, Action<int> job)
    {
        if (parallel && count > 1)
        {
            Parallel.For(0, count, job);
            return;
        }

        for (var j = 0; j < count; j++)
        {
            job(j);
        }
    }

    /// <summary>Pair q's forward transform, from (Re, Im) into (SpectrumRe, SpectrumIm), x major.</summary>
    private static void Forward(PairBuffers b, int q, int width, int height, bool single)
    {
        var n = width * height;
        var re = b.Re[q].AsSpan(0, n);
        var im = b.Im[q].AsSpan(0, n);
        var sre = b.SpectrumRe[q].AsSpan(0, n);
        var sim = b.SpectrumIm[q].AsSpan(0, n);
        if (single)
        {
            Fft2DSingle.Columns(re, im, width, height, 0, width, inverse: false);
            Fft2DSingle.Transpose(re, sre, width, height, 0, height);
            Fft2DSingle.Transpose(im, sim, width, height, 0, height);
            Fft2DSingle.Columns(sre, sim, height, width, 0, height, inverse: false);
            return;
        }

        var dre = ArrayPool<double>.Shared.Rent(n);
        var dim = ArrayPool<double>.Shared.Rent(n);
        try
        {
            for (var i = 0; i < n; i++)
            {
                dre[i] = re[i];
                dim[i] = im[i];
            }

            Fft2D.Forward(dre.AsSpan(0, n), dim.AsSpan(0, n), width, height);
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    sre[(x * height) + y] = (float)dre[(y * width) + x];
                    sim[(x * height) + y] = (float)dim[(y * width) + x];
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(dre);
            ArrayPool<double>.Shared.Return(dim);
        }
    }

    /// <summary>Pair q's inverse transform for sizes <see cref="Fft2DSingle"/> does not take: x-major spectrum in, surfaces out.</summary>
    private static void InverseInDouble(PairBuffers b, int q, int width, int height)
    {
        var n = width * height;
        var dre = ArrayPool<double>.Shared.Rent(n);
        var dim = ArrayPool<double>.Shared.Rent(n);
        try
        {
            var sre = b.SpectrumRe[q];
            var sim = b.SpectrumIm[q];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    dre[(y * width) + x] = sre[(x * height) + y];
                    dim[(y * width) + x] = sim[(x * height) + y];
                }
            }

            Fft2D.Inverse(dre.AsSpan(0, n), dim.AsSpan(0, n), width, height);
            for (var i = 0; i < n; i++)
            {
                b.Re[q][i] = (float)dre[i];
                b.Im[q][i] = (float)dim[i];
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(dre);
            ArrayPool<double>.Shared.Return(dim);
        }
    }

    /// <summary>target = source × the Hann windows along x and y, centred <paramref name="shift"/> off the middle.</summary>
    private static void WindowImage(ReadOnlySpan<float> source, Span<float> target, RegistrationShift shift, int width, int height)
    {
        var windowX = ArrayPool<float>.Shared.Rent(width);
        var windowY = ArrayPool<float>.Shared.Rent(height);
        try
        {
            Hann(windowX.AsSpan(0, width), shift.Dx);
            Hann(windowY.AsSpan(0, height), shift.Dy);
            for (var y = 0; y < height; y++)
            {
                var row = target.Slice(y * width, width);
                var wy = windowY[y];
                if (wy == 0)
                {
                    row.Clear();
                    continue;
                }

                TensorPrimitives.Multiply(source.Slice(y * width, width), windowX.AsSpan(0, width), row);
                TensorPrimitives.Multiply(row, wy, row);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(windowX);
            ArrayPool<float>.Shared.Return(windowY);
        }
    }

    /// <summary>Hann window of length w.Length whose centre is moved by <paramref name="shift"/> samples (zero beyond its support).</summary>
    private static void Hann(Span<float> w, double shift)
    {
        var n = w.Length;
        for (var i = 0; i < n; i++)
        {
            var t = (i + 0.5 - shift) / n;
            w[i] = t is > 0 and < 1 ? (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * t))) : 0;
        }
    }

    /// <summary>
    /// Pair p holds Z = FFT(image 2p + i·image 2p+1), image 0 being the reference, as rows of
    /// <paramref name="width"/> bins; an image's spectrum is (Z[k] + Z*[−k])/2 (even) or (Z[k] − Z*[−k])/(2i) (odd).
    /// Writes the whitened, weighted cross-power spectra Pₖ = conj(A)·Bₖ (whose inverse transform peaks at the
    /// displacement of moving image k) as P₂q + i·P₂q₊₁ into pair q: both are Hermitian, so one inverse transform gives
    /// the two real surfaces as its real and imaginary parts. Visits rows [rowFrom, rowTo) of [0, height/2], each with
    /// its mirror row, so two callers may split them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CrossPower(float[][] re, float[][] im, int moving, int width, int height, double[] gx, double[] gy, int rowFrom, int rowTo)
    {
        if (moving <= 2)
        {
            CrossPowerOneOrTwo(re, im, moving, width, height, gx, gy, rowFrom, rowTo);
            return;
        }

        Span<double> pr = moving <= 64 ? stackalloc double[moving] : new double[moving];
        Span<double> pi = moving <= 64 ? stackalloc double[moving] : new double[moving];

        // Q[−k] = conj(Q[k]) for real images: each pair (k, −k) is computed once, from both bins, and written to both.
        for (var ky = rowFrom; ky < rowTo; ky++)
        {
            var my = ky == 0 ? 0 : height - ky;
            for (var kx = 0; kx < width; kx++)
            {
                var mx = kx == 0 ? 0 : width - kx;
                var i = (ky * width) + kx;
                var j = (my * width) + mx;
                if (j < i)
                {
                    continue;
                }

                var weight = gx[kx] * gy[ky];
                double ar = 0, ai = 0;
                for (var image = 0; image <= moving; image++)
                {
                    double zr = re[image / 2][i];
                    double zi = im[image / 2][i];
                    double cr = re[image / 2][j];
                    double ci = -im[image / 2][j];
                    double sr, si;
                    if (image % 2 == 0)
                    {
                        sr = 0.5 * (zr + cr);
                        si = 0.5 * (zi + ci);
                    }
                    else
                    {
                        sr = 0.5 * (zi - ci);
                        si = -0.5 * (zr - cr);
                    }

                    if (image == 0)
                    {
                        (ar, ai) = (sr, si);
                        continue;
                    }

                    (pr[image - 1], pi[image - 1]) = Whitened(ar, ai, sr, si, weight);
                }

                for (var q = 0; 2 * q < moving; q++)
                {
                    var er = pr[2 * q];
                    var ei = pi[2 * q];
                    double or = 0, oi = 0;
                    if ((2 * q) + 1 < moving)
                    {
                        or = pr[(2 * q) + 1];
                        oi = pi[(2 * q) + 1];
                    }

                    // S = E + i·O at k; at −k: conj(E) + i·conj(O).
                    re[q][i] = (float)(er - oi);
                    im[q][i] = (float)(ei + or);
                    re[q][j] = (float)(er + oi);
                    im[q][j] = (float)(-ei + or);
                }
            }
        }

        if (rowFrom == 0)
        {
            for (var q = 0; 2 * q < moving; q++)
            {
                re[q][0] = 0;
                im[q][0] = 0;
            }
        }
    }

    /// <summary>
    /// <see cref="CrossPower"/> for one or two moving images (the chain's case): <see cref="CrossPowerVector"/> where
    /// AVX2 runs, else <see cref="CrossPowerScalar"/>.
    /// </summary>
    private static void CrossPowerOneOrTwo(float[][] re, float[][] im, int moving, int width, int height, double[] gx, double[] gy, int rowFrom, int rowTo)
    {
        if (Avx2.IsSupported)
        {
            CrossPowerVector(re, im, moving, width, height, gx, gy, rowFrom, rowTo);
        }
        else
        {
            CrossPowerScalar(re, im, moving, width, height, gx, gy, rowFrom, rowTo);
        }
    }

    /// <summary>The cross power of one or two moving images bin by bin, in double (the reference of <see cref="CrossPowerVector"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void CrossPowerScalar(float[][] re, float[][] im, int moving, int width, int height, double[] gx, double[] gy, int rowFrom, int rowTo)
    {
        for (var ky = rowFrom; ky < rowTo; ky++)
        {
            var my = ky == 0 ? 0 : height - ky;
            for (var kx = 0; kx < width; kx++)
            {
                var mx = kx == 0 ? 0 : width - kx;
                var i = (ky * width) + kx;
                var j = (my * width) + mx;
                if (j >= i)
                {
                    CrossPowerBin(re, im, moving == 2, i, j, gx[kx] * gy[ky]);
                }
            }
        }

        if (rowFrom == 0)
        {
            re[0][0] = 0;
            im[0][0] = 0;
        }
    }

    /// <summary>
    /// <see cref="CrossPowerScalar"/> eight bins at a time in single precision (the features are scaled to unit RMS, so
    /// the products stay well inside float's range): row k_y runs forward while its mirror row −k_y runs backward, so
    /// the mirror bins are one vector loaded and reversed. The rows that are their own mirror (0 and height/2), the
    /// k_x = 0 column and each row's tail go bin by bin.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void CrossPowerVector(float[][] re, float[][] im, int moving, int width, int height, double[] gx, double[] gy, int rowFrom, int rowTo)
    {
        var two = moving == 2;
        ref var r0 = ref MemoryMarshal.GetArrayDataReference(re[0]);
        ref var i0 = ref MemoryMarshal.GetArrayDataReference(im[0]);
        ref var r1 = ref two ? ref MemoryMarshal.GetArrayDataReference(re[1]) : ref r0;
        ref var i1 = ref two ? ref MemoryMarshal.GetArrayDataReference(im[1]) : ref i0;
        var weightsX = ArrayPool<float>.Shared.Rent(width);
        try
        {
            for (var k = 0; k < width; k++)
            {
                weightsX[k] = (float)gx[k];
            }

            ref var wx = ref MemoryMarshal.GetArrayDataReference(weightsX);
            var reverse = Vector256.Create(7, 6, 5, 4, 3, 2, 1, 0);
            var half = Vector256.Create(0.5f);
            for (var ky = rowFrom; ky < rowTo; ky++)
            {
                var my = ky == 0 ? 0 : height - ky;
                if (my == ky)
                {
                    for (var kx = 0; kx < width; kx++)
                    {
                        var mx = kx == 0 ? 0 : width - kx;
                        if (mx >= kx)
                        {
                            CrossPowerBin(re, im, two, (ky * width) + kx, (my * width) + mx, gx[kx] * gy[ky]);
                        }
                    }

                    continue;
                }

                var row = ky * width;
                var mirror = my * width;
                CrossPowerBin(re, im, two, row, mirror, gx[0] * gy[ky]);
                var wy = Vector256.Create((float)gy[ky]);
                var x = 1;
                for (; x + 8 <= width; x += 8)
                {
                    // Bins row + x … x + 7; their mirrors are mirror + width − x − 7 … width − x, reversed.
                    var i = (nuint)(row + x);
                    var j = (nuint)(mirror + width - x - 7);
                    var zr = Vector256.LoadUnsafe(ref r0, i);
                    var zi = Vector256.LoadUnsafe(ref i0, i);
                    var cr = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref r0, j), reverse);
                    var ci = -Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref i0, j), reverse);
                    var ar = half * (zr + cr);
                    var ai = half * (zi + ci);
                    var weight = Vector256.LoadUnsafe(ref wx, (nuint)x) * wy;
                    var (er, ei) = Whitened(ar, ai, half * (zi - ci), half * (cr - zr), weight);
                    var or = Vector256<float>.Zero;
                    var oi = Vector256<float>.Zero;
                    if (two)
                    {
                        (or, oi) = Whitened(ar, ai, Vector256.LoadUnsafe(ref r1, i), Vector256.LoadUnsafe(ref i1, i), weight);
                    }

                    (er - oi).StoreUnsafe(ref r0, i);
                    (ei + or).StoreUnsafe(ref i0, i);
                    Avx2.PermuteVar8x32(er + oi, reverse).StoreUnsafe(ref r0, j);
                    Avx2.PermuteVar8x32(or - ei, reverse).StoreUnsafe(ref i0, j);
                }

                for (; x < width; x++)
                {
                    CrossPowerBin(re, im, two, row + x, mirror + width - x, gx[x] * gy[ky]);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(weightsX);
        }

        if (rowFrom == 0)
        {
            re[0][0] = 0;
            im[0][0] = 0;
        }
    }

    /// <summary>One bin i and its mirror j of <see cref="CrossPowerScalar"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CrossPowerBin(float[][] re, float[][] im, bool two, int i, int j, double weight)
    {
        var r0 = re[0];
        var i0 = im[0];

        // Pair 0 = reference + i·moving 0: A = (Z + Z*₋)/2, B₀ = (Z − Z*₋)/(2i).
        double zr = r0[i], zi = i0[i], cr = r0[j], ci = -i0[j];
        var ar = 0.5 * (zr + cr);
        var ai = 0.5 * (zi + ci);
        var (er, ei) = Whitened(ar, ai, 0.5 * (zi - ci), -0.5 * (zr - cr), weight);
        double or = 0, oi = 0;
        if (two)
        {
            // Pair 1 = moving 1 + i·0: its transform is moving 1's spectrum itself.
            (or, oi) = Whitened(ar, ai, re[1][i], im[1][i], weight);
        }

        // S = E + i·O at k; at −k: conj(E) + i·conj(O).
        r0[i] = (float)(er - oi);
        i0[i] = (float)(ei + or);
        r0[j] = (float)(er + oi);
        i0[j] = (float)(-ei + or);
    }

    /// <summary><see cref="Whitened(double, double, double, double, double)"/> of eight bins.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Re, Vector256<float> Im) Whitened(Vector256<float> ar, Vector256<float> ai, Vector256<float> br, Vector256<float> bi, Vector256<float> weight)
    {
        var qr = (ar * br) + (ai * bi);
        var qi = (ar * bi) - (ai * br);
        var magnitude2 = (qr * qr) + (qi * qi);
        var positive = Vector256.GreaterThan(magnitude2, Vector256<float>.Zero);
        var scale = Vector256.ConditionalSelect(positive, weight / Vector256.Sqrt(magnitude2), Vector256<float>.Zero);
        return (qr * scale, qi * scale);
    }

    /// <summary>conj(A)·B scaled to magnitude <paramref name="weight"/> (0 where it vanishes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double Re, double Im) Whitened(double ar, double ai, double br, double bi, double weight)
    {
        var qr = (ar * br) + (ai * bi);
        var qi = (ar * bi) - (ai * br);
        var magnitude2 = (qr * qr) + (qi * qi);
        var scale = magnitude2 > 0 ? weight / Math.Sqrt(magnitude2) : 0;
        return (qr * scale, qi * scale);
    }

    private static void FrequencyWeights(Span<double> w, double cutoff)
    {
        var n = w.Length;
        for (var k = 0; k < n; k++)
        {
            var f = (k <= n / 2 ? k : k - n) / (double)n / cutoff;
            w[k] = Math.Exp(-f * f);
        }
    }

    private static RegistrationShift LocatePeak(ReadOnlySpan<float> surface, int width, int height, RegistrationOptions options)
    {
        var rangeX = Math.Min(Math.Max(1, (int)(options.MaxShiftFraction * width)), width / 2);
        var rangeY = Math.Min(Math.Max(1, (int)(options.MaxShiftFraction * height)), height / 2);
        var best = double.NegativeInfinity;
        int bx = 0, by = 0;
        for (var dy = -rangeY; dy <= rangeY; dy++)
        {
            var row = surface.Slice(Wrap(dy, height) * width, width);
            var (value, dx) = MaxOver(row, -rangeX, rangeX);
            if (value > best)
            {
                best = value;
                bx = dx;
                by = dy;
            }
        }

        var second = double.NegativeInfinity;
        for (var dy = -rangeY; dy <= rangeY; dy++)
        {
            var row = surface.Slice(Wrap(dy, height) * width, width);
            if (Math.Abs(dy - by) > PeakExclusionRadius)
            {
                second = Math.Max(second, MaxOver(row, -rangeX, rangeX).Value);
                continue;
            }

            second = Math.Max(second, MaxOver(row, -rangeX, bx - PeakExclusionRadius - 1).Value);
            second = Math.Max(second, MaxOver(row, bx + PeakExclusionRadius + 1, rangeX).Value);
        }

        var confidence = best > 0 ? Math.Clamp(1 - (Math.Max(second, 0) / best), 0, 1) : 0;
        var peakRow = Wrap(by, height) * width;
        var subX = SubPixel(surface[peakRow + Wrap(bx - 1, width)], best, surface[peakRow + Wrap(bx + 1, width)]);
        var column = Wrap(bx, width);
        var subY = SubPixel(surface[(Wrap(by - 1, height) * width) + column], best, surface[(Wrap(by + 1, height) * width) + column]);
        return new RegistrationShift(bx + subX, by + subY, confidence, confidence >= options.MinConfidence);
    }

    /// <summary>The largest value of a wrapped row over offsets [from, to] (the first, on ties) and its offset.</summary>
    private static (double Value, int Offset) MaxOver(ReadOnlySpan<float> row, int from, int to)
    {
        var best = double.NegativeInfinity;
        var at = from;
        if (to < from)
        {
            return (best, at);
        }

        // Negative offsets sit at the row's end, the others at its start: two contiguous runs.
        if (from < 0)
        {
            var end = Math.Min(to, -1);
            var run = row.Slice(row.Length + from, end - from + 1);
            var index = TensorPrimitives.IndexOfMax(run);
            best = run[index];
            at = from + index;
        }

        if (to >= 0)
        {
            var start = Math.Max(from, 0);
            var run = row.Slice(start, to - start + 1);
            var index = TensorPrimitives.IndexOfMax(run);
            if (run[index] > best)
            {
                best = run[index];
                at = start + index;
            }
        }

        return (best, at);
    }

    /// <summary>Vertex of the Gaussian through three samples (of the parabola when a flank is not positive), within ±0.5.</summary>
    private static double SubPixel(double left, double centre, double right)
    {
        double offset;
        if (left > 0 && right > 0 && centre > 0)
        {
            var l = Math.Log(left);
            var c = Math.Log(centre);
            var r = Math.Log(right);
            var curvature = l - (2 * c) + r;
            offset = curvature < 0 ? 0.5 * (l - r) / curvature : 0;
        }
        else
        {
            var curvature = left - (2 * centre) + right;
            offset = curvature < 0 ? 0.5 * (left - right) / curvature : 0;
        }

        return Math.Clamp(offset, -0.5, 0.5);
    }

    private static int Wrap(int i, int n)
    {
        var m = i % n;
        return m < 0 ? m + n : m;
    }

    /// <summary>A problem's pairs (image 2q + i·image 2q+1) and their x-major spectra, pooled.</summary>
    private sealed class PairBuffers : IDisposable
    {
        public PairBuffers(int pairs, int length)
        {
            Re = Rent(pairs, length);
            Im = Rent(pairs, length);
            SpectrumRe = Rent(pairs, length);
            SpectrumIm = Rent(pairs, length);
        }

        public float[][] Re { get; }

        public float[][] Im { get; }

        public float[][] SpectrumRe { get; }

        public float[][] SpectrumIm { get; }

        public void Dispose()
        {
            foreach (var set in (float[][][])[Re, Im, SpectrumRe, SpectrumIm])
            {
                foreach (var buffer in set)
                {
                    ArrayPool<float>.Shared.Return(buffer);
                }
            }
        }

        private static float[][] Rent(int pairs, int length)
        {
            var set = new float[pairs][];
            for (var q = 0; q < pairs; q++)
            {
                set[q] = ArrayPool<float>.Shared.Rent(length);
            }

            return set;
        }
    }
}
