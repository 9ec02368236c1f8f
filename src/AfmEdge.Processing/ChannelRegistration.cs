using System.Buffers;
using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>What <see cref="ChannelRegistration"/> correlates.</summary>
public enum RegistrationFeature
{
    /// <summary>The (row-aligned) values themselves: for two images of the same quantity, e.g. trace and retrace height.</summary>
    Intensity,

    /// <summary>
    /// The gradient magnitude of the row-aligned values: for different quantities that share edges but not values
    /// (a probe's current or potential against topography; their sign and scale may differ per region).
    /// </summary>
    Gradient,
}

/// <summary>Settings of a phase-correlation shift estimate.</summary>
public sealed record RegistrationOptions
{
    public RegistrationFeature Feature { get; init; } = RegistrationFeature.Gradient;

    /// <summary>
    /// Below this confidence (see <see cref="RegistrationShift.Confidence"/>) the match is ambiguous and the shift
    /// is refused (0–1).
    /// </summary>
    public double MinConfidence { get; init; } = 0.3;

    /// <summary>Largest |shift| searched along each axis, as a fraction of that axis (0–0.5).</summary>
    public double MaxShiftFraction { get; init; } = 0.25;

    /// <summary>
    /// The whitened cross-power spectrum is weighted by exp(−(f/f₀)²), f in cycles per pixel: it suppresses the noise
    /// that whitening lifts at high frequencies and makes the correlation peak a Gaussian of σ = 1/(√2·π·f₀) pixels, so a
    /// three-point Gaussian fit places it to a small fraction of a pixel (0.05–0.5).
    /// </summary>
    public double CutoffFrequency { get; init; } = 0.2;

    public void Validate()
    {
        if (!Enum.IsDefined(Feature))
        {
            throw new ArgumentOutOfRangeException(nameof(Feature), Feature, "Registration feature must be Intensity or Gradient.");
        }

        if (!(MinConfidence >= 0 && MinConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinConfidence), MinConfidence, "Minimum confidence must be in [0, 1].");
        }

        if (!(MaxShiftFraction > 0 && MaxShiftFraction <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxShiftFraction), MaxShiftFraction, "Maximum shift fraction must be in (0, 0.5].");
        }

        if (!(CutoffFrequency >= 0.05 && CutoffFrequency <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(CutoffFrequency), CutoffFrequency, "Cutoff frequency must be in [0.05, 0.5] cycles per pixel.");
        }
    }
}

/// <summary>
/// The displacement of a moving image against a reference, in pixels: moving(x, y) ≈ reference(x − Dx, y − Dy), so
/// features appear Dx pixels further right and Dy further down in the moving image; shifting the moving image by
/// (−Dx, −Dy) registers it. <see cref="Confidence"/> is 1 − (second peak / main peak) of the correlation surface: near 0
/// when the surface has no single distinct peak (no structure, or a repetitive one). <see cref="Accepted"/> is false
/// when it fell below the options' minimum; the shift is then not to be used.
/// </summary>
public readonly record struct RegistrationShift(double Dx, double Dy, double Confidence, bool Accepted)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"dx={Dx:F2} dy={Dy:F2} px, confidence {Confidence:F2}{(Accepted ? string.Empty : " (refused)")}");
}

/// <summary>
/// Sub-pixel image registration by phase correlation: both images are row-aligned (median), optionally turned into
/// gradient magnitudes, Hann-windowed and transformed together (one complex FFT of reference + i·moving); the
/// cross-power spectrum is whitened and Gaussian-weighted, transformed back, and the peak is located within the
/// search range and refined by a three-point Gaussian fit along each axis.
/// </summary>
public static class ChannelRegistration
{
    // The second peak is looked for outside this radius (pixels) around the main one: the peak's own flanks are not rivals.
    private const int PeakExclusionRadius = 3;

    // Estimate, then re-estimate once with the moving window following: the window's pull (~1–2 % of the shift)
    // shrinks by the same factor each pass, so the second pass leaves well under 0.01 px.
    private const int WindowPasses = 2;

    public static RegistrationShift Estimate(Channel reference, Channel moving, RegistrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(moving);
        if (reference.Width != moving.Width || reference.Height != moving.Height)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Channel '{moving.Descriptor.Key}' is {moving.Width}×{moving.Height} but reference '{reference.Descriptor.Key}' is {reference.Width}×{reference.Height}; registration needs one grid."),
                nameof(moving));
        }

        return Estimate(reference.Data, moving.Data, reference.Width, reference.Height, options);
    }

    public static RegistrationShift Estimate(ReadOnlySpan<float> reference, ReadOnlySpan<float> moving, int width, int height, RegistrationOptions? options = null)
    {
        options ??= new RegistrationOptions();
        options.Validate();
        if (width < 8 || height < 8)
        {
            throw new ArgumentOutOfRangeException(nameof(width), string.Create(CultureInfo.InvariantCulture,
                $"Registration needs at least 8×8 pixels; the grid is {width}×{height}."));
        }

        Grid.Check(reference.Length, moving.Length, width, height);
        var n = width * height;

        // Five frame-sized buffers per estimate: pooled, so a stream of frames does not churn the large-object heap.
        var a = ArrayPool<double>.Shared.Rent(n);
        var b = ArrayPool<double>.Shared.Rent(n);
        var re = ArrayPool<double>.Shared.Rent(n);
        var im = ArrayPool<double>.Shared.Rent(n);
        var scratch = ArrayPool<float>.Shared.Rent(n);
        try
        {
            return Estimate(reference, moving, width, height, options, a.AsSpan(0, n), b.AsSpan(0, n), re.AsSpan(0, n), im.AsSpan(0, n), scratch.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(a);
            ArrayPool<double>.Shared.Return(b);
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    private static RegistrationShift Estimate(ReadOnlySpan<float> reference, ReadOnlySpan<float> moving, int width, int height, RegistrationOptions options,
        Span<double> a, Span<double> b, Span<double> re, Span<double> im, Span<float> scratch)
    {
        if (!(Feature(reference, a, scratch, width, height, options.Feature) && Feature(moving, b, scratch, width, height, options.Feature)))
        {
            // A flat (or wholly non-finite) image has nothing to register on.
            return new RegistrationShift(0, 0, 0, false);
        }

        // A window fixed on the grid pulls the estimate towards zero (both windows match best unshifted), so the
        // moving image's window follows the estimate and the residual is measured again.
        var estimate = new RegistrationShift(0, 0, 0, false);
        for (var pass = 0; pass < WindowPasses; pass++)
        {
            Window(a, re, width, height, 0, 0);
            Window(b, im, width, height, estimate.Dx, estimate.Dy);
            Fft2D.Forward(re, im, width, height);
            CrossPower(re, im, width, height, options.CutoffFrequency);
            Fft2D.Inverse(re, im, width, height);
            var next = LocatePeak(re, width, height, options);
            if (pass > 0 && (Math.Abs(next.Dx - estimate.Dx) > 2 || Math.Abs(next.Dy - estimate.Dy) > 2))
            {
                // The refined window found a different peak: the match is not stable, keep the first and its confidence.
                break;
            }

            estimate = next;
        }

        return estimate;
    }

    /// <summary>
    /// Row-aligns <paramref name="data"/> and makes the mean-free feature image in <paramref name="feature"/>; false
    /// when it has no structure.
    /// </summary>
    private static bool Feature(ReadOnlySpan<float> data, Span<double> feature, Span<float> scratch, int width, int height, RegistrationFeature kind)
    {
        if (!SurfaceStatistics.AllFinite(data))
        {
            // NaN/Inf pixels (masked by the chain) take the finite mean, so they neither match nor spread.
            var values = data.ToArray();
            var finite = values.Where(float.IsFinite).Select(v => (double)v).DefaultIfEmpty(double.NaN).Average();
            if (double.IsNaN(finite))
            {
                return false;
            }

            for (var i = 0; i < values.Length; i++)
            {
                values[i] = float.IsFinite(values[i]) ? values[i] : (float)finite;
            }

            return Feature(values, feature, scratch, width, height, kind);
        }

        // Line offsets differ between channels and directions; left in, they would correlate as horizontal stripes.
        new RowAlignment(RowAlignmentMethod.Median).Run(data, scratch, width, height, default);
        if (kind == RegistrationFeature.Intensity)
        {
            for (var i = 0; i < feature.Length; i++)
            {
                feature[i] = scratch[i];
            }
        }
        else
        {
            GradientMagnitude(scratch, feature, width, height);
        }

        var mean = System.Numerics.Tensors.TensorPrimitives.Sum<double>(feature) / feature.Length;
        System.Numerics.Tensors.TensorPrimitives.Subtract(feature, mean, feature);
        var scale = Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude<double>(feature));
        var energy = System.Numerics.Tensors.TensorPrimitives.SumOfSquares<double>(feature);

        // Relative to the values' size: float data quantised flat still leaves rounding dust.
        return scale > 0 && energy > 1e-12 * scale * scale * feature.Length;
    }

    /// <summary>output = input × Hann window whose centre is moved by (dx, dy) pixels (zero beyond its support).</summary>
    private static void Window(ReadOnlySpan<double> input, Span<double> output, int width, int height, double dx, double dy)
    {
        var windowX = Hann(width, dx);
        var windowY = Hann(height, dy);
        for (var y = 0; y < height; y++)
        {
            var wy = windowY[y];
            var row = y * width;
            for (var x = 0; x < width; x++)
            {
                output[row + x] = input[row + x] * wy * windowX[x];
            }
        }
    }

    /// <summary>|∇f| by central differences (one-sided at the edges), in units per pixel.</summary>
    private static void GradientMagnitude(ReadOnlySpan<float> data, Span<double> output, int width, int height)
    {
        for (var y = 0; y < height; y++)
        {
            var up = y > 0 ? y - 1 : y;
            var down = y < height - 1 ? y + 1 : y;
            var dyScale = 1.0 / (down - up);
            for (var x = 0; x < width; x++)
            {
                var left = x > 0 ? x - 1 : x;
                var right = x < width - 1 ? x + 1 : x;
                var gx = (data[(y * width) + right] - (double)data[(y * width) + left]) / (right - left);
                var gy = (data[(down * width) + x] - (double)data[(up * width) + x]) * dyScale;
                output[(y * width) + x] = Math.Sqrt((gx * gx) + (gy * gy));
            }
        }
    }

    private static double[] Hann(int n, double shift)
    {
        var w = new double[n];
        for (var i = 0; i < n; i++)
        {
            var t = (i + 0.5 - shift) / n;
            w[i] = t is > 0 and < 1 ? 0.5 - (0.5 * Math.Cos(2 * Math.PI * t)) : 0;
        }

        return w;
    }

    /// <summary>
    /// From Z = FFT(a + i·b): A[k] = (Z[k] + Z*[−k])/2, B[k] = (Z[k] − Z*[−k])/(2i); writes the whitened, weighted
    /// conj(A)·B (whose inverse transform peaks at the displacement of b against a) back into (re, im).
    /// </summary>
    private static void CrossPower(Span<double> re, Span<double> im, int width, int height, double cutoff)
    {
        // The Gaussian weight is separable: exp(−(fx² + fy²)/f₀²) = gx[kx]·gy[ky].
        var gx = FrequencyWeights(width, cutoff);
        var gy = FrequencyWeights(height, cutoff);

        // Q[−k] = conj(Q[k]) for real a and b: each pair (k, −k) is computed once, from both bins, and written to both.
        for (var ky = 0; ky < height; ky++)
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

                var zr = re[i];
                var zi = im[i];
                var cr = re[j];
                var ci = -im[j];
                var ar = 0.5 * (zr + cr);
                var ai = 0.5 * (zi + ci);
                var br = 0.5 * (zi - ci);
                var bi = -0.5 * (zr - cr);
                var pr = (ar * br) + (ai * bi);
                var pi = (ar * bi) - (ai * br);
                var magnitude = Math.Sqrt((pr * pr) + (pi * pi));
                var weight = magnitude > 0 ? gx[kx] * gy[ky] / magnitude : 0;
                re[i] = pr * weight;
                im[i] = pi * weight;
                re[j] = pr * weight;
                im[j] = -pi * weight;
            }
        }

        re[0] = 0;
        im[0] = 0;
    }

    private static double[] FrequencyWeights(int n, double cutoff)
    {
        var w = new double[n];
        for (var k = 0; k < n; k++)
        {
            var f = (k <= n / 2 ? k : k - n) / (double)n / cutoff;
            w[k] = Math.Exp(-f * f);
        }

        return w;
    }

    private static RegistrationShift LocatePeak(ReadOnlySpan<double> surface, int width, int height, RegistrationOptions options)
    {
        var rangeX = Math.Max(1, (int)(options.MaxShiftFraction * width));
        var rangeY = Math.Max(1, (int)(options.MaxShiftFraction * height));
        var best = double.NegativeInfinity;
        int bx = 0, by = 0;
        for (var dy = -rangeY; dy <= rangeY; dy++)
        {
            var row = Wrap(dy, height) * width;
            for (var dx = -rangeX; dx <= rangeX; dx++)
            {
                var value = surface[row + Wrap(dx, width)];
                if (value > best)
                {
                    best = value;
                    bx = dx;
                    by = dy;
                }
            }
        }

        var second = double.NegativeInfinity;
        for (var dy = -rangeY; dy <= rangeY; dy++)
        {
            var row = Wrap(dy, height) * width;
            for (var dx = -rangeX; dx <= rangeX; dx++)
            {
                if (Math.Abs(dx - bx) <= PeakExclusionRadius && Math.Abs(dy - by) <= PeakExclusionRadius)
                {
                    continue;
                }

                second = Math.Max(second, surface[row + Wrap(dx, width)]);
            }
        }

        var confidence = best > 0 ? Math.Clamp(1 - (Math.Max(second, 0) / best), 0, 1) : 0;
        var peakRow = Wrap(by, height) * width;
        var subX = SubPixel(surface[peakRow + Wrap(bx - 1, width)], best, surface[peakRow + Wrap(bx + 1, width)]);
        var column = Wrap(bx, width);
        var subY = SubPixel(surface[(Wrap(by - 1, height) * width) + column], best, surface[(Wrap(by + 1, height) * width) + column]);
        return new RegistrationShift(bx + subX, by + subY, confidence, confidence >= options.MinConfidence);
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
}
