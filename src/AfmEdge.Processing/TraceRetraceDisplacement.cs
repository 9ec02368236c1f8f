using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
        // The retrace's differences padded by the reach, so every shift of a column block stays inside its rows.
        var da = ArrayPool<double>.Shared.Rent(stride * height);
        var db = ArrayPool<double>.Shared.Rent((stride + (2 * reach)) * height);
        var warped = ArrayPool<float>.Shared.Rent(width * height);
        var shift = ArrayPool<double>.Shared.Rent(width);
        var energy = ArrayPool<double>.Shared.Rent(2 * stride);
        var energyA = energy.AsSpan(0, stride);
        var energyB = energy.AsSpan(stride, stride);
        var products = ArrayPool<double>.Shared.Rent(((2 * reach) + 1) * stride);
        // The columns the windows cover (they are in order): only those need column products.
        var (covered0, covered1) = count > 0 ? (windows[0].X0, windows[^1].X1) : (0, 0);
        try
        {
            Differences(trace.Span, da, energyA, width, height, pad: 0);
            Differences(retrace.Span, db, energyB, width, height, reach);
            ColumnProducts(da, db, products, stride, height, reach, covered0, covered1, -reach, (2 * reach) + 1);
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
            Differences(warped.AsSpan(0, width * height), db, energyB, width, height, reach);
            var near = Math.Min(2, reach);
            ColumnProducts(da, db, products, stride, height, reach, covered0, covered1, -near, (2 * near) + 1);
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
            ArrayPool<double>.Shared.Return(shift);
            ArrayPool<double>.Shared.Return(energy);
            ArrayPool<double>.Shared.Return(products);
        }
    }

    /// <summary>Rows summed into the column products together: their parts of both images stay in the first-level cache for every shift.</summary>
    private const int Band = 32;

    /// <summary>
    /// d(x, y) = v(x + 1, y) − v(x, y) at y · (width − 1 + 2 · pad) + pad + x of <paramref name="output"/>, with pad
    /// zeros either side of each row (a shift reaching past the image then multiplies zeros), and each column's energy
    /// Σ_y d(x, y)², rows ascending (a window's energy is a sum of these); a step that touches a NaN/Inf counts as flat.
    /// In double: a product of two floats is exact there, and the search's loads need no conversion. One pass per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Differences(ReadOnlySpan<float> values, double[] output, Span<double> energy, int width, int height, int pad)
    {
        var stride = width - 1;
        var lanes = Vector<float>.Count;
        var half = Vector<double>.Count;
        ref var e = ref MemoryMarshal.GetReference(energy);
        energy[..stride].Clear();
        for (var y = 0; y < height; y++)
        {
            ref var v = ref MemoryMarshal.GetReference(values.Slice(y * width, width));
            var target = output.AsSpan(y * (stride + (2 * pad)), stride + (2 * pad));
            target[..pad].Clear();
            target[(pad + stride)..].Clear();
            ref var d = ref MemoryMarshal.GetReference(target[pad..]);
            var x = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; x <= stride - lanes; x += lanes)
                {
                    var step = Vector.LoadUnsafe(ref v, (nuint)(x + 1)) - Vector.LoadUnsafe(ref v, (nuint)x);

                    // step − step is 0 exactly when the step is finite.
                    step = Vector.ConditionalSelect(Vector.Equals(step - step, Vector<float>.Zero), step, Vector<float>.Zero);
                    Vector.Widen(step, out var low, out var high);
                    low.StoreUnsafe(ref d, (nuint)x);
                    high.StoreUnsafe(ref d, (nuint)(x + half));
                    (Vector.LoadUnsafe(ref e, (nuint)x) + (low * low)).StoreUnsafe(ref e, (nuint)x);
                    (Vector.LoadUnsafe(ref e, (nuint)(x + half)) + (high * high)).StoreUnsafe(ref e, (nuint)(x + half));
                }
            }

            for (; x < stride; x++)
            {
                var step = Unsafe.Add(ref v, x + 1) - Unsafe.Add(ref v, x);
                double value = float.IsFinite(step) ? step : 0;
                Unsafe.Add(ref d, x) = value;
                Unsafe.Add(ref e, x) += value * value;
            }
        }
    }

    /// <summary>
    /// products[k · stride + x] = Σ_y a(x, y) · b(x + s, y) for the shifts s = firstShift + k (k &lt; shifts) and the
    /// columns x of [x0, x1); a and b as <see cref="Differences"/> makes them, b with pad ≥ |s| zeros either side of each
    /// row (a column past the image adds nothing). Every window of every shift is a sum of these, so overlapping windows
    /// share their columns' work, and the rows run through registers instead of a short dot product per row, window and
    /// shift (whose call cost more than its multiplications). Blocks of columns go through a band of rows for every
    /// shift while those rows are in the first-level cache. Each column adds its rows in order (the products of floats
    /// are exact in double), so a vector lane and the row-by-row tail give the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ColumnProducts(double[] a, double[] b, Span<double> products, int stride, int height, int pad, int x0, int x1, int firstShift, int shifts)
    {
        if (firstShift < -pad || firstShift + shifts - 1 > pad)
        {
            throw new ArgumentOutOfRangeException(nameof(pad), pad, "The rows of b must be padded by at least the largest shift.");
        }

        var strideB = stride + (2 * pad);
        var lanes = Vector<double>.Count;
        var block = 4 * lanes;
        ref var ra = ref MemoryMarshal.GetArrayDataReference(a);
        ref var rb = ref MemoryMarshal.GetArrayDataReference(b);
        ref var rp = ref MemoryMarshal.GetReference(products);
        for (var k = 0; k < shifts; k++)
        {
            products.Slice((k * stride) + x0, x1 - x0).Clear();
        }

        for (var y0 = 0; y0 < height; y0 += Band)
        {
            var y1 = Math.Min(height, y0 + Band);
            var x = Avx512F.VL.IsSupported ? ColumnProductsFourShifts(ref ra, ref rb, ref rp, stride, strideB, pad, y0, y1, x0, x1, firstShift, shifts) : x0;
            for (; Vector.IsHardwareAccelerated && x <= x1 - block; x += block)
            {
                // Two shifts at a time share each load of a; an odd last shift is summed twice and stored twice, alike.
                for (var k = 0; k < shifts; k += 2)
                {
                    var next = Math.Min(k + 1, shifts - 1);
                    ref var sums = ref Unsafe.Add(ref rp, (k * stride) + x);
                    ref var sumsNext = ref Unsafe.Add(ref rp, (next * stride) + x);
                    var (sum0, sum1, sum2, sum3) = (Vector.LoadUnsafe(ref sums), Vector.LoadUnsafe(ref sums, (nuint)lanes), Vector.LoadUnsafe(ref sums, (nuint)(2 * lanes)), Vector.LoadUnsafe(ref sums, (nuint)(3 * lanes)));
                    var (next0, next1, next2, next3) = (Vector.LoadUnsafe(ref sumsNext), Vector.LoadUnsafe(ref sumsNext, (nuint)lanes), Vector.LoadUnsafe(ref sumsNext, (nuint)(2 * lanes)), Vector.LoadUnsafe(ref sumsNext, (nuint)(3 * lanes)));
                    ref var pa = ref Unsafe.Add(ref ra, (y0 * stride) + x);
                    ref var pb = ref Unsafe.Add(ref rb, (y0 * strideB) + pad + x + firstShift + k);
                    var nextOffset = (nuint)(next - k);
                    for (var y = y0; y < y1; y++)
                    {
                        var (a0, a1, a2, a3) = (Vector.LoadUnsafe(ref pa), Vector.LoadUnsafe(ref pa, (nuint)lanes), Vector.LoadUnsafe(ref pa, (nuint)(2 * lanes)), Vector.LoadUnsafe(ref pa, (nuint)(3 * lanes)));
                        sum0 = Vector.FusedMultiplyAdd(a0, Vector.LoadUnsafe(ref pb), sum0);
                        sum1 = Vector.FusedMultiplyAdd(a1, Vector.LoadUnsafe(ref pb, (nuint)lanes), sum1);
                        sum2 = Vector.FusedMultiplyAdd(a2, Vector.LoadUnsafe(ref pb, (nuint)(2 * lanes)), sum2);
                        sum3 = Vector.FusedMultiplyAdd(a3, Vector.LoadUnsafe(ref pb, (nuint)(3 * lanes)), sum3);
                        next0 = Vector.FusedMultiplyAdd(a0, Vector.LoadUnsafe(ref pb, nextOffset), next0);
                        next1 = Vector.FusedMultiplyAdd(a1, Vector.LoadUnsafe(ref pb, nextOffset + (nuint)lanes), next1);
                        next2 = Vector.FusedMultiplyAdd(a2, Vector.LoadUnsafe(ref pb, nextOffset + (nuint)(2 * lanes)), next2);
                        next3 = Vector.FusedMultiplyAdd(a3, Vector.LoadUnsafe(ref pb, nextOffset + (nuint)(3 * lanes)), next3);
                        pa = ref Unsafe.Add(ref pa, stride);
                        pb = ref Unsafe.Add(ref pb, strideB);
                    }

                    sum0.StoreUnsafe(ref sums);
                    sum1.StoreUnsafe(ref sums, (nuint)lanes);
                    sum2.StoreUnsafe(ref sums, (nuint)(2 * lanes));
                    sum3.StoreUnsafe(ref sums, (nuint)(3 * lanes));
                    next0.StoreUnsafe(ref sumsNext);
                    next1.StoreUnsafe(ref sumsNext, (nuint)lanes);
                    next2.StoreUnsafe(ref sumsNext, (nuint)(2 * lanes));
                    next3.StoreUnsafe(ref sumsNext, (nuint)(3 * lanes));
                }
            }

            // The columns left (less than a block): row by row, so their sums do not wait on each other.
            for (var k = 0; k < shifts && x < x1; k++)
            {
                for (var y = y0; y < y1; y++)
                {
                    for (var c = x; c < x1; c++)
                    {
                        Unsafe.Add(ref rp, (k * stride) + c) += Unsafe.Add(ref ra, (y * stride) + c) * Unsafe.Add(ref rb, (y * strideB) + pad + c + firstShift + k);
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="ColumnProducts"/>' blocks of 16 columns for the rows [y0, y1), four shifts sharing each load of a
    /// where the loop below shares it between two (the last group repeats the last shift where fewer are left, stored
    /// alike): 20 loads per 16 multiply-adds instead of 24 per 16, which the loop was bound by. Its 16 sums and 4 values of
    /// a need the 32 vector registers of AVX-512 (ymm16 on), so it runs only there. Returns the first column it left.
    /// Each column adds its rows in order as below, so the sums are the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ColumnProductsFourShifts(ref double ra, ref double rb, ref double rp, int stride, int strideB, int pad, int y0, int y1, int x0, int x1, int firstShift, int shifts)
    {
        const int Lanes = 4;
        const int Block = 4 * Lanes;
        var x = x0;
        for (; x <= x1 - Block; x += Block)
        {
            for (var k = 0; k < shifts; k += 4)
            {
                var (k1, k2, k3) = (Math.Min(k + 1, shifts - 1), Math.Min(k + 2, shifts - 1), Math.Min(k + 3, shifts - 1));
                ref var sums0 = ref Unsafe.Add(ref rp, (k * stride) + x);
                ref var sums1 = ref Unsafe.Add(ref rp, (k1 * stride) + x);
                ref var sums2 = ref Unsafe.Add(ref rp, (k2 * stride) + x);
                ref var sums3 = ref Unsafe.Add(ref rp, (k3 * stride) + x);
                var (p00, p01, p02, p03) = (Vector256.LoadUnsafe(ref sums0), Vector256.LoadUnsafe(ref sums0, Lanes), Vector256.LoadUnsafe(ref sums0, 2 * Lanes), Vector256.LoadUnsafe(ref sums0, 3 * Lanes));
                var (p10, p11, p12, p13) = (Vector256.LoadUnsafe(ref sums1), Vector256.LoadUnsafe(ref sums1, Lanes), Vector256.LoadUnsafe(ref sums1, 2 * Lanes), Vector256.LoadUnsafe(ref sums1, 3 * Lanes));
                var (p20, p21, p22, p23) = (Vector256.LoadUnsafe(ref sums2), Vector256.LoadUnsafe(ref sums2, Lanes), Vector256.LoadUnsafe(ref sums2, 2 * Lanes), Vector256.LoadUnsafe(ref sums2, 3 * Lanes));
                var (p30, p31, p32, p33) = (Vector256.LoadUnsafe(ref sums3), Vector256.LoadUnsafe(ref sums3, Lanes), Vector256.LoadUnsafe(ref sums3, 2 * Lanes), Vector256.LoadUnsafe(ref sums3, 3 * Lanes));
                ref var pa = ref Unsafe.Add(ref ra, (y0 * stride) + x);
                ref var pb = ref Unsafe.Add(ref rb, (y0 * strideB) + pad + x + firstShift + k);
                var (o1, o2, o3) = ((nuint)(k1 - k), (nuint)(k2 - k), (nuint)(k3 - k));
                for (var y = y0; y < y1; y++)
                {
                    var (a0, a1, a2, a3) = (Vector256.LoadUnsafe(ref pa), Vector256.LoadUnsafe(ref pa, Lanes), Vector256.LoadUnsafe(ref pa, 2 * Lanes), Vector256.LoadUnsafe(ref pa, 3 * Lanes));
                    p00 = Fma.MultiplyAdd(a0, Vector256.LoadUnsafe(ref pb), p00);
                    p01 = Fma.MultiplyAdd(a1, Vector256.LoadUnsafe(ref pb, Lanes), p01);
                    p02 = Fma.MultiplyAdd(a2, Vector256.LoadUnsafe(ref pb, 2 * Lanes), p02);
                    p03 = Fma.MultiplyAdd(a3, Vector256.LoadUnsafe(ref pb, 3 * Lanes), p03);
                    p10 = Fma.MultiplyAdd(a0, Vector256.LoadUnsafe(ref pb, o1), p10);
                    p11 = Fma.MultiplyAdd(a1, Vector256.LoadUnsafe(ref pb, o1 + Lanes), p11);
                    p12 = Fma.MultiplyAdd(a2, Vector256.LoadUnsafe(ref pb, o1 + (2 * Lanes)), p12);
                    p13 = Fma.MultiplyAdd(a3, Vector256.LoadUnsafe(ref pb, o1 + (3 * Lanes)), p13);
                    p20 = Fma.MultiplyAdd(a0, Vector256.LoadUnsafe(ref pb, o2), p20);
                    p21 = Fma.MultiplyAdd(a1, Vector256.LoadUnsafe(ref pb, o2 + Lanes), p21);
                    p22 = Fma.MultiplyAdd(a2, Vector256.LoadUnsafe(ref pb, o2 + (2 * Lanes)), p22);
                    p23 = Fma.MultiplyAdd(a3, Vector256.LoadUnsafe(ref pb, o2 + (3 * Lanes)), p23);
                    p30 = Fma.MultiplyAdd(a0, Vector256.LoadUnsafe(ref pb, o3), p30);
                    p31 = Fma.MultiplyAdd(a1, Vector256.LoadUnsafe(ref pb, o3 + Lanes), p31);
                    p32 = Fma.MultiplyAdd(a2, Vector256.LoadUnsafe(ref pb, o3 + (2 * Lanes)), p32);
                    p33 = Fma.MultiplyAdd(a3, Vector256.LoadUnsafe(ref pb, o3 + (3 * Lanes)), p33);
                    pa = ref Unsafe.Add(ref pa, stride);
                    pb = ref Unsafe.Add(ref pb, strideB);
                }

                p00.StoreUnsafe(ref sums0);
                p01.StoreUnsafe(ref sums0, Lanes);
                p02.StoreUnsafe(ref sums0, 2 * Lanes);
                p03.StoreUnsafe(ref sums0, 3 * Lanes);
                p10.StoreUnsafe(ref sums1);
                p11.StoreUnsafe(ref sums1, Lanes);
                p12.StoreUnsafe(ref sums1, 2 * Lanes);
                p13.StoreUnsafe(ref sums1, 3 * Lanes);
                p20.StoreUnsafe(ref sums2);
                p21.StoreUnsafe(ref sums2, Lanes);
                p22.StoreUnsafe(ref sums2, 2 * Lanes);
                p23.StoreUnsafe(ref sums2, 3 * Lanes);
                p30.StoreUnsafe(ref sums3);
                p31.StoreUnsafe(ref sums3, Lanes);
                p32.StoreUnsafe(ref sums3, 2 * Lanes);
                p33.StoreUnsafe(ref sums3, 3 * Lanes);
            }
        }

        return x;
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
