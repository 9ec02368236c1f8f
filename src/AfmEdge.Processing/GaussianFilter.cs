using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AfmEdge.Processing;

/// <summary>
/// Separable Gaussian blur with σ in pixels, as gwy_data_field_filter_gaussian (libprocess/filters.c): a kernel of
/// 2·ceil(5σ)+1 taps (at most 3·min(width, height), kept odd), normalised to sum 1, applied along rows then columns
/// with mirror extension at the edges (x[−1] = x[0], x[−2] = x[1], period 2n, as gwy_data_field_area_hconvolve).
/// The frame mean is taken out before filtering and added back, so float accumulation stays exact to the data range.
/// </summary>
public sealed class GaussianFilter : GridOperation
{
    public GaussianFilter(double sigma)
    {
        if (!(sigma >= 0 && sigma <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "Gaussian σ must be in [0, 1000] pixels.");
        }

        Sigma = sigma;
    }

    public double Sigma { get; }

    public override string Name => string.Create(CultureInfo.InvariantCulture, $"gauss:{Sigma}");

    public override int MinWidth => 1;

    public override int MinHeight => 1;

    /// <summary>The normalised kernel Gwyddion builds for this σ and grid.</summary>
    public static float[] Kernel(double sigma, int width, int height)
    {
        var size = (2 * (int)Math.Ceiling(5.0 * sigma)) + 1;
        var cap = 3 * Math.Min(width, height);
        if (size > cap)
        {
            size = cap % 2 == 0 ? cap - 1 : cap;
        }

        var weights = new double[size];
        var sum = 0.0;
        for (var i = 0; i < size; i++)
        {
            var x = (i - ((size - 1) / 2.0)) / sigma;
            weights[i] = Math.Exp(-x * x / 2.0);
            sum += weights[i];
        }

        return [.. weights.Select(v => (float)(v / sum))];
    }

    /// <summary>Index of the mirror-extended sample i of a line of n samples (half-sample symmetric, period 2n).</summary>
    public static int Mirror(int i, int n)
    {
        var period = 2 * n;
        var m = i % period;
        if (m < 0)
        {
            m += period;
        }

        return m < n ? m : period - 1 - m;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        if (Sigma == 0)
        {
            input.CopyTo(output);
            return;
        }

        var kernel = Kernel(Sigma, width, height);
        var radius = kernel.Length / 2;
        var mean = (float)(Simd.Sum(input) / input.Length);
        var rows = new float[input.Length];
        var extended = new float[width + (2 * radius)];
        for (var y = 0; y < height; y++)
        {
            var row = input.Slice(y * width, width);
            // Only the 2·radius edge samples need the mirror arithmetic; the interior is one vector subtract.
            System.Numerics.Tensors.TensorPrimitives.Subtract(row, mean, extended.AsSpan(radius, width));
            for (var j = 0; j < radius; j++)
            {
                extended[j] = row[Mirror(j - radius, width)] - mean;
                extended[radius + width + j] = row[Mirror(width + j, width)] - mean;
            }

            Convolve(extended, kernel, rows.AsSpan(y * width, width));
        }

        var offsets = new int[kernel.Length];
        for (var y = 0; y < height; y++)
        {
            for (var t = 0; t < kernel.Length; t++)
            {
                offsets[t] = Mirror(y + t - radius, height) * width;
            }

            ConvolveColumns(rows, offsets, kernel, mean, output.Slice(y * width, width));
        }
    }

    // out[x] = Σ_t k[t]·ext[x + t]; the kernel is symmetric, so correlation and convolution agree.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Convolve(ReadOnlySpan<float> extended, ReadOnlySpan<float> kernel, Span<float> output)
    {
        var width = output.Length;
        ref var e = ref MemoryMarshal.GetReference(extended);
        var x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; x <= width - Vector<float>.Count; x += Vector<float>.Count)
            {
                var acc = Vector<float>.Zero;
                for (var t = 0; t < kernel.Length; t++)
                {
                    acc += new Vector<float>(kernel[t]) * Vector.LoadUnsafe(ref e, (nuint)(x + t));
                }

                acc.CopyTo(output[x..]);
            }
        }

        for (; x < width; x++)
        {
            var s = 0f;
            for (var t = 0; t < kernel.Length; t++)
            {
                s += kernel[t] * extended[x + t];
            }

            output[x] = s;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ConvolveColumns(float[] rows, int[] offsets, ReadOnlySpan<float> kernel, float mean, Span<float> output)
    {
        var width = output.Length;
        ref var r = ref MemoryMarshal.GetArrayDataReference(rows);
        var x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var m = new Vector<float>(mean);
            for (; x <= width - Vector<float>.Count; x += Vector<float>.Count)
            {
                var acc = Vector<float>.Zero;
                for (var t = 0; t < kernel.Length; t++)
                {
                    acc += new Vector<float>(kernel[t]) * Vector.LoadUnsafe(ref r, (nuint)(offsets[t] + x));
                }

                (acc + m).CopyTo(output[x..]);
            }
        }

        for (; x < width; x++)
        {
            var s = 0f;
            for (var t = 0; t < kernel.Length; t++)
            {
                s += kernel[t] * rows[offsets[t] + x];
            }

            output[x] = s + mean;
        }
    }
}
