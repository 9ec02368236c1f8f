using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace AfmEdge.Processing;

/// <summary>How <see cref="RowAlignment"/> estimates each row's offset (Gwyddion's "Align rows" methods).</summary>
public enum RowAlignmentMethod
{
    /// <summary>Row median (gwy_data_field_find_row_shifts_trimmed_mean with trimfrac 0.5).</summary>
    Median,

    /// <summary>Row mean (Gwyddion's "Polynomial" method of degree 0 = trimmed mean with trimfrac 0).</summary>
    Mean,

    /// <summary>Least-squares polynomial of each row (linematch.c, linematch_do_poly).</summary>
    Polynomial,

    /// <summary>Median of differences to the previous row, integrated (gwy_data_field_find_row_shifts_trimmed_diff).</summary>
    MedianOfDifferences,

    /// <summary>Trimmed row mean (gwy_data_field_find_row_shifts_trimmed_mean with the given fraction).</summary>
    TrimmedMean,
}

/// <summary>
/// Removes a per-row offset (or polynomial) so fast-scan lines line up, as Gwyddion's Align Rows module
/// (modules/process/linematch.c with libprocess/correct.c). Like Gwyddion: offsets are zero-levelled (their mean is
/// subtracted, so the frame mean stays), median-of-differences offsets are slope-levelled, rows with fewer than
/// round(ln(width) + 1) unmasked pixels take the whole-frame median, and the polynomial method adds the frame mean back.
/// </summary>
public sealed class RowAlignment : GridOperation
{
    /// <summary>Gwyddion's default trim fraction for "Trimmed mean".</summary>
    public const double DefaultTrimFraction = 0.05;

    public RowAlignment(RowAlignmentMethod method, int degree = 1, double trimFraction = DefaultTrimFraction)
    {
        if (!Enum.IsDefined(method))
        {
            throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown row alignment method.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(degree, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(degree, 3);
        if (!(trimFraction >= 0 && trimFraction <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(trimFraction), trimFraction, "Trim fraction must be in [0, 0.5].");
        }

        Method = method;
        Degree = degree;
        TrimFraction = trimFraction;
    }

    public RowAlignmentMethod Method { get; }

    public int Degree { get; }

    public double TrimFraction { get; }

    public override string Name => Method switch
    {
        RowAlignmentMethod.Median => "align-rows:median",
        RowAlignmentMethod.Mean => "align-rows:mean",
        RowAlignmentMethod.Polynomial => string.Create(CultureInfo.InvariantCulture, $"align-rows:poly:{Degree}"),
        RowAlignmentMethod.MedianOfDifferences => "align-rows:median-diff",
        _ => TrimFraction == DefaultTrimFraction
            ? "align-rows:trimmed"
            : string.Create(CultureInfo.InvariantCulture, $"align-rows:trimmed:{TrimFraction}"),
    };

    public override int MinHeight => 1;

    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        if (Method == RowAlignmentMethod.Polynomial && Degree > 0)
        {
            RowPolynomial(input, output, width, height, exclude, Degree);
            return;
        }

        // Pooled: a run allocates nothing (a new array per channel and frame would be garbage the GC has to map pages for).
        var shiftBuffer = ArrayPool<double>.Shared.Rent(height);
        var scratchBuffer = ArrayPool<float>.Shared.Rent(width);
        var shifts = shiftBuffer.AsSpan(0, height);
        var scratch = scratchBuffer.AsSpan(0, width);
        var trim = Method switch
        {
            RowAlignmentMethod.Median or RowAlignmentMethod.MedianOfDifferences => 0.5,
            RowAlignmentMethod.TrimmedMean => TrimFraction,
            _ => 0.0,
        };
        try
        {
            if (Method == RowAlignmentMethod.MedianOfDifferences)
            {
                DifferenceShifts(input, width, height, exclude, trim, shifts, scratch);
            }
            else
            {
                RowShifts(input, width, height, exclude, trim, shifts, scratch);
            }

            for (var y = 0; y < height; y++)
            {
                Simd.SubtractDouble(input.Slice(y * width, width), shifts[y], output.Slice(y * width, width));
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(shiftBuffer);
            ArrayPool<float>.Shared.Return(scratchBuffer);
        }
    }

    /// <summary>Gwyddion's minimum count of unmasked pixels for a row estimate: GWY_ROUND(log(xres) + 1).</summary>
    internal static int MinCount(int width) => (int)Math.Floor(Math.Log(width) + 1 + 0.5);

    /// <summary>Trimmed mean of the values (reordered), or their rank-n/2 median when trimming leaves ≤ 1 value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double TrimmedMeanOrMedian(Span<float> values, double fraction)
    {
        var n = values.Length;
        var trimmed = (int)Math.Floor((fraction * n) + 0.5);
        if ((2 * trimmed) + 1 >= n)
        {
            return Selection.Median(values);
        }

        if (trimmed == 0)
        {
            return Simd.Sum(values) / n;
        }

        if (Selection.TryTrimmedSum(values, trimmed, out var kept))
        {
            return kept / (n - (2 * trimmed));
        }

        // Mean of ranks [t, n−t): the two boundary values by selection, then one pass, counting ties at the
        // boundaries only as far as they fall inside the kept ranks (same result as sorting, without the sort).
        var low = Selection.Kth(values, trimmed);
        var high = Selection.Kth(values, n - trimmed - 1);
        if (low == high)
        {
            return low;
        }

        double sum = 0;
        int below = 0, atOrBelowLow = 0;
        foreach (var v in values)
        {
            if (v < high)
            {
                below++;
            }

            if (v <= low)
            {
                atOrBelowLow++;
            }
            else if (v < high)
            {
                sum += v;
            }
        }

        sum += ((double)low * (atOrBelowLow - trimmed)) + ((double)high * (n - trimmed - below));
        return sum / (n - (2 * trimmed));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowShifts(ReadOnlySpan<float> input, int width, int height, ReadOnlySpan<byte> exclude, double trim, Span<double> shifts, Span<float> scratch)
    {
        var minCount = MinCount(width);
        double? totalMedian = null;
        for (var y = 0; y < height; y++)
        {
            var row = input.Slice(y * width, width);
            var count = Gather(row, exclude.IsEmpty ? default : exclude.Slice(y * width, width), scratch);
            if (!exclude.IsEmpty && count < minCount)
            {
                totalMedian ??= MaskedMedian(input, exclude);
                shifts[y] = totalMedian.Value;
                continue;
            }

            shifts[y] = TrimmedMeanOrMedian(scratch[..count], trim);
        }

        // Summed in order, as Enumerable.Average does for doubles.
        var total = 0.0;
        foreach (var shift in shifts)
        {
            total += shift;
        }

        var mean = total / height;
        for (var y = 0; y < height; y++)
        {
            shifts[y] -= mean;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DifferenceShifts(ReadOnlySpan<float> input, int width, int height, ReadOnlySpan<byte> exclude, double trim, Span<double> shifts, Span<float> scratch)
    {
        var minCount = MinCount(width);
        for (var y = 0; y + 1 < height; y++)
        {
            var upper = input.Slice(y * width, width);
            var lower = input.Slice((y + 1) * width, width);
            var count = 0;
            for (var x = 0; x < width; x++)
            {
                if (!exclude.IsEmpty && (exclude[(y * width) + x] != 0 || exclude[((y + 1) * width) + x] != 0))
                {
                    continue;
                }

                scratch[count++] = lower[x] - upper[x];
            }

            shifts[y + 1] = count >= minCount ? TrimmedMeanOrMedian(scratch[..count], trim) : 0.0;
        }

        IntegrateAndSlopeLevel(shifts);
    }

    /// <summary>
    /// Turns row-to-row differences (shifts[y]: row y against row y − 1; shifts[0] is not read) into row offsets and
    /// subtracts the least-squares line through them, as Gwyddion's slope_level_row_shifts does. Shared with the
    /// ILGPU kernels, whose differences come from the device.
    /// </summary>
    internal static void IntegrateAndSlopeLevel(Span<double> shifts)
    {
        var height = shifts.Length;
        shifts[0] = 0;
        for (var y = 1; y < height; y++)
        {
            shifts[y] += shifts[y - 1];
        }

        var c = (height - 1) / 2.0;
        double sum = 0, sumXZ = 0, sumXX = 0;
        for (var y = 0; y < height; y++)
        {
            sum += shifts[y];
            sumXZ += (y - c) * shifts[y];
            sumXX += (y - c) * (y - c);
        }

        var a = sum / height;
        var b = sumXX > 0 ? sumXZ / sumXX : 0.0;
        for (var y = 0; y < height; y++)
        {
            shifts[y] -= a + (b * (y - c));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowPolynomial(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude, int degree)
    {
        var terms = degree + 1;
        var powers = (2 * degree) + 1;
        var ramps = new double[powers * width];
        var c = (width - 1) / 2.0;
        var scale = width > 1 ? c : 1.0;
        for (var x = 0; x < width; x++)
        {
            var p = 1.0;
            for (var k = 0; k < powers; k++)
            {
                ramps[(k * width) + x] = p;
                p *= (x - c) / scale;
            }
        }

        // Gwyddion subtracts each row's fit and adds back the frame average (over all pixels, mask or not).
        var average = Simd.Sum(input) / input.Length;
        Span<double> full = stackalloc double[powers];
        for (var k = 0; k < powers; k++)
        {
            var s = 0.0;
            foreach (var v in ramps.AsSpan(k * width, width))
            {
                s += v;
            }

            full[k] = s;
        }

        Span<double> moments = stackalloc double[powers];
        Span<double> rhs = stackalloc double[terms];
        var matrix = new double[terms * terms];
        var solution = new double[terms];
        for (var y = 0; y < height; y++)
        {
            var row = input.Slice(y * width, width);
            rhs.Clear();
            double count;
            if (exclude.IsEmpty)
            {
                full.CopyTo(moments);
                Simd.AccumulateMoments(row, ramps, width, terms, rhs);
                count = width;
            }
            else
            {
                moments.Clear();
                var m = exclude.Slice(y * width, width);
                for (var x = 0; x < width; x++)
                {
                    if (m[x] != 0)
                    {
                        continue;
                    }

                    for (var k = 0; k < powers; k++)
                    {
                        var r = ramps[(k * width) + x];
                        moments[k] += r;
                        if (k < terms)
                        {
                            rhs[k] += r * row[x];
                        }
                    }
                }

                count = moments[0];
            }

            for (var i = 0; i < terms; i++)
            {
                solution[i] = rhs[i];
                for (var j = 0; j < terms; j++)
                {
                    matrix[(i * terms) + j] = moments[i + j];
                }
            }

            if (!(count > degree) || !LinearAlgebra.TrySolveSymmetric(matrix, solution, terms))
            {
                Array.Clear(solution);
            }

            solution[0] -= average;
            Simd.SubtractPolynomial(row, ramps, solution, output.Slice(y * width, width));
        }
    }

    private static int Gather(ReadOnlySpan<float> row, ReadOnlySpan<byte> exclude, Span<float> scratch)
    {
        if (exclude.IsEmpty)
        {
            row.CopyTo(scratch);
            return row.Length;
        }

        var count = 0;
        for (var x = 0; x < row.Length; x++)
        {
            if (exclude[x] == 0)
            {
                scratch[count++] = row[x];
            }
        }

        return count;
    }

    private static double MaskedMedian(ReadOnlySpan<float> input, ReadOnlySpan<byte> exclude)
    {
        var values = new float[input.Length];
        var count = Gather(input, exclude, values);
        return count == 0 ? 0.0 : Selection.Median(values.AsSpan(0, count));
    }
}
