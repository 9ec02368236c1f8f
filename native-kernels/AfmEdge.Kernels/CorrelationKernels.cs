using AfmEdge.Analysis;
using ILGPU;
using ILGPU.Runtime;

namespace AfmEdge.Kernels;

/// <summary>
/// The local-correlation map of <see cref="LocalCorrelation"/> (windowed Pearson r between two images, the window
/// clipped at the edges, non-finite pairs skipped; NaN below three pairs or where either side is constant) as one
/// thread per output pixel. A GPU has threads to spare but no cheap way to carry the CPU code's running column sums
/// from row to row, so each thread sums its own window: window means first, then centred sums, in double, as
/// <see cref="LocalCorrelation.ComputeReference"/> defines it. O(radius²) per pixel, no shared state, no atomics.
/// </summary>
public sealed class CorrelationKernels
{
    private readonly Accelerator _accelerator;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _map;

    internal CorrelationKernels(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _map = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(LocalCorrelationKernel);
    }

    /// <summary>The map of <paramref name="a"/> against <paramref name="b"/> into <paramref name="output"/>, as <see cref="LocalCorrelation.Compute"/>.</summary>
    public void LocalCorrelationMap(float[] a, float[] b, int width, int height, int radius, float[] output)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(output);
        LocalCorrelation.Validate(a, b, width, height, radius, output);
        var n = width * height;
        using var first = _accelerator.Allocate1D(a);
        using var second = _accelerator.Allocate1D(b);
        using var result = _accelerator.Allocate1D<float>(n);
        _map(n, first.View, second.View, result.View, width, height, radius);
        _accelerator.Synchronize();
        result.CopyToCPU(output);
    }

    internal static void LocalCorrelationKernel(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output, int width, int height, int radius)
    {
        int pixel = index;
        var y = pixel / width;
        var x = pixel - (y * width);
        var y0 = y - radius < 0 ? 0 : y - radius;
        var y1 = y + radius > height - 1 ? height - 1 : y + radius;
        var x0 = x - radius < 0 ? 0 : x - radius;
        var x1 = x + radius > width - 1 ? width - 1 : x + radius;
        double n = 0, sa = 0, sb = 0;
        for (var yy = y0; yy <= y1; yy++)
        {
            for (var xx = x0; xx <= x1; xx++)
            {
                var va = a[(yy * width) + xx];
                var vb = b[(yy * width) + xx];
                if (Finite(va) && Finite(vb))
                {
                    n += 1;
                    sa += va;
                    sb += vb;
                }
            }
        }

        if (n < 3)
        {
            output[index] = float.NaN;
            return;
        }

        double meanA = sa / n, meanB = sb / n, saa = 0, sbb = 0, sab = 0;
        for (var yy = y0; yy <= y1; yy++)
        {
            for (var xx = x0; xx <= x1; xx++)
            {
                var va = a[(yy * width) + xx];
                var vb = b[(yy * width) + xx];
                if (Finite(va) && Finite(vb))
                {
                    var da = va - meanA;
                    var db = vb - meanB;
                    saa += da * da;
                    sbb += db * db;
                    sab += da * db;
                }
            }
        }

        if (!(saa > 0 && sbb > 0))
        {
            output[index] = float.NaN;
            return;
        }

        var r = sab / Math.Sqrt(saa * sbb);
        output[index] = (float)(r < -1 ? -1 : r > 1 ? 1 : r);
    }

    // NaN − NaN and ∞ − ∞ are NaN; only a finite value minus itself is 0. No intrinsic needed on any backend.
    private static bool Finite(float value) => value - value == 0;
}
