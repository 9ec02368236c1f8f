using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>Settings of the trace/retrace displacement estimate (<see cref="TraceRetraceDisplacement"/>).</summary>
public sealed record DisplacementOptions
{
    /// <summary>
    /// Degree of the polynomial in x fitted to the windows' displacements (0–3). 2 fits piezo hysteresis (a parabola
    /// across the line, zero at the ends) plus a constant signal lag exactly.
    /// </summary>
    public int Degree { get; init; } = 2;

    /// <summary>Columns per window, 8–1024; 0 picks width/8 within [16, 128]. Windows overlap by half.</summary>
    public int WindowWidth { get; init; }

    /// <summary>Largest displacement searched, pixels (1–256; at most a quarter of the width is used).</summary>
    public int MaxShift { get; init; } = 16;

    /// <summary>A window whose normalised correlation peak is below this is not used (0–1): windows of noise only reach a few hundredths.</summary>
    public double MinConfidence { get; init; } = 0.3;

    public void Validate()
    {
        if (Degree is < 0 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(Degree), Degree, "Polynomial degree must be 0 to 3.");
        }

        if (WindowWidth != 0 && WindowWidth is < 8 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(WindowWidth), WindowWidth, "Window width must be 0 (automatic) or 8 to 1024 columns.");
        }

        if (MaxShift is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxShift), MaxShift, "Maximum shift must be 1 to 256 pixels.");
        }

        if (!(MinConfidence >= 0 && MinConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinConfidence), MinConfidence, "Minimum confidence must be in [0, 1].");
        }
    }
}

/// <summary>
/// The displacement D(x) of retrace against trace along the fast axis, pixels, as a function of the column: retrace
/// row y ≈ trace row y moved D(x) pixels to the right near column x (the sense of <see cref="RegistrationShift.Dx"/>
/// and <see cref="LineLags"/>). D is a polynomial in u = (x − (width − 1)/2) / width (u from −½ to ½), fitted to the
/// displacements measured in overlapping column windows; <see cref="Used"/> marks the windows that passed the
/// confidence and outlier tests.
/// </summary>
public sealed class FastAxisDisplacement
{
    internal FastAxisDisplacement(int width, double[] coefficients, double[] centres, double[] shifts, double[] confidence, bool[] used, double rms)
    {
        Width = width;
        Coefficients = coefficients;
        WindowCentres = centres;
        WindowShifts = shifts;
        WindowConfidence = confidence;
        Used = used;
        ResidualRms = rms;
    }

    public int Width { get; }

    /// <summary>Polynomial coefficients in u, constant first; empty when nothing could be estimated.</summary>
    public IReadOnlyList<double> Coefficients { get; }

    /// <summary>Each window's centre column (pixel-index coordinates).</summary>
    public IReadOnlyList<double> WindowCentres { get; }

    /// <summary>Each window's own displacement, pixels (NaN where it had nothing to compare).</summary>
    public IReadOnlyList<double> WindowShifts { get; }

    /// <summary>Each window's normalised correlation peak (0–1).</summary>
    public IReadOnlyList<double> WindowConfidence { get; }

    public IReadOnlyList<bool> Used { get; }

    /// <summary>Root mean square of the used windows' residuals from the fit, pixels.</summary>
    public double ResidualRms { get; }

    public int UsedCount => Used.Count(u => u);

    /// <summary>False when no window could be used: D is then zero everywhere and nothing is to be moved.</summary>
    public bool Accepted => Coefficients.Count > 0;

    /// <summary>D at column <paramref name="x"/> (pixel-index coordinates), pixels.</summary>
    public double At(double x)
    {
        var u = (x - (0.5 * (Width - 1))) / Width;
        var value = 0.0;
        for (var k = Coefficients.Count - 1; k >= 0; k--)
        {
            value = (value * u) + Coefficients[k];
        }

        return value;
    }

    public override string ToString()
    {
        if (!Accepted)
        {
            return string.Create(CultureInfo.InvariantCulture, $"refused (no window above the confidence, {Used.Count} windows)");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"retrace−trace {At(0.5 * (Width - 1)):F2} px at the centre, {At(0):F2} / {At(Width - 1):F2} px at the left / right end (degree {Coefficients.Count - 1}, {UsedCount}/{Used.Count} windows, rms {ResidualRms:F2} px)");
    }
}

/// <summary>
/// Measures how the retrace image is displaced against the trace along the fast axis, column by column. Piezo
/// hysteresis moves the trace one way and the retrace the other, most at mid-line and not at all at the ends, and a
/// signal lag (feedback, filters) moves each direction against its motion by lag × tip speed: both are one function of
/// x for the whole frame. Both images are differentiated along x (which removes row offsets and tilt); in overlapping
/// column windows the normalised cross-correlation of the two, summed over every row, is searched over integer shifts
/// and its peak refined by a parabola; a polynomial is fitted to the windows (weighted by their peaks, outliers beyond
/// three robust deviations dropped); the retrace is then warped by that fit and the small residual measured and fitted
/// again, so the parabola's sub-pixel bias, largest half-way between integers, is gone from the result.
/// </summary>
public static class TraceRetraceDisplacement
{
    public static FastAxisDisplacement Estimate(Channel trace, Channel retrace, DisplacementOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(retrace);
        if (trace.Width != retrace.Width || trace.Height != retrace.Height)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Retrace '{retrace.Descriptor.Key}' is {retrace.Width}×{retrace.Height} but trace '{trace.Descriptor.Key}' is {trace.Width}×{trace.Height}; they must share one grid."),
                nameof(retrace));
        }

        return Estimate(trace.Memory, retrace.Memory, trace.Width, trace.Height, options);
    }

    public static FastAxisDisplacement Estimate(ReadOnlyMemory<float> trace, ReadOnlyMemory<float> retrace, int width, int height, DisplacementOptions? options = null) =>
        Estimate(trace, retrace, width, height, options, parallel: true);

    /// <summary>As the public overload; <paramref name="parallel"/> false keeps its warp on the calling thread (a caller running one estimate per core).</summary>
    internal static FastAxisDisplacement Estimate(ReadOnlyMemory<float> trace, ReadOnlyMemory<float> retrace, int width, int height, DisplacementOptions? options, bool parallel)
    {
        options ??= new DisplacementOptions();
        options.Validate();
        Grid.Check(trace.Length, retrace.Length, width, height, minWidth: 16, minHeight: 1);
        var window = options.WindowWidth > 0 ? Math.Min(options.WindowWidth, width - 1) : Math.Clamp(width / 8, 16, 128);
        var step = Math.Max(1, window / 2);
        var reach = Math.Max(1, Math.Min(options.MaxShift, width / 4));
        var windows = new List<(int X0, int X1)>();
        for (var x0 = 0; x0 + window <= width - 1; x0 += step)
        {
            windows.Add((x0, x0 + window));
        }

        var count = windows.Count;
        var centres = windows.Select(w => 0.5 * (w.X0 + w.X1)).ToArray();
        var shifts = new double[count];
        var confidence = new double[count];
        var stride = width - 1;
        var da = ArrayPool<double>.Shared.Rent(stride * height);
        var db = ArrayPool<double>.Shared.Rent(stride * height);
        var warped = ArrayPool<float>.Shared.Rent(width * height);
        var rowBlock = ArrayPool<float>.Shared.Rent(TransposeRows * stride);
        var rows = rowBlock.AsSpan(0, TransposeRows * stride);
        var shift = ArrayPool<double>.Shared.Rent(width);
        var energy = ArrayPool<double>.Shared.Rent(2 * stride);
        var energyA = energy.AsSpan(0, stride);
        var energyB = energy.AsSpan(stride, stride);
        var products = ArrayPool<double>.Shared.Rent(((2 * reach) + 1) * stride);
        // The columns the windows cover (they are in order): only those need column products.
        var (covered0, covered1) = count > 0 ? (windows[0].X0, windows[^1].X1) : (0, 0);
        try
        {
            Differences(trace.Span, da, rows, width, height);
            Differences(retrace.Span, db, rows, width, height);
            ColumnEnergy(da, energyA, stride, height);
            ColumnEnergy(db, energyB, stride, height);
            ColumnProducts(da, db, products, stride, height, covered0, covered1, -reach, (2 * reach) + 1);
            for (var w = 0; w < count; w++)
            {
                (shifts[w], confidence[w]) = Window(products, energyA, energyB, stride, windows[w].X0, windows[w].X1, -reach, (2 * reach) + 1);
            }

            var first = Fit(width, centres, shifts, confidence, options);
            if (!first.Accepted)
            {
                return first;
            }

            // Second pass: the retrace moved onto the trace by the first fit; what is left is small and measured where the parabola is unbiased.
            for (var x = 0; x < width; x++)
            {
                shift[x] = -first.At(x);
            }

            FastAxisWarp.Apply(retrace, warped.AsMemory(0, width * height), width, height, shift.AsSpan(0, width), parallel && (long)width * height >= FastAxisWarp.ParallelPixels);
            Differences(warped.AsSpan(0, width * height), db, rows, width, height);
            ColumnEnergy(db, energyB, stride, height);
            var near = Math.Min(2, reach);
            ColumnProducts(da, db, products, stride, height, covered0, covered1, -near, (2 * near) + 1);
            for (var w = 0; w < count; w++)
            {
                var (residual, peak) = Window(products, energyA, energyB, stride, windows[w].X0, windows[w].X1, -near, (2 * near) + 1);
                shifts[w] = first.At(centres[w]) + residual;
                confidence[w] = peak;
            }

            var second = Fit(width, centres, shifts, confidence, options);
            return second.Accepted ? second : first;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(da);
            ArrayPool<double>.Shared.Return(db);
            ArrayPool<float>.Shared.Return(warped);
            ArrayPool<float>.Shared.Return(rowBlock);
            ArrayPool<double>.Shared.Return(shift);
            ArrayPool<double>.Shared.Return(energy);
            ArrayPool<double>.Shared.Return(products);
        }
    }

    /// <summary>Rows whose differences are turned into columns together: a column's part of them is one cache line of doubles.</summary>
    private const int TransposeRows = 8;

    // d(x, y) = v(x + 1, y) − v(x, y); a step that touches a NaN/Inf counts as flat. Stored column by column
    // (d(x, y) at x · height + y) and in double: every sum the search takes runs down a column, and a product of two
    // floats is exact in double. A few rows at a time, so each column gets a whole line written at once: one row's
    // values scattered down the columns (a power-of-two apart) would evict each other from the cache.
    private static void Differences(ReadOnlySpan<float> values, double[] columns, Span<float> rows, int width, int height)
    {
        var stride = width - 1;
        for (var y0 = 0; y0 < height; y0 += TransposeRows)
        {
            var count = Math.Min(TransposeRows, height - y0);
            for (var j = 0; j < count; j++)
            {
                var line = values.Slice((y0 + j) * width, width);
                var row = rows.Slice(j * stride, stride);
                TensorPrimitives.Subtract(line[1..], line[..^1], row);
                if (!TensorPrimitives.IsFiniteAll<float>(row))
                {
                    for (var x = 0; x < stride; x++)
                    {
                        row[x] = float.IsFinite(row[x]) ? row[x] : 0;
                    }
                }
            }

            for (var x = 0; x < stride; x++)
            {
                var column = columns.AsSpan((x * height) + y0, count);
                for (var j = 0; j < column.Length; j++)
                {
                    column[j] = rows[(j * stride) + x];
                }
            }
        }
    }

    // energy[x] = Σ_y d(x, y)²: a window's energy is a sum of these.
    internal static void ColumnEnergy(double[] columns, Span<double> energy, int stride, int height)
    {
        for (var x = 0; x < stride; x++)
        {
            energy[x] = TensorPrimitives.SumOfSquares(columns.AsSpan(x * height, height));
        }
    }

    /// <summary>
    /// products[k · stride + x] = Σ_y a(x, y) · b(x + s, y) for the shifts s = firstShift + k (k &lt; shifts), over the
    /// columns x of [x0, x1) where x + s is a column too; other entries are left as they were. a and b are difference
    /// images stored column by column (<see cref="Differences"/>), so each is one dot product of two columns. Every
    /// window of every shift is a sum of these, so overlapping windows share their columns' work, and a product runs
    /// over whole columns instead of a short dot product per row, window and shift (whose call cost more than its
    /// multiplications). Consecutive columns x compare mostly the same columns of b, which stay in the cache.
    /// </summary>
    internal static void ColumnProducts(double[] a, double[] b, Span<double> products, int stride, int height, int x0, int x1, int firstShift, int shifts)
    {
        for (var x = x0; x < x1; x++)
        {
            var column = a.AsSpan(x * height, height);
            for (var k = Math.Max(0, -x - firstShift); k < shifts && x + firstShift + k < stride; k++)
            {
                products[(k * stride) + x] = Dot(column, b.AsSpan((x + firstShift + k) * height, height));
            }
        }
    }

    // Σ a·b over four independent vector sums: TensorPrimitives.Dot adds into one, and waits on each add in turn.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        var lanes = Vector<double>.Count;
        var i = 0;
        var sum = 0.0;
        if (Vector.IsHardwareAccelerated && a.Length >= 4 * lanes)
        {
            Vector<double> sum0 = Vector<double>.Zero, sum1 = Vector<double>.Zero, sum2 = Vector<double>.Zero, sum3 = Vector<double>.Zero;
            for (; i <= a.Length - (4 * lanes); i += 4 * lanes)
            {
                sum0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)i), Vector.LoadUnsafe(ref rb, (nuint)i), sum0);
                sum1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)(i + lanes)), Vector.LoadUnsafe(ref rb, (nuint)(i + lanes)), sum1);
                sum2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)(i + (2 * lanes))), Vector.LoadUnsafe(ref rb, (nuint)(i + (2 * lanes))), sum2);
                sum3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)(i + (3 * lanes))), Vector.LoadUnsafe(ref rb, (nuint)(i + (3 * lanes))), sum3);
            }

            sum = Vector.Sum((sum0 + sum1) + (sum2 + sum3));
        }

        for (; i < a.Length; i++)
        {
            sum += Unsafe.Add(ref ra, i) * Unsafe.Add(ref rb, i);
        }

        return sum;
    }

    /// <summary>
    /// The displacement of b against a in columns [x0, x1) of the difference images: normalised correlation over the
    /// shifts of <paramref name="products"/> (<see cref="ColumnProducts"/> over at least these columns), peak refined by a parabola.
    /// </summary>
    internal static (double Shift, double Confidence) Window(ReadOnlySpan<double> products, ReadOnlySpan<double> energyA, ReadOnlySpan<double> energyB, int stride, int x0, int x1, int firstShift, int shifts)
    {
        Span<double> correlation = stackalloc double[shifts];
        var best = -1;
        for (var k = 0; k < shifts; k++)
        {
            var s = firstShift + k;
            var lo = Math.Max(x0, -s);
            var length = Math.Min(x1, stride - s) - lo;
            correlation[k] = double.NaN;
            if (length < 4)
            {
                continue;
            }

            // The products and energies are sums of the compared columns' own.
            var ab = TensorPrimitives.Sum(products.Slice((k * stride) + lo, length));
            var aa = TensorPrimitives.Sum(energyA.Slice(lo, length));
            var bb = TensorPrimitives.Sum(energyB.Slice(lo + s, length));
            if (aa > 0 && bb > 0)
            {
                correlation[k] = ab / Math.Sqrt(aa * bb);
                if (best < 0 || correlation[k] > correlation[best])
                {
                    best = k;
                }
            }
        }

        return Peak(correlation, best, firstShift);
    }

    /// <summary>The shift of correlation[best] (correlation[0] is that of <paramref name="firstShift"/>) refined by a parabola through its neighbours, and its peak; NaN when best &lt; 0.</summary>
    internal static (double Shift, double Confidence) Peak(ReadOnlySpan<double> correlation, int best, int firstShift)
    {
        if (best < 0)
        {
            return (double.NaN, 0);
        }

        var peak = correlation[best];
        var fraction = 0.0;
        if (best > 0 && best < correlation.Length - 1 && double.IsFinite(correlation[best - 1]) && double.IsFinite(correlation[best + 1]))
        {
            var curvature = correlation[best - 1] - (2 * peak) + correlation[best + 1];
            fraction = curvature < 0 ? Math.Clamp(0.5 * (correlation[best - 1] - correlation[best + 1]) / curvature, -0.5, 0.5) : 0;
        }

        return (firstShift + best + fraction, Math.Max(0, peak));
    }

    /// <summary>Weighted polynomial fit of the windows above the confidence, outliers beyond three robust deviations refitted without.</summary>
    private static FastAxisDisplacement Fit(int width, double[] centres, double[] shifts, double[] confidence, DisplacementOptions options)
    {
        var count = centres.Length;
        var used = new bool[count];
        for (var w = 0; w < count; w++)
        {
            used[w] = double.IsFinite(shifts[w]) && confidence[w] >= options.MinConfidence;
        }

        var u = centres.Select(c => (c - (0.5 * (width - 1))) / width).ToArray();
        var coefficients = Solve(u, shifts, confidence, used, options.Degree);
        if (coefficients.Length == 0)
        {
            return new FastAxisDisplacement(width, [], centres, (double[])shifts.Clone(), (double[])confidence.Clone(), used, double.NaN);
        }

        var residuals = new List<double>();
        for (var w = 0; w < count; w++)
        {
            if (used[w])
            {
                residuals.Add(Math.Abs(shifts[w] - Polynomial(coefficients, u[w])));
            }
        }

        residuals.Sort();
        var tolerance = Math.Max(0.25, 3 * 1.4826 * residuals[residuals.Count / 2]);
        var dropped = false;
        for (var w = 0; w < count; w++)
        {
            if (used[w] && Math.Abs(shifts[w] - Polynomial(coefficients, u[w])) > tolerance)
            {
                used[w] = false;
                dropped = true;
            }
        }

        if (dropped)
        {
            coefficients = Solve(u, shifts, confidence, used, options.Degree);
        }

        double sum = 0, weight = 0;
        for (var w = 0; w < count; w++)
        {
            if (used[w])
            {
                var r = shifts[w] - Polynomial(coefficients, u[w]);
                sum += r * r;
                weight++;
            }
        }

        return new FastAxisDisplacement(width, coefficients, centres, (double[])shifts.Clone(), (double[])confidence.Clone(), used, Math.Sqrt(sum / Math.Max(1, weight)));
    }

    private static double Polynomial(double[] coefficients, double u)
    {
        var value = 0.0;
        for (var k = coefficients.Length - 1; k >= 0; k--)
        {
            value = (value * u) + coefficients[k];
        }

        return value;
    }

    // Weighted least squares by the normal equations (at most 4 unknowns), the degree lowered to what the used windows can determine.
    private static double[] Solve(double[] u, double[] shifts, double[] weights, bool[] used, int degree)
    {
        var n = used.Count(x => x);
        if (n == 0)
        {
            return [];
        }

        var terms = Math.Min(degree, n - 1) + 1;
        var a = new double[terms, terms + 1];
        for (var w = 0; w < u.Length; w++)
        {
            if (!used[w])
            {
                continue;
            }

            for (var r = 0; r < terms; r++)
            {
                var fr = Math.Pow(u[w], r);
                for (var c = 0; c < terms; c++)
                {
                    a[r, c] += weights[w] * fr * Math.Pow(u[w], c);
                }

                a[r, terms] += weights[w] * fr * shifts[w];
            }
        }

        // Gauss–Jordan with partial pivoting; a singular system (windows bunched together) falls back to a lower degree.
        for (var col = 0; col < terms; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < terms; r++)
            {
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(a[pivot, col]) < 1e-12)
            {
                return terms > 1 ? Solve(u, shifts, weights, used, terms - 2) : [];
            }

            for (var c = 0; c <= terms; c++)
            {
                (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
            }

            for (var r = 0; r < terms; r++)
            {
                if (r != col)
                {
                    var factor = a[r, col] / a[col, col];
                    for (var c = col; c <= terms; c++)
                    {
                        a[r, c] -= factor * a[col, c];
                    }
                }
            }
        }

        var result = new double[terms];
        for (var r = 0; r < terms; r++)
        {
            result[r] = a[r, terms] / a[r, r];
        }

        return result;
    }
}
