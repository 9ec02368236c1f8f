using System.Buffers;
using System.Globalization;

namespace AfmEdge.Processing;

/// <summary>Which spatial frequencies <see cref="FftFilter"/> keeps.</summary>
public enum FftFilterKind
{
    /// <summary>|f| ≤ cutoff: "lowpass:F".</summary>
    LowPass,

    /// <summary>|f| &gt; cutoff: "highpass:F".</summary>
    HighPass,

    /// <summary>low ≤ |f| ≤ high: "bandpass:F1:F2".</summary>
    BandPass,
}

/// <summary>
/// Ideal radial 2D FFT filter, frequencies in cycles per pixel (0 &lt; f ≤ 0.5 = Nyquist, |f| = √(fx² + fy²)). The
/// least-squares plane is taken out first (a tilt is not a periodic signal) and the grid is mirrored into a 2W × 2H
/// even extension, so the transform sees no jump at the edges and the filter does not ring from them; the plane is put
/// back for the low-pass (its frequencies are the lowest) and left out of the high- and band-pass.
/// </summary>
public sealed class FftFilter : GridOperation
{
    public FftFilter(FftFilterKind kind, double low, double high = 0.5)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "FFT filter kind must be LowPass, HighPass or BandPass.");
        }

        if (!(low > 0 && low <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, "Cutoff frequency must be in (0, 0.5] cycles per pixel.");
        }

        if (kind == FftFilterKind.BandPass && !(high > low && high <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(high), high, "Band's upper frequency must be above its lower one and at most 0.5 cycles per pixel.");
        }

        Kind = kind;
        Low = low;
        High = kind == FftFilterKind.BandPass ? high : low;
    }

    public FftFilterKind Kind { get; }

    /// <summary>Cutoff (low-/high-pass) or lower band edge, cycles per pixel.</summary>
    public double Low { get; }

    /// <summary>Upper band edge (band-pass), cycles per pixel.</summary>
    public double High { get; }

    public override string Name => Kind switch
    {
        FftFilterKind.LowPass => string.Create(CultureInfo.InvariantCulture, $"lowpass:{Low}"),
        FftFilterKind.HighPass => string.Create(CultureInfo.InvariantCulture, $"highpass:{Low}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"bandpass:{Low}:{High}"),
    };

    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        PlaneLeveling.Level(input, output, width, height);
        var w2 = 2 * width;
        var h2 = 2 * height;
        var n = w2 * h2;
        var re = ArrayPool<double>.Shared.Rent(n);
        var im = ArrayPool<double>.Shared.Rent(n);
        try
        {
            var r = re.AsSpan(0, n);
            var m = im.AsSpan(0, n);
            m.Clear();
            for (var y = 0; y < h2; y++)
            {
                var sy = y < height ? y : h2 - 1 - y;
                for (var x = 0; x < w2; x++)
                {
                    var sx = x < width ? x : w2 - 1 - x;
                    r[(y * w2) + x] = output[(sy * width) + sx];
                }
            }

            Fft2D.Forward(r, m, w2, h2);
            var low2 = Low * Low;
            var high2 = High * High;
            for (var ky = 0; ky < h2; ky++)
            {
                var fy = (ky <= h2 / 2 ? ky : ky - h2) / (double)h2;
                for (var kx = 0; kx < w2; kx++)
                {
                    var fx = (kx <= w2 / 2 ? kx : kx - w2) / (double)w2;
                    var f2 = (fx * fx) + (fy * fy);
                    var keep = Kind switch
                    {
                        FftFilterKind.LowPass => f2 <= low2,
                        FftFilterKind.HighPass => f2 > low2,
                        _ => f2 >= low2 && f2 <= high2,
                    };
                    if (!keep)
                    {
                        r[(ky * w2) + kx] = 0;
                        m[(ky * w2) + kx] = 0;
                    }
                }
            }

            Fft2D.Inverse(r, m, w2, h2);
            var plane = Kind == FftFilterKind.LowPass ? PlaneLeveling.Fit(input, width, height) : default;
            var cx = (width - 1) / 2.0;
            var cy = (height - 1) / 2.0;
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var back = Kind == FftFilterKind.LowPass ? plane.Offset + (plane.SlopeX * (x - cx)) + (plane.SlopeY * (y - cy)) : 0;
                    output[(y * width) + x] = (float)(r[(y * w2) + x] + back);
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }
}

/// <summary>
/// Removes a band of frequencies along the fast axis from every row ("notch-rows:F1:F2", cycles per pixel): line noise
/// such as mains pickup that repeats along each scan line. Each row is mirrored to 2W (no edge jump), transformed,
/// the band zeroed (both signs), and transformed back.
/// </summary>
public sealed class RowNotchFilter : GridOperation
{
    public RowNotchFilter(double low, double high)
    {
        if (!(low >= 0 && low < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, "Notch's lower frequency must be in [0, 0.5) cycles per pixel.");
        }

        if (!(high > low && high <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(high), high, "Notch's upper frequency must be above its lower one and at most 0.5 cycles per pixel.");
        }

        Low = low;
        High = high;
    }

    public double Low { get; }

    public double High { get; }

    public override string Name => string.Create(CultureInfo.InvariantCulture, $"notch-rows:{Low}:{High}");

    public override int MinHeight => 1;

    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        var n = 2 * width;
        var re = new double[n];
        var im = new double[n];
        for (var y = 0; y < height; y++)
        {
            var row = input.Slice(y * width, width);
            for (var x = 0; x < n; x++)
            {
                re[x] = row[x < width ? x : n - 1 - x];
            }

            Array.Clear(im);
            Fft.Forward(re, im);
            for (var k = 0; k < n; k++)
            {
                var f = Math.Abs((k <= n / 2 ? k : k - n) / (double)n);
                if (f >= Low && f <= High)
                {
                    re[k] = 0;
                    im[k] = 0;
                }
            }

            Fft.Inverse(re, im);
            var target = output.Slice(y * width, width);
            for (var x = 0; x < width; x++)
            {
                target[x] = (float)re[x];
            }
        }
    }
}
