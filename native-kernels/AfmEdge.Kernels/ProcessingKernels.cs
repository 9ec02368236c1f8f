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
    private readonly Action<Index2D, ArrayView<float>, ArrayView<int>, int, int> _rowRanks;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int> _rankedValue;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int> _rowMean;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _subtractRows;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> _rowTrimmed;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<double>, int, int> _rowMoments;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<double>, ArrayView<float>, int, int> _subtractRowPolynomials;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, int, int> _halve;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, int, int> _bicubic;

    internal ProcessingKernels(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _gaussianRows = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(GaussianRowsKernel);
        _gaussianColumns = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(GaussianColumnsKernel);
        _median = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, int, int, int>(MedianKernel);
        _rowRanks = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<int>, int, int>(RowRanksKernel);
        _rankedValue = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int>(RankedValueKernel);
        _rowMean = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(RowMeanKernel);
        _subtractRows = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(SubtractRowsKernel);
        _rowTrimmed = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(RowTrimmedMeanKernel);
        _rowMoments = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<double>, int, int>(RowPolynomialMomentsKernel);
        _subtractRowPolynomials = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<double>, ArrayView<float>, int, int>(
            SubtractRowPolynomialsKernel);
        _halve = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, int, int>(HalveKernel);
        _bicubic = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, int, int>(BicubicKernel);
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
    /// Gwyddion's "Align rows" (as <see cref="RowAlignment"/> without a mask): row median (rank n/2), mean or trimmed
    /// mean (gwy_data_field_find_row_shifts_trimmed_mean) zero-levelled; the median of differences to the previous row
    /// integrated and slope-levelled (gwy_data_field_find_row_shifts_trimmed_diff); or each row's least-squares
    /// polynomial of <paramref name="degree"/> subtracted and the frame mean added back (linematch_do_poly). The per-row
    /// statistics run on the device, the O(height) levelling of the offsets and the small per-row solves on the host.
    /// </summary>
    public float[] AlignRows(float[] input, int width, int height, RowAlignmentMethod method, int degree = 1, double trimFraction = RowAlignment.DefaultTrimFraction)
    {
        Check(input, width, height);
        var settings = new RowAlignment(method, degree, trimFraction); // validates the method and its parameters
        using var source = _accelerator.Allocate1D(input);
        using var result = _accelerator.Allocate1D<float>(input.Length);
        if (method == RowAlignmentMethod.Polynomial && degree > 0)
        {
            AlignRowPolynomials(source.View, result.View, width, height, settings.Degree);
            return result.GetAsArray1D();
        }

        using var shifts = _accelerator.Allocate1D<float>(height);
        var trim = method switch
        {
            RowAlignmentMethod.Median => 0.5,
            RowAlignmentMethod.TrimmedMean => settings.TrimFraction,
            _ => 0.0,
        };
        var trimmed = (int)Math.Floor((trim * width) + 0.5);
        var differences = method == RowAlignmentMethod.MedianOfDifferences;
        var rows = differences ? height - 1 : height;
        if (!differences && trimmed == 0)
        {
            _rowMean(height, source.View, shifts.View, width);
            _accelerator.Synchronize();
        }
        else if (rows > 0)
        {
            // Ranks first, one thread per sample (width × rows threads of O(width) each), then one thread per row picks
            // or sums by rank: a thread per row ranking its whole row left all but a few hundred GPU lanes idle.
            using var ranks = _accelerator.Allocate1D<int>((long)rows * width);
            _rowRanks(new Index2D(width, rows), source.View, ranks.View, width, differences ? 1 : 0);
            var target = differences ? shifts.View.SubView(1, rows) : shifts.View;
            if (differences || (2 * trimmed) + 1 >= width)
            {
                _rankedValue(rows, source.View, ranks.View, target, width, width / 2, differences ? 1 : 0);
            }
            else
            {
                _rowTrimmed(rows, source.View, ranks.View, target, width, trimmed);
            }

            _accelerator.Synchronize(); // before the rank buffer is freed, and the offsets are read
        }

        // Each branch above waited for its kernels (once): none ran without rows.
        var offsets = shifts.GetAsArray1D().Select(v => (double)v).ToArray();
        if (method == RowAlignmentMethod.MedianOfDifferences)
        {
            RowAlignment.IntegrateAndSlopeLevel(offsets);
        }
        else
        {
            var mean = offsets.Average();
            for (var y = 0; y < height; y++)
            {
                offsets[y] -= mean;
            }
        }

        shifts.CopyFromCPU([.. offsets.Select(v => (float)v)]);
        _subtractRows(new Index2D(width, height), source.View, shifts.View, result.View, width);
        _accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    /// <summary>2× downsampling as a half-resolution scan (as <see cref="AfmEdge.Processing.HalfResolution"/>): ⌊w/2⌋ × ⌈h/2⌉.</summary>
    public float[] HalfResolution(float[] input, int width, int height)
    {
        Check(input, width, height);
        var (w, h) = AfmEdge.Processing.HalfResolution.Size(width, height);
        using var source = _accelerator.Allocate1D(input);
        using var result = _accelerator.Allocate1D<float>((long)w * h);
        _halve(new Index2D(w, h), source.View, result.View, width, w);
        _accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    /// <summary>
    /// Bicubic ×2 (Keys, a = −0.5, edges replicated), the baseline the enhancer must beat: as the enhancer's skip path
    /// and AfmEdge.Inference's BicubicUpsampler, 2W × 2H out.
    /// </summary>
    public float[] UpsampleBicubic(float[] input, int width, int height)
    {
        Check(input, width, height);
        using var source = _accelerator.Allocate1D(input);
        using var result = _accelerator.Allocate1D<float>(4L * input.Length);
        _bicubic(new Index2D(2 * width, 2 * height), source.View, result.View, width, height);
        _accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    private void AlignRowPolynomials(ArrayView<float> source, ArrayView<float> result, int width, int height, int degree)
    {
        // Per row: Σ x'^k for k ≤ 2·degree, then Σ x'^i·z for i ≤ degree, row-major by row.
        var powers = (2 * degree) + 1;
        var moments = powers + degree + 1;
        using var sums = _accelerator.Allocate1D<double>((long)moments * height);
        _rowMoments(new Index2D(moments, height), source, sums.View, width, degree);
        _accelerator.Synchronize();
        var all = sums.GetAsArray1D();
        var average = 0.0;
        for (var y = 0; y < height; y++)
        {
            average += all[(y * moments) + powers];
        }

        average /= (double)width * height;
        var terms = degree + 1;
        var coefficients = new double[terms * height];
        var matrix = new double[terms * terms];
        var solution = new double[terms];
        for (var y = 0; y < height; y++)
        {
            var row = y * moments;
            for (var i = 0; i < terms; i++)
            {
                solution[i] = all[row + powers + i];
                for (var j = 0; j < terms; j++)
                {
                    matrix[(i * terms) + j] = all[row + i + j];
                }
            }

            if (!(width > degree) || !LinearAlgebra.TrySolveSymmetric(matrix, solution, terms))
            {
                Array.Clear(solution);
            }

            solution[0] -= average;
            solution.CopyTo(coefficients, y * terms);
        }

        using var fitted = _accelerator.Allocate1D(coefficients);
        _subtractRowPolynomials(new Index2D(width, height), source, fitted.View, result, width, degree);
        _accelerator.Synchronize();
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

    // Sample x of row r (or of row r + 1 minus row r, for the median of differences).
    private static float RowSample(ArrayView<float> input, int width, int row, int x, int differences) =>
        differences != 0 ? input[((row + 1) * width) + x] - input[(row * width) + x] : input[(row * width) + x];

    // Each sample's rank in its row, ties broken by position so each sample has one rank (as a stable sort gives);
    // NaN is below nothing and equal to nothing, so a NaN gets no place among the others' ranks.
    internal static void RowRanksKernel(Index2D index, ArrayView<float> input, ArrayView<int> ranks, int width, int differences)
    {
        var (c, row) = (index.X, index.Y);
        var candidate = RowSample(input, width, row, c, differences);
        var rank = 0;
        for (var x = 0; x < width; x++)
        {
            var v = RowSample(input, width, row, x, differences);
            rank += v < candidate || (v == candidate && x < c) ? 1 : 0;
        }

        ranks[(row * width) + c] = rank;
    }

    // The sample of the given rank (the median at rank n/2); without one (NaNs) the first sample, or 0 for differences.
    internal static void RankedValueKernel(Index1D row, ArrayView<float> input, ArrayView<int> ranks, ArrayView<float> shifts, int width, int rank, int differences)
    {
        var result = differences != 0 ? 0f : input[row * width];
        for (var c = 0; c < width; c++)
        {
            if (ranks[(row * width) + c] == rank)
            {
                result = RowSample(input, width, row, c, differences);
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

    // Mean of the values of rank t … n − t − 1, summed in position order.
    internal static void RowTrimmedMeanKernel(Index1D row, ArrayView<float> input, ArrayView<int> ranks, ArrayView<float> shifts, int width, int trimmed)
    {
        var start = row * width;
        var sum = 0.0;
        for (var c = 0; c < width; c++)
        {
            var rank = ranks[start + c];
            if (rank >= trimmed && rank < width - trimmed)
            {
                sum += input[start + c];
            }
        }

        shifts[row] = (float)(sum / (width - (2 * trimmed)));
    }

    internal static void RowPolynomialMomentsKernel(Index2D index, ArrayView<float> input, ArrayView<double> sums, int width, int degree)
    {
        var (moment, row) = (index.X, index.Y);
        var powers = (2 * degree) + 1;
        var withZ = moment >= powers;
        var p = withZ ? moment - powers : moment;
        var c = (width - 1) / 2.0;
        var scale = width > 1 ? c : 1.0;
        var sum = 0.0;
        for (var x = 0; x < width; x++)
        {
            var v = 1.0;
            for (var k = 0; k < p; k++)
            {
                v *= (x - c) / scale;
            }

            sum += withZ ? v * input[(row * width) + x] : v;
        }

        sums[(row * (powers + degree + 1)) + moment] = sum;
    }

    internal static void SubtractRowPolynomialsKernel(Index2D index, ArrayView<float> input, ArrayView<double> coefficients, ArrayView<float> output, int width, int degree)
    {
        var c = (width - 1) / 2.0;
        var xs = (index.X - c) / (width > 1 ? c : 1.0);
        var first = index.Y * (degree + 1);
        var value = 0.0;
        for (var i = degree; i >= 0; i--)
        {
            value = (value * xs) + coefficients[first + i];
        }

        var at = (index.Y * width) + index.X;
        output[at] = (float)(input[at] - value);
    }

    internal static void HalveKernel(Index2D index, ArrayView<float> input, ArrayView<float> output, int width, int halfWidth)
    {
        var source = (2 * index.Y * width) + (2 * index.X);
        output[(index.Y * halfWidth) + index.X] = 0.5f * (input[source] + input[source + 1]);
    }

    // Output sample 2x + phase: four taps per axis with Keys' weights, rows first (ConvolutionKernels.BicubicSample).
    internal static void BicubicKernel(Index2D index, ArrayView<float> input, ArrayView<float> output, int width, int height) =>
        output[(index.Y * 2 * width) + index.X] = ConvolutionKernels.BicubicSample(input, width, height, index.X, index.Y);
}
