using AfmEdge.Processing;
using ILGPU;
using ILGPU.Runtime;

namespace AfmEdge.Kernels;

/// <summary>
/// ILGPU kernels for the filters and row alignment, with the same Gwyddion definitions as the SIMD CPU code in
/// AfmEdge.Processing (each kernel names the Gwyddion function it matches). Kernels are static methods taking value
/// types and array views, loaded once per accelerator by the constructor; the host-side methods upload, launch and
/// download one grid.
/// </summary>
public sealed class ProcessingKernels
{
    private readonly Accelerator _accelerator;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float> _gaussianRows;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float> _gaussianColumns;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, int, int, int> _median;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> _rowMedian;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int> _rowMean;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _subtractRows;

    internal ProcessingKernels(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _gaussianRows = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(GaussianRowsKernel);
        _gaussianColumns = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(GaussianColumnsKernel);
        _median = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, int, int, int>(MedianKernel);
        _rowMedian = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(RowMedianKernel);
        _rowMean = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(RowMeanKernel);
        _subtractRows = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(SubtractRowsKernel);
    }

    /// <summary>gwy_data_field_filter_gaussian: separable, 2·ceil(5σ)+1 taps, mirror extension (as GaussianFilter).</summary>
    public float[] Gaussian(float[] input, int width, int height, double sigma)
    {
        Check(input, width, height);
        if (sigma == 0)
        {
            return (float[])input.Clone();
        }

        var kernel = GaussianFilter.Kernel(sigma, width, height);
        var mean = (float)input.Average(v => (double)v);
        using var source = _accelerator.Allocate1D(input);
        using var rows = _accelerator.Allocate1D<float>(input.Length);
        using var result = _accelerator.Allocate1D<float>(input.Length);
        using var weights = _accelerator.Allocate1D(kernel);
        var extent = new Index2D(width, height);
        _gaussianRows(extent, source.View, rows.View, weights.View, width, height, mean);
        _gaussianColumns(extent, rows.View, result.View, weights.View, width, height, mean);
        _accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    /// <summary>gwy_data_field_filter_median: N×N window cut at the edges, value of rank n/2 (as MedianFilter).</summary>
    public float[] Median(float[] input, int width, int height, int size)
    {
        Check(input, width, height);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MedianFilter.MaxSize);
        using var source = _accelerator.Allocate1D(input);
        using var result = _accelerator.Allocate1D<float>(input.Length);
        _median(new Index2D(width, height), source.View, result.View, width, height, size);
        _accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    /// <summary>
    /// Row alignment by row median (rank n/2) or row mean, offsets zero-levelled on the host in double, as
    /// gwy_data_field_find_row_shifts_trimmed_mean (trimfrac 0.5 or 0) + gwy_data_field_subtract_row_shifts.
    /// </summary>
    public float[] AlignRows(float[] input, int width, int height, RowAlignmentMethod method)
    {
        Check(input, width, height);
        if (method is not (RowAlignmentMethod.Median or RowAlignmentMethod.Mean))
        {
            throw new ArgumentOutOfRangeException(nameof(method), method, "The kernels align rows by median or mean.");
        }

        using var source = _accelerator.Allocate1D(input);
        using var shifts = _accelerator.Allocate1D<float>(height);
        using var result = _accelerator.Allocate1D<float>(input.Length);
        if (method == RowAlignmentMethod.Median)
        {
            _rowMedian(height, source.View, shifts.View, width, width / 2);
        }
        else
        {
            _rowMean(height, source.View, shifts.View, width);
        }

        _accelerator.Synchronize();
        var host = shifts.GetAsArray1D();
        var mean = host.Average(v => (double)v);
        for (var y = 0; y < height; y++)
        {
            host[y] = (float)(host[y] - mean);
        }

        shifts.CopyFromCPU(host);
        _subtractRows(new Index2D(width, height), source.View, shifts.View, result.View, width);
        _accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    internal static void Check(float[] input, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (input.Length != width * height)
        {
            throw new ArgumentException($"Input has {input.Length} samples but the grid is {width}×{height}.", nameof(input));
        }
    }

    /// <summary>Half-sample symmetric extension with period 2n (gwy_data_field_area_hconvolve's mirroring).</summary>
    private static int Mirror(int i, int n)
    {
        var period = 2 * n;
        var m = i % period;
        if (m < 0)
        {
            m += period;
        }

        return m < n ? m : period - 1 - m;
    }

    internal static void GaussianRowsKernel(Index2D index, ArrayView<float> input, ArrayView<float> output, ArrayView<float> kernel, int width, int height, float mean)
    {
        var radius = (int)(kernel.Length / 2);
        var row = index.Y * width;
        var sum = 0f;
        for (var t = 0; t < kernel.Length; t++)
        {
            sum += kernel[t] * (input[row + Mirror(index.X + t - radius, width)] - mean);
        }

        output[row + index.X] = sum;
    }

    internal static void GaussianColumnsKernel(Index2D index, ArrayView<float> rows, ArrayView<float> output, ArrayView<float> kernel, int width, int height, float mean)
    {
        var radius = (int)(kernel.Length / 2);
        var sum = 0f;
        for (var t = 0; t < kernel.Length; t++)
        {
            sum += kernel[t] * rows[(Mirror(index.Y + t - radius, height) * width) + index.X];
        }

        output[(index.Y * width) + index.X] = sum + mean;
    }

    // Rank by counting: the window value with (#smaller ≤ k < #smaller + #equal) has rank k. O(n²) in the window
    // size but branch-light and needs no per-thread array, which suits a GPU thread.
    internal static void MedianKernel(Index2D index, ArrayView<float> input, ArrayView<float> output, int width, int height, int size)
    {
        var x0 = Math.Max(0, index.X - ((size - 1) / 2));
        var x1 = Math.Min(width - 1, index.X + (size / 2));
        var y0 = Math.Max(0, index.Y - ((size - 1) / 2));
        var y1 = Math.Min(height - 1, index.Y + (size / 2));
        var k = ((x1 - x0 + 1) * (y1 - y0 + 1)) / 2;
        var result = input[(index.Y * width) + index.X];
        for (var cy = y0; cy <= y1; cy++)
        {
            for (var cx = x0; cx <= x1; cx++)
            {
                var candidate = input[(cy * width) + cx];
                int less = 0, equal = 0;
                for (var yy = y0; yy <= y1; yy++)
                {
                    for (var xx = x0; xx <= x1; xx++)
                    {
                        var v = input[(yy * width) + xx];
                        less += v < candidate ? 1 : 0;
                        equal += v == candidate ? 1 : 0;
                    }
                }

                if (less <= k && k < less + equal)
                {
                    result = candidate;
                }
            }
        }

        output[(index.Y * width) + index.X] = result;
    }

    internal static void RowMedianKernel(Index1D row, ArrayView<float> input, ArrayView<float> shifts, int width, int rank)
    {
        var start = row * width;
        var result = input[start];
        for (var c = 0; c < width; c++)
        {
            var candidate = input[start + c];
            int less = 0, equal = 0;
            for (var x = 0; x < width; x++)
            {
                var v = input[start + x];
                less += v < candidate ? 1 : 0;
                equal += v == candidate ? 1 : 0;
            }

            if (less <= rank && rank < less + equal)
            {
                result = candidate;
            }
        }

        shifts[row] = result;
    }

    internal static void RowMeanKernel(Index1D row, ArrayView<float> input, ArrayView<float> shifts, int width)
    {
        var start = row * width;
        var sum = 0.0;
        for (var x = 0; x < width; x++)
        {
            sum += input[start + x];
        }

        shifts[row] = (float)(sum / width);
    }

    internal static void SubtractRowsKernel(Index2D index, ArrayView<float> input, ArrayView<float> shifts, ArrayView<float> output, int width)
    {
        var i = (index.Y * width) + index.X;
        output[i] = input[i] - shifts[index.Y];
    }
}
