using AfmEdge.Processing;
using ILGPU;
using ILGPU.Runtime;

namespace AfmEdge.Kernels;

/// <summary>Settings of one scar launch, passed by value: thresholds already in data units where the kernel needs them.</summary>
public readonly record struct ScarShape(int Width, int Height, int MaxWidth, int MinLength, float Low, float High, float LowRms, float InverseRms, int Negative);

/// <summary>
/// Scar detection and removal with <see cref="ScarRemoval"/>'s definitions (gwy_data_field_mark_scars for positive
/// and negative scars, then linear interpolation along each column across the marked run). The search is a gather: each
/// pixel repeats, for the few lines above it that could start a scar covering it, the scan down from that line, and
/// keeps the largest strength, so no two threads write one pixel. One thread per row then applies the thresholds
/// along it (a maximal run ≥ low that holds a value ≥ high and is at least the minimum length), in float as the SIMD
/// code does; the vertical RMS is a per-row partial sum in double, reduced on the host.
/// </summary>
public sealed class ScarKernels
{
    private readonly Accelerator _accelerator;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<double>, int> _rowSquares;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ScarShape> _strength;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ScarShape> _threshold;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> _fill;

    internal ScarKernels(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _rowSquares = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, int>(RowSquaresKernel);
        _strength = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ScarShape>(StrengthKernel);
        _threshold = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ScarShape>(ThresholdKernel);
        _fill = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(FillKernel);
    }

    /// <summary>1 where a pixel belongs to a positive or negative scar, else 0 (as <see cref="ScarRemoval.Mark"/>).</summary>
    public byte[] Mark(float[] input, int width, int height, ScarRemoval settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ProcessingKernels.Check(input, width, height);
        using var data = _accelerator.Allocate1D(input);
        using var marks = _accelerator.Allocate1D<int>(input.Length);
        Mark(data.View, marks.View, width, height, settings);
        return [.. marks.GetAsArray1D().Select(m => (byte)m)];
    }

    /// <summary>The grid with its scars interpolated away (as <see cref="ScarRemoval"/>'s Run).</summary>
    public float[] Remove(float[] input, int width, int height, ScarRemoval settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ProcessingKernels.Check(input, width, height);
        if (height < settings.MinHeight || width < settings.MinWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"Step '{settings.Name}' needs at least {settings.MinWidth}×{settings.MinHeight} pixels; the grid is {width}×{height}.");
        }

        using var data = _accelerator.Allocate1D(input);
        using var marks = _accelerator.Allocate1D<int>(input.Length);
        using var result = _accelerator.Allocate1D<float>(input.Length);
        Mark(data.View, marks.View, width, height, settings);
        _fill(new Index2D(width, height), data.View, marks.View, result.View, width, height);
        _accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    private void Mark(ArrayView<float> data, ArrayView<int> marks, int width, int height, ScarRemoval settings)
    {
        marks.MemSetToZero();
        var maxWidth = Math.Min(settings.MaxWidth, height - 2);
        if (settings.MinLength > width || maxWidth < 1)
        {
            _accelerator.Synchronize();
            return;
        }

        // Gwyddion's "vertical rms": √(Σ (z[i,j] − z[i+1,j])² / (xres·yres)).
        using var squares = _accelerator.Allocate1D<double>(height - 1);
        _rowSquares(height - 1, data, squares.View, width);
        _accelerator.Synchronize();
        var rms = Math.Sqrt(squares.GetAsArray1D().Sum() / ((double)width * height));
        if (rms == 0)
        {
            return;
        }

        using var strength = _accelerator.Allocate1D<float>((long)width * height);
        foreach (var negative in (ReadOnlySpan<int>)[0, 1])
        {
            var shape = new ScarShape(width, height, maxWidth, Math.Max(settings.MinLength, 1), (float)settings.ThresholdLow,
                (float)Math.Max(settings.ThresholdHigh, settings.ThresholdLow), (float)(settings.ThresholdLow * rms), (float)(1 / rms), negative);
            _strength(new Index2D(width, height), data, strength.View, shape);
            _threshold(height, strength.View, marks, shape);
        }

        _accelerator.Synchronize();
    }

    internal static void RowSquaresKernel(Index1D row, ArrayView<float> data, ArrayView<double> squares, int width)
    {
        var sum = 0.0;
        for (var x = 0; x < width; x++)
        {
            double z = data[(row * width) + x] - data[((row + 1) * width) + x];
            sum += z * z;
        }

        squares[row] = sum;
    }

    // Pixel (x, r): a scan starting at line i (i < height − maxWidth − 1) covers lines i + 1 … i + k when it first
    // finds the line below the run, i + k + 1, clear of the run by low·rms; the strength of line r is its distance from
    // the reference level in units of rms. Lines i = r − maxWidth … r − 1 are the only ones whose run can reach r.
    internal static void StrengthKernel(Index2D index, ArrayView<float> data, ArrayView<float> strength, ScarShape shape)
    {
        var (x, r) = (index.X, index.Y);
        var w = shape.Width;
        var best = 0f;
        for (var i = Math.Max(0, r - shape.MaxWidth); i < r && i < shape.Height - (shape.MaxWidth + 1); i++)
        {
            var at = (i * w) + x;
            var first = data[at];
            var running = data[at + w];
            var reference = 0f;
            var depth = 0;
            for (var k = 1; k <= shape.MaxWidth && depth == 0; k++)
            {
                var next = data[at + (w * (k + 1))];
                var current = data[at + (w * k)];
                if (shape.Negative != 0)
                {
                    var top = Math.Min(first, next);
                    running = Math.Max(running, current);
                    if (top - running >= shape.LowRms)
                    {
                        reference = top;
                        depth = k;
                    }
                }
                else
                {
                    var bottom = Math.Max(first, next);
                    running = Math.Min(running, current);
                    if (running - bottom >= shape.LowRms)
                    {
                        reference = bottom;
                        depth = k;
                    }
                }
            }

            if (depth >= r - i)
            {
                var value = data[(r * w) + x];
                best = Math.Max(best, (shape.Negative != 0 ? reference - value : value - reference) * shape.InverseRms);
            }
        }

        strength[(r * w) + x] = best;
    }

    internal static void ThresholdKernel(Index1D row, ArrayView<float> strength, ArrayView<int> marks, ScarShape shape)
    {
        var start = row * shape.Width;
        var x = 0;
        while (x < shape.Width)
        {
            if (strength[start + x] < shape.Low)
            {
                x++;
                continue;
            }

            var first = x;
            var strong = false;
            while (x < shape.Width && strength[start + x] >= shape.Low)
            {
                strong |= strength[start + x] >= shape.High;
                x++;
            }

            if (strong && x - first >= shape.MinLength)
            {
                for (var j = first; j < x; j++)
                {
                    marks[start + j] = 1;
                }
            }
        }
    }

    // Each marked pixel: linear interpolation between the nearest unmarked pixels above and below in its column
    // (the nearer one alone at the frame's edge).
    internal static void FillKernel(Index2D index, ArrayView<float> data, ArrayView<int> marks, ArrayView<float> output, int width, int height)
    {
        var (x, y) = (index.X, index.Y);
        var at = (y * width) + x;
        if (marks[at] == 0)
        {
            output[at] = data[at];
            return;
        }

        var above = y - 1;
        while (above >= 0 && marks[(above * width) + x] != 0)
        {
            above--;
        }

        var below = y + 1;
        while (below < height && marks[(below * width) + x] != 0)
        {
            below++;
        }

        if (above >= 0 && below < height)
        {
            var t = (double)(y - above) / (below - above);
            output[at] = (float)(((1 - t) * data[(above * width) + x]) + (t * data[(below * width) + x]));
        }
        else
        {
            output[at] = above >= 0 ? data[(above * width) + x] : below < height ? data[(below * width) + x] : data[at];
        }
    }
}
