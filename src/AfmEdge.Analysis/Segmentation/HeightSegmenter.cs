using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Segmentation;

/// <summary>
/// Finds chromosomes on a height image (metres):
/// <list type="number">
/// <item>a plane is fitted to the substrate (pixels below Otsu's threshold) and removed, twice, so tilt left by
/// leveling that included the chromosomes does not bias the thresholds;</item>
/// <item>hysteresis: pixels above the low threshold (k·σ of the substrate, at least a floor in nm) form the
/// objects' extent; an object is kept only if it rises above <see cref="AnalysisOptions.MinPeakHeight"/>;</item>
/// <item>a watershed on height, by persistence: basins are flooded from the highest pixel down; two basins
/// merge unless the saddle between them is below <see cref="AnalysisOptions.SplitSaddleRatio"/> of the
/// lower peak (touching chromosomes meet near the substrate, sister chromatids and the constriction do not);</item>
/// <item>each object's outline is drawn where its height falls to <see cref="AnalysisOptions.OutlineFraction"/> of its
/// local crest (<see cref="CrestOutline"/>): a scan's broadened flanks stay outside;</item>
/// <item>size and shape filters (area, width from the distance transform) reject debris.</item>
/// </list>
/// </summary>
public static class HeightSegmenter
{
    internal const int HistogramBins = 1024;
    internal const int Partials = 8;

    // The partial histograms lie this many counters apart, 64 bytes past 4 KiB: the eight lanes' counters of one bin
    // (the substrate's few bins, over and over) then never share an address's low 12 bits, which the processor takes for
    // a store the next load must wait on (4K aliasing).
    internal const int PartialStride = HistogramBins + 16;

    // Frames from this many pixels take their long passes (plane sums, Otsu's histogram, the substrate's values) in two
    // halves side by side when the options allow: each half is then a few hundred microseconds, well above the handing over.
    private const int ParallelPixels = 1 << 16;

    public static ChromosomeSegmentation Segment(ReadOnlySpan<float> height, int width, int rows, double pixelSizeX, double pixelSizeY, AnalysisOptions options) =>
        Segment(height, width, rows, pixelSizeX, pixelSizeY, options, null);

    internal static ChromosomeSegmentation Segment(ReadOnlySpan<float> height, int width, int rows, double pixelSizeX, double pixelSizeY, AnalysisOptions options,
        AnalysisStageTimes? times)
    {
        var clock = StageClock.Start(times);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 2);
        if (height.Length != width * rows)
        {
            throw new ArgumentException($"Height has {height.Length} samples, not {width}×{rows}.", nameof(height));
        }

        var n = height.Length;
        // Every element is written by the copy: no need to clear it first.
        var leveled = FrameArrays<float>.Rent(n, clear: false);
        var finite = CopyCountingFinite(height, leveled);

        if (finite < 16)
        {
            throw new ArgumentException($"Height has only {finite} finite samples of {n}: nothing to segment.", nameof(height));
        }

        // Substrate plane: fit on everything first, then twice on what Otsu calls substrate.
        var otsu = double.PositiveInfinity;
        var parallel = options.ParallelWithinFrame && n >= ParallelPixels;
        for (var pass = 0; pass < 3; pass++)
        {
            // The plane's removal also finds the range of what it writes: Otsu's histogram then needs one pass, not two.
            var range = FitAndRemovePlane(leveled, width, rows, otsu, null, Avx2.IsSupported, parallel, findRange: true);
            otsu = Otsu(leveled, parallel ? leveled : null, range!.Value);
        }

        var (substrate, sigma) = SubstrateLevel(leveled, otsu, parallel);

        otsu -= substrate;
        clock = times.Lap("segment: level, Otsu, substrate", clock);
        var low = Math.Max(options.LowThresholdSigmas * sigma, options.MinLowThreshold);
        // The watershed writes every element (0 where nothing is): no need to clear it first. Its first pass also takes the
        // substrate level off every pixel (one pass over the frame, not two).
        var instances = FrameArrays<int>.Rent(n, clear: false);
        var count = Watershed(leveled, substrate, width, rows, low, options.SplitSaddleRatio, Math.Max(3 * sigma, options.MinLowThreshold), options.MinPeakHeight,
            instances);
        clock = times.Lap("segment: watershed", clock);
        CrestOutline.Trim(leveled, width, rows, instances, count, options.OutlineFraction);
        clock = times.Lap("segment: outline at a fraction of the crest", clock);
        var rejected = Filter(leveled, width, rows, instances, count, pixelSizeX, pixelSizeY, options, out var kept);
        clock = times.Lap("segment: filter (distance transform)", clock);
        TrimToRim(leveled, width, rows, instances, 0.5 * options.MinPeakHeight,
            Math.Clamp((int)Math.Round(options.RimWidth / Math.Sqrt(pixelSizeX * pixelSizeY)), 1, 250));
        clock = times.Lap("segment: trim to rim", clock);

        // Zero is the bare substrate: a last plane over the pixels outside every object and below the extent
        // threshold (the median above sits a fraction of a nanometre off the mean of a skewed roughness).
        FitAndRemovePlane(leveled, width, rows, low, instances, Avx2.IsSupported, parallel, findRange: false);
        times.Lap("segment: final plane", clock);
        return new ChromosomeSegmentation(width, rows, instances, kept, leveled, 0, sigma, low, otsu, rejected);
    }

    /// <summary>Copies <paramref name="data"/> into <paramref name="target"/> (at least as long) and returns how many values are finite: one pass, lane by lane, then the rest.</summary>
    internal static int CopyCountingFinite(ReadOnlySpan<float> data, Span<float> target)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(target.Length, data.Length, nameof(target));
        var count = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var infinity = Vector256.Create(float.PositiveInfinity);
            var counts = Vector256<int>.Zero;
            ref var start = ref MemoryMarshal.GetReference(data);
            ref var to = ref MemoryMarshal.GetReference(target);
            for (; i + Vector256<float>.Count <= data.Length; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i);
                v.StoreUnsafe(ref to, (nuint)i);

                // |v| < ∞ is false for ±∞ and NaN: all ones (−1) per finite lane.
                counts -= Vector256.LessThan(Vector256.Abs(v), infinity).AsInt32();
            }

            count = Vector256.Sum(counts);
        }

        for (; i < data.Length; i++)
        {
            target[i] = data[i];
            count += float.IsFinite(data[i]) ? 1 : 0;
        }

        return count;
    }

    /// <summary>
    /// Least-squares plane z = a + b·x + c·y over finite pixels below <paramref name="below"/> (and, when
    /// <paramref name="objects"/> is given, outside every object), subtracted from all; returns <see cref="FiniteRange"/> of the
    /// result when <paramref name="findRange"/> (taken as the result is written), else null. The row sums four rows at a time in
    /// vector lanes when <paramref name="vectorRows"/> (AVX2 only), and the rows' sums and the subtraction in two halves of the
    /// rows side by side when <paramref name="parallel"/> (the same bits).
    /// </summary>
    internal static (float Min, float Max)? FitAndRemovePlane(float[] data, int width, int rows, double below, int[]? objects, bool vectorRows, bool parallel = false,
        bool findRange = true)
    {
        // Each row is summed in its own registers and in its own order along the row as before, and the rows' sums are
        // added in row order (the same sums to the last bit): independent chains of additions instead of one that
        // waits on each addition. Rows are independent, so the halves' rows are summed side by side (split at a multiple
        // of four: the same groups of four rows), then added in row order here.
        var rowSums = AnalysisPool<double>.Shared.Rent(5 * rows);
        try
        {
            var half = Halves(rows, parallel);
            FrameWork.Both(parallel && half > 0,
                () => SumRows(data, objects, width, 0, half, below, vectorRows, rowSums),
                () => SumRows(data, objects, width, half, rows, below, vectorRows, rowSums));

            double s1 = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, sz = 0, sxz = 0, syz = 0;
            for (var y = 0; y < rows; y++)
            {
                var (r1, rx, rxx, rz, rxz) = (rowSums[5 * y], rowSums[(5 * y) + 1], rowSums[(5 * y) + 2], rowSums[(5 * y) + 3], rowSums[(5 * y) + 4]);
                s1 += r1;
                sx += rx;
                sxx += rxx;
                sy += y * r1;
                sxy += y * rx;
                syy += (double)y * y * r1;
                sz += rz;
                sxz += rxz;
                syz += y * rz;
            }

            if (s1 < 3)
            {
                return findRange ? FiniteRange(data) : null;
            }

            // Solve the 3×3 normal equations by Cramer's rule (well conditioned for a full grid).
            var det = Det(s1, sx, sy, sx, sxx, sxy, sy, sxy, syy);
            if (Math.Abs(det) < 1e-12)
            {
                return findRange ? FiniteRange(data) : null;
            }

            var a = Det(sz, sx, sy, sxz, sxx, sxy, syz, sxy, syy) / det;
            var b = Det(s1, sz, sy, sx, sxz, sxy, sy, syz, syy) / det;
            var c = Det(s1, sx, sz, sx, sxx, sxz, sy, sxy, syz) / det;
            // A least and a greatest do not depend on the order they are taken in: the halves' combine to the whole's.
            var (first, second) = ((float.PositiveInfinity, float.NegativeInfinity), (float.PositiveInfinity, float.NegativeInfinity));
            FrameWork.Both(parallel && half > 0,
                () => first = RemovePlane(data, width, 0, half, a, b, c, findRange),
                () => second = RemovePlane(data, width, half, rows, a, b, c, findRange));
            return findRange ? (Math.Min(first.Item1, second.Item1), Math.Max(first.Item2, second.Item2)) : null;
        }
        finally
        {
            AnalysisPool<double>.Shared.Return(rowSums);
        }
    }

    /// <summary>Where the rows are cut in two for side-by-side passes: a multiple of four, 0 when not cut.</summary>
    private static int Halves(int rows, bool parallel) => parallel ? rows / 8 * 4 : 0;

    /// <summary>Count, Σx, Σx², Σz and Σxz of each of rows <paramref name="y0"/> up to <paramref name="y1"/>, five per row into <paramref name="rowSums"/>.</summary>
    private static void SumRows(float[] data, int[]? objects, int width, int y0, int y1, double below, bool vectorRows, double[] rowSums)
    {
        var y = y0;
        if (vectorRows && Avx2.IsSupported)
        {
            Span<double> sums = stackalloc double[5 * 4];
            for (; y + 4 <= y1; y += 4)
            {
                RowSums4(data, objects, width, y, below, sums);
                for (var r = 0; r < 4; r++)
                {
                    Store((sums[r], sums[4 + r], sums[8 + r], sums[12 + r], sums[16 + r]), y + r);
                }
            }
        }

        for (; y < y1; y += 2)
        {
            var (first, second) = RowSums(data, objects, width, y, y + 1 < y1 ? y + 1 : -1, below);
            Store(first, y);
            if (y + 1 < y1)
            {
                Store(second, y + 1);
            }
        }

        void Store((double R1, double Rx, double Rxx, double Rz, double Rxz) r, int row) =>
            (rowSums[5 * row], rowSums[(5 * row) + 1], rowSums[(5 * row) + 2], rowSums[(5 * row) + 3], rowSums[(5 * row) + 4]) = r;
    }

    /// <summary>
    /// Rows <paramref name="y0"/> up to <paramref name="y1"/> less the plane a + b·x + c·y; returns the least and the greatest
    /// finite result when <paramref name="findRange"/> (else +∞ and −∞).
    /// </summary>
    internal static (float Min, float Max) RemovePlane(float[] data, int width, int y0, int y1, double a, double b, double c, bool findRange)
    {
        // The extremes taken over order-preserving keys (SortKeys.Sortable: −0 before +0, as Math.Min and Math.Max order them),
        // an unsigned least and greatest being one instruction each where the floats' IEEE ones take several; a non-finite lane
        // is replaced by each side's identity, the lanes combined at the end.
        var infinity = Vector256.Create(float.PositiveInfinity);
        var infinityKeys = Vector256.Create(SortKeys.Sortable(float.PositiveInfinity));
        var negativeInfinityKeys = Vector256.Create(SortKeys.Sortable(float.NegativeInfinity));
        Vector256<uint> minKeys = infinityKeys, maxKeys = negativeInfinityKeys;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        for (var y = y0; y < y1; y++)
        {
            var row = data.AsSpan(y * width, width);
            var baseline = a + (c * y);
            var x = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                // The scalar arithmetic below, lane by lane (double, no fused multiply-add): the same floats. The columns' x
                // run on by eight (whole numbers in double: exact).
                ref var start = ref MemoryMarshal.GetReference(row);
                var baselines = Vector256.Create(baseline);
                var slopes = Vector256.Create(b);
                var lowXs = Vector256.Create(0.0, 1, 2, 3);
                var four = Vector256.Create(4.0);
                var eight = Vector256.Create(8.0);
                for (; x + Vector256<float>.Count <= width; x += Vector256<float>.Count)
                {
                    var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref start, (nuint)x));
                    var lowResult = low - (baselines + (slopes * lowXs));
                    var highResult = high - (baselines + (slopes * (lowXs + four)));
                    lowXs += eight;
                    var result = Vector256.Narrow(lowResult, highResult);
                    result.StoreUnsafe(ref start, (nuint)x);
                    if (findRange)
                    {
                        var finite = Vector256.LessThan(Vector256.Abs(result), infinity).AsUInt32();
                        var keys = SortKeys.Sortable(result.AsUInt32());
                        minKeys = Vector256.Min(minKeys, Vector256.ConditionalSelect(finite, keys, infinityKeys));
                        maxKeys = Vector256.Max(maxKeys, Vector256.ConditionalSelect(finite, keys, negativeInfinityKeys));
                    }
                }
            }

            for (; x < width; x++)
            {
                var result = (float)(row[x] - (baseline + (b * x)));
                row[x] = result;
                if (findRange && float.IsFinite(result))
                {
                    min = Math.Min(min, result);
                    max = Math.Max(max, result);
                }
            }
        }

        for (var lane = 0; lane < Vector256<uint>.Count; lane++)
        {
            min = Math.Min(min, SortKeys.FromSortable(minKeys[lane]));
            max = Math.Max(max, SortKeys.FromSortable(maxKeys[lane]));
        }

        return (min, max);
    }

    /// <summary>
    /// <see cref="RowSums"/> of rows <paramref name="y0"/>..<paramref name="y0"/>+3, one row per lane: into
    /// <paramref name="sums"/> (20 long) as count, Σx, Σx², Σz, Σxz, four rows each. Every lane adds the row's values in
    /// the scalar order, in double, and a pixel left out adds +0.0, which changes no sum (a sum begun at +0.0 is never −0.0).
    /// The count, Σx and Σx² are whole numbers far below 2⁵³, exact in any order: a block of 4×4 pixels all fitted (nearly
    /// every block) adds only its Σz and Σxz in lanes, and its count, Σx and Σx² once for all four rows, as integers.
    /// </summary>
    internal static void RowSums4(float[] data, int[]? objects, int width, int y0, double below, Span<double> sums)
    {
        var a1 = Vector256<double>.Zero;
        var ax = Vector256<double>.Zero;
        var axx = Vector256<double>.Zero;
        var az = Vector256<double>.Zero;
        var axz = Vector256<double>.Zero;
        long fullCount = 0, fullX = 0, fullXx = 0;
        // (double)z < below ⇔ z < the least float not below it (NaN: none), so the test needs no widening.
        var limits = Vector128.Create(LeastFloatNotBelow(below));
        var negativeInfinity = Vector128.Create(float.NegativeInfinity);
        var ones = Vector256.Create(1.0);
        ref var z0 = ref data[y0 * width];
        ref var z1 = ref Unsafe.Add(ref z0, width);
        ref var z2 = ref Unsafe.Add(ref z1, width);
        ref var z3 = ref Unsafe.Add(ref z2, width);
        var start = (nuint)(y0 * width);
        var stride = (nuint)width;
        var x = 0;
        for (; x + 4 <= width; x += 4)
        {
            var r0 = Vector128.LoadUnsafe(ref z0, (nuint)x);
            var r1 = Vector128.LoadUnsafe(ref z1, (nuint)x);
            var r2 = Vector128.LoadUnsafe(ref z2, (nuint)x);
            var r3 = Vector128.LoadUnsafe(ref z3, (nuint)x);
            var (t0, t1, t2, t3) = (Take(r0, limits, negativeInfinity), Take(r1, limits, negativeInfinity),
                Take(r2, limits, negativeInfinity), Take(r3, limits, negativeInfinity));
            if (objects is not null)
            {
                ref var o = ref MemoryMarshal.GetArrayDataReference(objects);
                var at = start + (nuint)x;
                t0 &= Vector128.Equals(Vector128.LoadUnsafe(ref o, at), Vector128<int>.Zero).AsSingle();
                t1 &= Vector128.Equals(Vector128.LoadUnsafe(ref o, at + stride), Vector128<int>.Zero).AsSingle();
                t2 &= Vector128.Equals(Vector128.LoadUnsafe(ref o, at + (2 * stride)), Vector128<int>.Zero).AsSingle();
                t3 &= Vector128.Equals(Vector128.LoadUnsafe(ref o, at + (3 * stride)), Vector128<int>.Zero).AsSingle();
            }

            // Four columns of four rows: a 4×4 transpose.
            var (c0, c1, c2, c3) = Transpose(r0, r1, r2, r3);
            var z0d = Avx.ConvertToVector256Double(c0);
            var z1d = Avx.ConvertToVector256Double(c1);
            var z2d = Avx.ConvertToVector256Double(c2);
            var z3d = Avx.ConvertToVector256Double(c3);
            var x0s = Vector256.Create((double)x);
            var x1s = x0s + ones;
            var x2s = x1s + ones;
            var x3s = x2s + ones;
            if ((t0 & t1 & t2 & t3).ExtractMostSignificantBits() == 0b1111)
            {
                az += z0d;
                axz += x0s * z0d;
                az += z1d;
                axz += x1s * z1d;
                az += z2d;
                axz += x2s * z2d;
                az += z3d;
                axz += x3s * z3d;
                fullCount += 4;
                fullX += (4L * x) + 6;
                fullXx += (4L * x * x) + (12L * x) + 14;
                continue;
            }

            var (f0, f1, f2, f3) = Transpose(t0, t1, t2, t3);
            var take0 = Avx2.ConvertToVector256Int64(f0.AsInt32()).AsDouble();
            a1 += ones & take0;
            ax += x0s & take0;
            axx += (x0s * x0s) & take0;
            az += z0d & take0;
            axz += (x0s * z0d) & take0;

            var take1 = Avx2.ConvertToVector256Int64(f1.AsInt32()).AsDouble();
            a1 += ones & take1;
            ax += x1s & take1;
            axx += (x1s * x1s) & take1;
            az += z1d & take1;
            axz += (x1s * z1d) & take1;

            var take2 = Avx2.ConvertToVector256Int64(f2.AsInt32()).AsDouble();
            a1 += ones & take2;
            ax += x2s & take2;
            axx += (x2s * x2s) & take2;
            az += z2d & take2;
            axz += (x2s * z2d) & take2;

            var take3 = Avx2.ConvertToVector256Int64(f3.AsInt32()).AsDouble();
            a1 += ones & take3;
            ax += x3s & take3;
            axx += (x3s * x3s) & take3;
            az += z3d & take3;
            axz += (x3s * z3d) & take3;
        }

        (a1 + Vector256.Create((double)fullCount)).CopyTo(sums);
        (ax + Vector256.Create((double)fullX)).CopyTo(sums[4..]);
        (axx + Vector256.Create((double)fullXx)).CopyTo(sums[8..]);
        az.CopyTo(sums[12..]);
        axz.CopyTo(sums[16..]);

        // The last columns row by row, each continuing its row's sums in order.
        for (var r = 0; r < 4; r++)
        {
            var rowOffset = (y0 + r) * width;
            for (var xx = x; xx < width; xx++)
            {
                var z = data[rowOffset + xx];
                if (float.IsFinite(z) && z < below && (objects is null || objects[rowOffset + xx] == 0))
                {
                    sums[r]++;
                    sums[4 + r] += xx;
                    sums[8 + r] += (double)xx * xx;
                    sums[12 + r] += z;
                    sums[16 + r] += xx * (double)z;
                }
            }
        }
    }

    /// <summary>The least float whose double is not below <paramref name="value"/> (NaN for NaN): for a float z, (double)z &lt; value ⇔ z &lt; it.</summary>
    internal static float LeastFloatNotBelow(double value)
    {
        var rounded = (float)value;
        return (double)rounded < value ? MathF.BitIncrement(rounded) : rounded;
    }

    /// <summary>Lanes (all ones) whose value is finite and below <paramref name="limits"/> (<see cref="LeastFloatNotBelow"/> of the threshold).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Take(Vector128<float> z, Vector128<float> limits, Vector128<float> negativeInfinity) =>
        Vector128.LessThan(z, limits) & Vector128.GreaterThan(z, negativeInfinity);

    /// <summary>Columns of the 4×4 matrix whose rows are <paramref name="r0"/>..<paramref name="r3"/>.</summary>
    private static (Vector128<float>, Vector128<float>, Vector128<float>, Vector128<float>) Transpose(
        Vector128<float> r0, Vector128<float> r1, Vector128<float> r2, Vector128<float> r3)
    {
        var t0 = Sse.UnpackLow(r0, r1);
        var t1 = Sse.UnpackLow(r2, r3);
        var t2 = Sse.UnpackHigh(r0, r1);
        var t3 = Sse.UnpackHigh(r2, r3);
        return (Sse.MoveLowToHigh(t0, t1), Sse.MoveHighToLow(t1, t0), Sse.MoveLowToHigh(t2, t3), Sse.MoveHighToLow(t3, t2));
    }

    /// <summary>Count, Σx, Σx², Σz and Σxz of the fitted pixels of rows <paramref name="y0"/> and <paramref name="y1"/> (-1: none), each summed along its row.</summary>
    internal static ((double R1, double Rx, double Rxx, double Rz, double Rxz) First, (double R1, double Rx, double Rxx, double Rz, double Rxz) Second) RowSums(
        float[] data, int[]? objects, int width, int y0, int y1, double below)
    {
        double a1 = 0, ax = 0, axx = 0, az = 0, axz = 0;
        double b1 = 0, bx = 0, bxx = 0, bz = 0, bxz = 0;
        var rowA = data.AsSpan(y0 * width, width);
        var rowB = y1 >= 0 ? data.AsSpan(y1 * width, width) : default;
        var objectsA = objects is null ? default : objects.AsSpan(y0 * width, width);
        var objectsB = objects is null || y1 < 0 ? default : objects.AsSpan(y1 * width, width);
        for (var x = 0; x < width; x++)
        {
            var z = rowA[x];
            if (float.IsFinite(z) && z < below && (objects is null || objectsA[x] == 0))
            {
                a1++;
                ax += x;
                axx += (double)x * x;
                az += z;
                axz += x * (double)z;
            }

            if (y1 >= 0)
            {
                var w = rowB[x];
                if (float.IsFinite(w) && w < below && (objects is null || objectsB[x] == 0))
                {
                    b1++;
                    bx += x;
                    bxx += (double)x * x;
                    bz += w;
                    bxz += x * (double)w;
                }
            }
        }

        return ((a1, ax, axx, az, axz), (b1, bx, bxx, bz, bxz));
    }

    private static double Det(double a, double b, double c, double d, double e, double f, double g, double h, double i) =>
        (a * ((e * i) - (f * h))) - (b * ((d * i) - (f * g))) + (c * ((d * h) - (e * g)));

    /// <summary>Otsu's threshold over a 1024-bin histogram between the 0.1 and 99.9 percentile-ish extremes.</summary>
    internal static double Otsu(ReadOnlySpan<float> data) => Otsu(data, null);

    /// <summary>
    /// The same of a frame-sized <paramref name="frame"/> (null: <paramref name="data"/> only), its range and histogram taken in
    /// two halves side by side: the least and the greatest of the halves' and the sum of their counts are the whole's.
    /// </summary>
    internal static double Otsu(ReadOnlySpan<float> data, float[]? frame)
    {
        var half = frame is null ? 0 : frame.Length / 2 / Vector256<float>.Count * Vector256<float>.Count;
        if (half > 0)
        {
            var (firstRange, secondRange) = ((float.PositiveInfinity, float.NegativeInfinity), (float.PositiveInfinity, float.NegativeInfinity));
            FrameWork.Both(true, () => firstRange = FiniteRange(frame!.AsSpan(0, half)), () => secondRange = FiniteRange(frame!.AsSpan(half)));
            return Otsu(data, frame, (Math.Min(firstRange.Item1, secondRange.Item1), Math.Max(firstRange.Item2, secondRange.Item2)));
        }

        return Otsu(data, frame, FiniteRange(data));
    }

    /// <summary>The same, <paramref name="range"/> being <see cref="FiniteRange"/> of the data (the histogram's bins are taken from it).</summary>
    private static double Otsu(ReadOnlySpan<float> data, float[]? frame, (float Min, float Max) range)
    {
        var half = frame is null ? 0 : frame.Length / 2 / Vector256<float>.Count * Vector256<float>.Count;
        var (min, max) = range;
        if (!(max > min))
        {
            return max;
        }

        // Eight partial histograms, one per pixel index mod 8: the substrate fills a few bins, and consecutive increments
        // of one counter would each wait for the one before (with four, a block's lanes j and j + 4 still did).
        var partial = AnalysisPool<int>.Shared.Rent(2 * Partials * PartialStride);
        try
        {
            Array.Clear(partial, 0, 2 * Partials * PartialStride);
            var scale = (HistogramBins - 1) / ((double)max - min);
            long total;
            if (half > 0)
            {
                var (first, second) = (0L, 0L);
                FrameWork.Both(true,
                    () => first = Histogram(frame!.AsSpan(0, half), min, scale, partial.AsSpan(0, Partials * PartialStride), vectors: true),
                    () => second = Histogram(frame!.AsSpan(half), min, scale, partial.AsSpan(Partials * PartialStride, Partials * PartialStride), vectors: true));
                total = first + second;
            }
            else
            {
                total = Histogram(data, min, scale, partial.AsSpan(0, Partials * PartialStride), vectors: true);
            }

            return Threshold(partial.AsSpan(0, 2 * Partials * PartialStride), total, min, scale);
        }
        finally
        {
            AnalysisPool<int>.Shared.Return(partial);
        }
    }

    /// <summary>
    /// The finite values' bins into <paramref name="partial"/> (<see cref="Partials"/> histograms <see cref="PartialStride"/> apart,
    /// one per index mod 8 counted from the span's start); returns how many were counted. <paramref name="min"/> must be the least finite value and
    /// <paramref name="scale"/> at most (bins − 1) over the range, so that every bin is below <see cref="HistogramBins"/>.
    /// </summary>
    internal static long Histogram(ReadOnlySpan<float> data, float min, double scale, Span<int> partial, bool vectors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partial.Length, Partials * PartialStride, nameof(partial));
        long total = 0;
        var at = 0;
        if (vectors && Vector256.IsHardwareAccelerated)
        {
            // The bins eight at a time, each as the scalar line computes it ((v − min) in float, then × scale in double,
            // truncated: 0 to 1023 fit an int, so AVX's truncation to 32 bits is the scalar's); a non-finite lane is skipped.
            // Lane j of a block starting at a multiple of 8 has index ≡ j (mod 8): its counter sits j histograms on. A block
            // with every lane finite (nearly all) counts without a test per lane.
            ref var start = ref MemoryMarshal.GetReference(data);
            ref var counters = ref MemoryMarshal.GetReference(partial);
            var infinity = Vector256.Create(float.PositiveInfinity);
            var mins = Vector256.Create(min);
            var scales = Vector256.Create(scale);
            var lastBin = Vector256.Create((uint)(HistogramBins - 1));
            var laneHistograms = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * PartialStride;
            Span<int> slots = stackalloc int[Vector256<float>.Count];
            ref var slot = ref MemoryMarshal.GetReference(slots);
            for (; at + Vector256<float>.Count <= data.Length; at += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)at);
                var finite = Vector256.LessThan(Vector256.Abs(v), infinity);
                var (low, high) = Vector256.Widen(Vector256.ConditionalSelect(finite, v, mins) - mins);
                var bins = Avx.IsSupported
                    ? Vector256.Create(Avx.ConvertToVector128Int32WithTruncation(low * scales), Avx.ConvertToVector128Int32WithTruncation(high * scales))
                    : Vector256.Narrow(Vector256.ConvertToInt64(low * scales), Vector256.ConvertToInt64(high * scales));
                // Never past the last bin (a range that is not the data's would otherwise count outside the histograms).
                (Vector256.Min(bins.AsUInt32(), lastBin).AsInt32() + laneHistograms).StoreUnsafe(ref slot);
                // Compared as integers: all ones is a NaN as a float, and a NaN equals nothing.
                var mask = finite.ExtractMostSignificantBits();
                if (mask == 0xFF)
                {
                    Unsafe.Add(ref counters, slot)++;
                    Unsafe.Add(ref counters, Unsafe.Add(ref slot, 1))++;
                    Unsafe.Add(ref counters, Unsafe.Add(ref slot, 2))++;
                    Unsafe.Add(ref counters, Unsafe.Add(ref slot, 3))++;
                    Unsafe.Add(ref counters, Unsafe.Add(ref slot, 4))++;
                    Unsafe.Add(ref counters, Unsafe.Add(ref slot, 5))++;
                    Unsafe.Add(ref counters, Unsafe.Add(ref slot, 6))++;
                    Unsafe.Add(ref counters, Unsafe.Add(ref slot, 7))++;
                    total += Vector256<float>.Count;
                    continue;
                }

                for (var lane = 0; lane < Vector256<float>.Count; lane++)
                {
                    if ((mask & (1u << lane)) != 0)
                    {
                        Unsafe.Add(ref counters, Unsafe.Add(ref slot, lane))++;
                        total++;
                    }
                }
            }
        }

        for (; at < data.Length; at++)
        {
            var v = data[at];
            if (float.IsFinite(v))
            {
                partial[((at & (Partials - 1)) * PartialStride) + (int)((v - min) * scale)]++;
                total++;
            }
        }

        return total;
    }

    /// <summary>Otsu's threshold from the partial histograms (the first <see cref="HistogramBins"/> of every <see cref="PartialStride"/>-long piece of <paramref name="partial"/>, added bin by bin).</summary>
    private static double Threshold(ReadOnlySpan<int> partial, long total, float min, double scale)
    {
        Span<int> histogram = stackalloc int[HistogramBins];
        for (var i = 0; i < HistogramBins; i++)
        {
            var sum = 0;
            for (var j = i; j < partial.Length; j += PartialStride)
            {
                sum += partial[j];
            }

            histogram[i] = sum;
        }

        double sumAll = 0;
        for (var i = 0; i < HistogramBins; i++)
        {
            sumAll += (double)i * histogram[i];
        }

        double sumBelow = 0, best = -1;
        long below = 0;
        var bestBin = 0;
        for (var i = 0; i < HistogramBins - 1; i++)
        {
            below += histogram[i];
            sumBelow += (double)i * histogram[i];
            var above = total - below;
            if (below == 0 || above == 0)
            {
                continue;
            }

            var meanBelow = sumBelow / below;
            var meanAbove = (sumAll - sumBelow) / above;
            var between = (double)below * above * (meanBelow - meanAbove) * (meanBelow - meanAbove);
            if (between > best)
            {
                best = between;
                bestBin = i;
            }
        }

        return min + ((bestBin + 1) / scale);
    }

    /// <summary>The least and the greatest finite value (+∞ and −∞ when there is none).</summary>
    internal static (float Min, float Max) FiniteRange(ReadOnlySpan<float> data)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && data.Length >= Vector256<float>.Count)
        {
            // Non-finite lanes are replaced by the identity of each side (a minimum and a maximum do not depend on the order).
            var infinity = Vector256.Create(float.PositiveInfinity);
            var negativeInfinity = Vector256.Create(float.NegativeInfinity);
            Vector256<float> mins = infinity, maxs = negativeInfinity;
            ref var start = ref MemoryMarshal.GetReference(data);
            for (; i + Vector256<float>.Count <= data.Length; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i);
                var finite = Vector256.LessThan(Vector256.Abs(v), infinity);
                mins = Vector256.Min(mins, Vector256.ConditionalSelect(finite, v, infinity));
                maxs = Vector256.Max(maxs, Vector256.ConditionalSelect(finite, v, negativeInfinity));
            }

            for (var lane = 0; lane < Vector256<float>.Count; lane++)
            {
                min = Math.Min(min, mins[lane]);
                max = Math.Max(max, maxs[lane]);
            }
        }

        for (; i < data.Length; i++)
        {
            var v = data[i];
            if (float.IsFinite(v))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        return (min, max);
    }

    /// <summary>Median and MAD-σ of the finite pixels below <paramref name="below"/>.</summary>
    internal static (double Median, double Sigma) SubstrateLevel(float[] data, double below, bool parallel)
    {
        var values = AnalysisPool<float>.Shared.Rent(data.Length);
        try
        {
            // In two halves side by side when parallel: the later half's values are collected past where the earlier half's
            // could end, then moved down behind them, in the same order as one pass collects them.
            var half = parallel ? data.Length / 2 / Vector256<float>.Count * Vector256<float>.Count : 0;
            var (count, later) = (0, 0);
            FrameWork.Both(half > 0,
                () => count = CollectBelow(data.AsSpan(0, half), below, values, Vector256.IsHardwareAccelerated),
                () => later = CollectBelow(data.AsSpan(half), below, values.AsSpan(half), Vector256.IsHardwareAccelerated));
            if (half > 0)
            {
                values.AsSpan(half, later).CopyTo(values.AsSpan(count));
            }

            count += later;
            if (count == 0)
            {
                return (0, 0);
            }

            var span = values.AsSpan(0, count);
            var scratch = AnalysisPool<float>.Shared.Rent(count);
            try
            {
                var median = SampledSelection.MedianOfFinite(span, scratch);
                AbsoluteDeviations(span, (float)median, Vector256.IsHardwareAccelerated);

                return (median, 1.4826 * SampledSelection.MedianOfFinite(span, scratch));
            }
            finally
            {
                AnalysisPool<float>.Shared.Return(scratch);
            }
        }
        finally
        {
            AnalysisPool<float>.Shared.Return(values);
        }
    }

    /// <summary>For each mask of eight lanes, the lanes whose bit is set in increasing order, then zeros: a permutation that packs them.</summary>
    internal static readonly int[] TakenLanesFirst = LanesFirst();

    private static int[] LanesFirst()
    {
        var table = new int[256 * Vector256<int>.Count];
        for (var mask = 0; mask < 256; mask++)
        {
            var next = mask * Vector256<int>.Count;
            for (var lane = 0; lane < Vector256<int>.Count; lane++)
            {
                if ((mask & (1 << lane)) != 0)
                {
                    table[next++] = lane;
                }
            }
        }

        return table;
    }

    /// <summary>
    /// Copies the finite values below <paramref name="below"/> (compared as floats widened to double) in order into
    /// <paramref name="values"/> (as long as <paramref name="data"/> at least); returns how many. With <paramref name="vectors"/>,
    /// a block of eight all taken is copied at once, any other block's taken values packed by a permutation (AVX2) or copied
    /// value by value, as without.
    /// </summary>
    internal static int CollectBelow(ReadOnlySpan<float> data, double below, Span<float> values, bool vectors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(values.Length, data.Length, nameof(values));
        var count = 0;
        var i = 0;
        if (vectors && Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(data);
            ref var target = ref MemoryMarshal.GetReference(values);
            var belows = Vector256.Create(below);
            var infinity = Vector256.Create(float.PositiveInfinity);
            for (; i + Vector256<float>.Count <= data.Length; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i);
                var (lower, upper) = Vector256.Widen(v);
                var taken = Vector256.LessThan(Vector256.Abs(v), infinity)
                            & Vector256.Narrow(Vector256.LessThan(lower, belows).AsInt64(), Vector256.LessThan(upper, belows).AsInt64()).AsSingle();
                // Compared as integers: all ones is a NaN as a float, and a NaN equals nothing.
                if (taken.AsInt32() == Vector256<int>.AllBitsSet)
                {
                    v.StoreUnsafe(ref target, (nuint)count);
                    count += Vector256<float>.Count;
                    continue;
                }

                if (Avx2.IsSupported)
                {
                    // The taken lanes moved to the front in lane order and all eight stored: those past the taken are
                    // overwritten by the next block or left past the count (count + 8 ≤ i + 8 ≤ the span's length).
                    var mask = taken.ExtractMostSignificantBits();
                    var order = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(TakenLanesFirst), (nuint)(mask * Vector256<int>.Count));
                    Avx2.PermuteVar8x32(v, order).StoreUnsafe(ref target, (nuint)count);
                    count += BitOperations.PopCount(mask);
                    continue;
                }

                for (var j = i; j < i + Vector256<float>.Count; j++)
                {
                    var value = data[j];
                    if (float.IsFinite(value) && value < below)
                    {
                        values[count++] = value;
                    }
                }
            }
        }

        for (; i < data.Length; i++)
        {
            var value = data[i];
            if (float.IsFinite(value) && value < below)
            {
                values[count++] = value;
            }
        }

        return count;
    }

    /// <summary>values[i] = |values[i] − <paramref name="median"/>| in float (lane by lane the same floats with <paramref name="vectors"/>).</summary>
    internal static void AbsoluteDeviations(Span<float> values, float median, bool vectors)
    {
        var i = 0;
        if (vectors && Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(values);
            var medians = Vector256.Create(median);
            for (; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
            {
                Vector256.Abs(Vector256.LoadUnsafe(ref start, (nuint)i) - medians).StoreUnsafe(ref start, (nuint)i);
            }
        }

        for (; i < values.Length; i++)
        {
            values[i] = Math.Abs(values[i] - median);
        }
    }

    /// <summary>
    /// Persistence watershed over pixels above <paramref name="low"/> (8-connected), once <paramref name="substrate"/> is taken
    /// off every pixel of <paramref name="height"/> (in double, as (float)(h − substrate)). Returns the number of basins;
    /// <paramref name="instances"/> gets 1-based basin ids (unordered) and 0 elsewhere.
    /// </summary>
    internal static int Watershed(float[] height, double substrate, int width, int rows, double low, double saddleRatio, double minPersistence, double minPeak,
        int[] instances)
    {
        var n = height.Length;
        var floats = AnalysisPool<float>.Shared;
        var ints = AnalysisPool<int>.Shared;

        // As long as the frame: the flood's first pass counts the pixels above the threshold as it takes them (a pass of its
        // own to count them first cost more than the pool's longer arrays, of which only that many are touched).
        var keys = floats.Rent(n);
        var order = ints.Rent(n);
        var peak = floats.Rent(n);
        try
        {
            return Flood(height, substrate, width, rows, low, saddleRatio, minPersistence, minPeak, instances, keys.AsSpan(0, n), order.AsSpan(0, n),
                peak.AsSpan(0, n));
        }
        finally
        {
            floats.Return(keys);
            floats.Return(peak);
            ints.Return(order);
        }
    }

    /// <summary>
    /// The flood itself; <paramref name="keys"/> and <paramref name="order"/> as long as the frame (only the pixels above <paramref name="low"/> are written).
    /// The union-find forest lives in <paramref name="instances"/> itself, each pixel's parent stored negated (0, as the first
    /// pass leaves every pixel: not flooded; see <see cref="ParentNegated"/>), so no frame-sized table of parents is filled and
    /// carried through the caches; the basins' ids then take the pixels' places as the forest is walked.
    /// </summary>
    private static int Flood(float[] height, double substrate, int width, int rows, double low, double saddleRatio, double minPersistence, double minPeak,
        int[] instances, Span<float> keys, Span<int> order, Span<float> peak)
    {
        var n = height.Length;
        var k = 0;
        var at = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Most blocks of eight are all substrate: nothing above (compared as the scalar test does, widened to double).
            // Every instance is zeroed here, in the same pass (the flooded ones are numbered below), and the substrate is
            // taken off as the scalar line does (in double, rounded to float: lane by lane the same floats).
            ref var start = ref MemoryMarshal.GetArrayDataReference(height);
            ref var ids = ref MemoryMarshal.GetArrayDataReference(instances);
            var lows = Vector256.Create(low);
            var substrates = Vector256.Create(substrate);
            for (; at + Vector256<float>.Count <= n; at += Vector256<float>.Count)
            {
                Vector256<int>.Zero.StoreUnsafe(ref ids, (nuint)at);
                var (rawLower, rawUpper) = Vector256.Widen(Vector256.LoadUnsafe(ref start, (nuint)at));
                var leveled = Vector256.Narrow(rawLower - substrates, rawUpper - substrates);
                leveled.StoreUnsafe(ref start, (nuint)at);
                var (lower, upper) = Vector256.Widen(leveled);
                var above = Vector256.Narrow(Vector256.GreaterThan(lower, lows).AsInt64(), Vector256.GreaterThan(upper, lows).AsInt64()).ExtractMostSignificantBits();

                // The pixels above, in order: a set bit at a time (no test and no branch per pixel at an object's edge).
                for (; above != 0; above &= above - 1)
                {
                    var j = at + BitOperations.TrailingZeroCount(above);
                    keys[k] = -height[j];
                    order[k++] = j;
                }
            }
        }

        for (; at < n; at++)
        {
            instances[at] = 0;
            height[at] = (float)(height[at] - substrate);
            if (height[at] > low)
            {
                keys[k] = -height[at];
                order[k++] = at;
            }
        }

        if (k == 0)
        {
            return 0;
        }

        keys = keys[..k];
        order = order[..k];
        SortKeys.Sort(keys, order);
        Span<int> roots = stackalloc int[8];
        foreach (var p in order)
        {
            var h = height[p];
            var found = NeighbourRoots<ParentNegated>(instances, p, width, rows, roots);
            if (found == 0)
            {
                instances[p] = ParentNegated.Stored(p);
                peak[p] = h;
                continue;
            }

            // The pixel joins the basin with the highest peak; a lower basin merges into it unless the
            // saddle here is deep enough to separate two objects.
            var oldest = roots[0];
            for (var i = 1; i < found; i++)
            {
                if (peak[roots[i]] > peak[oldest])
                {
                    oldest = roots[i];
                }
            }

            instances[p] = ParentNegated.Stored(oldest);
            for (var i = 0; i < found; i++)
            {
                var r = roots[i];
                if (r == oldest)
                {
                    continue;
                }

                // A real basin that never reaches MinPeakHeight is debris: it stays apart (and the filter drops
                // it) rather than joining the chromosome it lies against, whose statistics it would bias.
                var young = peak[r];
                var debris = young < minPeak && peak[oldest] >= minPeak;
                if (young - h < minPersistence || (!debris && h >= saddleRatio * young))
                {
                    instances[r] = ParentNegated.Stored(oldest);
                }
            }
        }

        // Ids in the order each basin is first met, as before, in one pass: a pixel's walk up the forest ends at a pixel
        // already given its id (everything on the way is of that basin) or at an unnumbered root, which takes the next; every
        // pixel on the way is given the id (positive: no parent reads so), so later walks through them stop there.
        var count = 0;
        foreach (var p in order)
        {
            var q = p;
            while (instances[q] < 0 && ParentNegated.Parent(instances[q]) != q)
            {
                q = ParentNegated.Parent(instances[q]);
            }

            var id = instances[q] > 0 ? instances[q] : ++count;
            for (var on = p; instances[on] < 0; )
            {
                var next = ParentNegated.Parent(instances[on]);
                instances[on] = id;
                on = next;
            }
        }

        return count;
    }

    /// <summary>
    /// The distinct union-find roots among <paramref name="p"/>'s 8 neighbours that are already flooded (parent ≥ 0),
    /// written into <paramref name="roots"/> (at least 8 long); returns how many.
    /// </summary>
    internal static int NeighbourRoots(Span<int> parent, int p, int width, int rows, Span<int> roots) =>
        NeighbourRoots<ParentAsIs>(parent, p, width, rows, roots);

    /// <summary>The same over a forest stored as <typeparamref name="TStored"/> says (pixels and roots as they are).</summary>
    internal static int NeighbourRoots<TStored>(Span<int> parent, int p, int width, int rows, Span<int> roots)
        where TStored : struct, IStoredParent
    {
        // One division (the remainder from it), and the roots compared in a plain loop: at most seven, mostly one.
        int y = p / width, x = p - (y * width), found = 0;
        if (x > 0 && y > 0 && x < width - 1 && y < rows - 1)
        {
            // Inside the image: the same neighbours in the same order, without the bounds tests.
            int up = p - width, down = p + width;
            Visit<TStored>(parent, up - 1, roots, ref found);
            Visit<TStored>(parent, up, roots, ref found);
            Visit<TStored>(parent, up + 1, roots, ref found);
            Visit<TStored>(parent, p - 1, roots, ref found);
            Visit<TStored>(parent, p + 1, roots, ref found);
            Visit<TStored>(parent, down - 1, roots, ref found);
            Visit<TStored>(parent, down, roots, ref found);
            Visit<TStored>(parent, down + 1, roots, ref found);
            return found;
        }

        for (var dy = -1; dy <= 1; dy++)
        {
            var yy = y + dy;
            if ((uint)yy >= (uint)rows)
            {
                continue;
            }

            for (var dx = -1; dx <= 1; dx++)
            {
                var xx = x + dx;
                if ((dx | dy) != 0 && (uint)xx < (uint)width)
                {
                    Visit<TStored>(parent, (yy * width) + xx, roots, ref found);
                }
            }
        }

        return found;
    }

    /// <summary>Adds the root of flooded pixel <paramref name="q"/> to <paramref name="roots"/> unless it is there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Visit<TStored>(Span<int> parent, int q, Span<int> roots, ref int found)
        where TStored : struct, IStoredParent
    {
        var r = TStored.Parent(parent[q]);
        if (r < 0)
        {
            return;
        }

        // Inlined, eight times a pixel: mostly q's parent is the root (a pixel joins a root, a merged root points at one),
        // where Find would walk and compress nothing; the walk only when it is not.
        if (TStored.Parent(parent[r]) != r)
        {
            r = Find<TStored>(parent, q);
        }

        for (var j = 0; j < found; j++)
        {
            if (roots[j] == r)
            {
                return;
            }
        }

        roots[found++] = r;
    }

    internal static int Find(Span<int> parent, int p) => Find<ParentAsIs>(parent, p);

    /// <summary>The root of flooded pixel <paramref name="p"/>, every pixel on the way pointed straight at it.</summary>
    internal static int Find<TStored>(Span<int> parent, int p)
        where TStored : struct, IStoredParent
    {
        var root = p;
        while (TStored.Parent(parent[root]) != root)
        {
            root = TStored.Parent(parent[root]);
        }

        while (TStored.Parent(parent[p]) != root)
        {
            var next = TStored.Parent(parent[p]);
            parent[p] = TStored.Stored(root);
            p = next;
        }

        return root;
    }

    /// <summary>
    /// How a union-find forest over pixels stores a flooded pixel's parent (<see cref="Stored"/>), and reads it back
    /// (<see cref="Parent"/>, negative where not flooded). A struct per way, so each is compiled with its own arithmetic.
    /// </summary>
    internal interface IStoredParent
    {
        static abstract int Stored(int parent);

        static abstract int Parent(int stored);
    }

    /// <summary>Parents as they are, −1 not flooded (a table of parents filled with −1 first).</summary>
    internal readonly struct ParentAsIs : IStoredParent
    {
        public static int Stored(int parent) => parent;

        public static int Parent(int stored) => stored;
    }

    /// <summary>
    /// Parents as −(parent + 1), 0 not flooded: the forest kept in a zeroed table of instance ids, whose positive values
    /// stay free for the ids the basins are given.
    /// </summary>
    internal readonly struct ParentNegated : IStoredParent
    {
        public static int Stored(int parent) => -parent - 1;

        public static int Parent(int stored) => -stored - 1;
    }

    /// <summary>
    /// Keeps of each object only its core (height at least <paramref name="core"/>) and the pixels within
    /// <paramref name="rim"/> steps (8-connected, inside the object) of it. A chromosome's flank falls from its
    /// core to the substrate within a pixel or two (more with a blunt tip or a blurred image), while low debris
    /// lying against it spreads far wider: its flank would otherwise join the chromosome.
    /// </summary>
    internal static void TrimToRim(float[] height, int width, int rows, int[] instances, double core, int rim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rim, 1);
        var n = instances.Length;
        var steps = AnalysisPool<byte>.Shared.Rent(n);
        var queue = AnalysisPool<int>.Shared.Rent(n);

        // Only the rectangle holding every object is read (a step off it is never taken: no object pixel lies there) and
        // cleared.
        int x0 = width, y0 = rows, x1 = -1, y1 = -1;
        for (var y = 0; y < rows; y++)
        {
            var row = instances.AsSpan(y * width, width);
            var first = row.IndexOfAnyExcept(0);
            if (first >= 0)
            {
                (x0, x1, y1) = (Math.Min(x0, first), Math.Max(x1, row.LastIndexOfAnyExcept(0)), y);
                y0 = Math.Min(y0, y);
            }
        }

        // The core is step 1. Its pixels inside the core lead nowhere new, so the walk starts from step 2, the pixels off the
        // core next to a core pixel of their object, and goes on only through pixels off the core: every pixel gets the step
        // a walk out from the whole core gives it, without the core's pixels (most of an object) each looking round them.
        for (var y = y0; y <= y1; y++)
        {
            steps.AsSpan((y * width) + x0, x1 - x0 + 1).Clear();
            for (var i = (y * width) + x0; i <= (y * width) + x1; i++)
            {
                if (instances[i] == 0)
                {
                    i = LastBackground(instances, i, (y * width) + x1 + 1);
                    continue;
                }

                if (height[i] >= core)
                {
                    steps[i] = 1;
                }
            }
        }

        int head = 0, tail = 0;
        for (var y = y0; y <= y1; y++)
        {
            for (var i = (y * width) + x0; i <= (y * width) + x1; i++)
            {
                if (instances[i] == 0)
                {
                    i = LastBackground(instances, i, (y * width) + x1 + 1);
                    continue;
                }

                if (steps[i] == 0 && NextToCore(instances, steps, width, rows, i, i - (y * width), y))
                {
                    steps[i] = 2;
                    queue[tail++] = i;
                }
            }
        }

        while (head < tail)
        {
            var p = queue[head++];
            var next = steps[p] + 1;
            if (next > rim + 1)
            {
                continue;
            }

            var y = p / width;
            var id = instances[p];
            var (left, right, top, bottom) = Around(p - (y * width), y, width, rows);
            for (var yy = top; yy <= bottom; yy++)
            {
                for (var q = (yy * width) + left; q <= (yy * width) + right; q++)
                {
                    if (instances[q] == id && steps[q] == 0)
                    {
                        steps[q] = (byte)next;
                        queue[tail++] = q;
                    }
                }
            }
        }

        for (var y = y0; y <= y1; y++)
        {
            for (var i = (y * width) + x0; i <= (y * width) + x1; i++)
            {
                if (instances[i] == 0)
                {
                    i = LastBackground(instances, i, (y * width) + x1 + 1);
                    continue;
                }

                if (steps[i] == 0)
                {
                    instances[i] = 0;
                }
            }
        }

        AnalysisPool<byte>.Shared.Return(steps);
        AnalysisPool<int>.Shared.Return(queue);
    }

    /// <summary>Whether one of object pixel <paramref name="p"/>'s (column <paramref name="x"/>, row <paramref name="y"/>) 8 neighbours is a core pixel (step 1) of its object.</summary>
    private static bool NextToCore(int[] instances, byte[] steps, int width, int rows, int p, int x, int y)
    {
        var id = instances[p];
        var (left, right, top, bottom) = Around(x, y, width, rows);
        for (var yy = top; yy <= bottom; yy++)
        {
            for (var q = (yy * width) + left; q <= (yy * width) + right; q++)
            {
                if (steps[q] == 1 && instances[q] == id)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The columns and rows of pixel (<paramref name="x"/>, <paramref name="y"/>)'s 3×3 neighbourhood (itself included) inside the frame.</summary>
    private static (int Left, int Right, int Top, int Bottom) Around(int x, int y, int width, int rows) =>
        (Math.Max(x - 1, 0), Math.Min(x + 1, width - 1), Math.Max(y - 1, 0), Math.Min(y + 1, rows - 1));

    /// <summary>
    /// The last background pixel (id 0) of the run from <paramref name="i"/> (background) on, before <paramref name="end"/>:
    /// scans over the objects pass over the substrate, most of the image, a run at a time.
    /// </summary>
    internal static int LastBackground(int[] instances, int i, int end)
    {
        var next = instances.AsSpan(i, end - i).IndexOfAnyExcept(0);
        return next < 0 ? end - 1 : i + next - 1;
    }

    /// <summary>Drops debris and renumbers the kept objects 1..kept in raster order; returns the number rejected.</summary>
    private static int Filter(float[] height, int width, int rows, int[] instances, int count, double pixelSizeX, double pixelSizeY,
        AnalysisOptions options, out int kept)
    {
        kept = 0;
        if (count == 0)
        {
            return 0;
        }

        // Every pass runs over the rectangle holding every object (raster order within it is the image's): the rest is substrate.
        var area = new int[count + 1];
        var peaks = new float[count + 1];
        int x0 = width, y0 = rows, x1 = -1, y1 = -1;
        for (var y = 0; y < rows; y++)
        {
            var row = instances.AsSpan(y * width, width);
            var first = row.IndexOfAnyExcept(0);
            if (first < 0)
            {
                continue;
            }

            var last = row.LastIndexOfAnyExcept(0);
            (x0, x1) = (Math.Min(x0, first), Math.Max(x1, last));
            y0 = Math.Min(y0, y);
            y1 = y;
            for (var i = (y * width) + first; i <= (y * width) + last; i++)
            {
                var id = instances[i];
                if (id == 0)
                {
                    i = LastBackground(instances, i, (y * width) + last + 1);
                    continue;
                }

                area[id]++;
                peaks[id] = Math.Max(peaks[id], height[i]);
            }
        }

        if (x1 < 0)
        {
            return 0;
        }

        // Width: twice the largest inscribed radius, from a two-pass chamfer distance transform over all objects (each
        // object's largest distance taken as the transform writes its last).
        var distance = AnalysisPool<float>.Shared.Rent(instances.Length);
        var radius = new float[count + 1];
        ChamferDistance(instances, width, (x0, y0, x1, y1), distance, radius);
        AnalysisPool<float>.Shared.Return(distance);

        // Kept objects are numbered in the order they are first met; every pixel takes its object's number as it is met
        // (its object's fate is decided by then: at its first pixel at the latest).
        var pixelArea = pixelSizeX * pixelSizeY;
        var pixelSize = Math.Sqrt(pixelArea);
        var map = new int[count + 1];
        var rejected = 0;
        for (var y = y0; y <= y1; y++)
        {
            for (var i = (y * width) + x0; i <= (y * width) + x1; i++)
            {
                var id = instances[i];
                if (id == 0)
                {
                    i = LastBackground(instances, i, (y * width) + x1 + 1);
                    continue;
                }

                if (map[id] == 0)
                {
                    var objectWidth = 2 * radius[id] * pixelSize;
                    var ok = peaks[id] >= options.MinPeakHeight && area[id] * pixelArea >= options.MinArea
                             && objectWidth >= options.MinWidth && objectWidth <= options.MaxWidth;
                    if (ok)
                    {
                        map[id] = ++kept;
                    }
                    else
                    {
                        map[id] = -1;
                        rejected++;
                    }
                }

                instances[i] = Math.Max(map[id], 0);
            }
        }

        return rejected;
    }

    /// <summary>
    /// 3-4 chamfer distance (in pixels) from each object pixel to the nearest pixel of another id or the background, into
    /// <paramref name="d"/> (at least as long as the image).
    /// </summary>
    internal static void ChamferDistance(int[] instances, int width, int rows, Span<float> d) =>
        ChamferDistance(instances, width, (0, 0, width - 1, rows - 1), d);

    /// <summary>
    /// The same over the rectangle <paramref name="region"/> of the image only (<paramref name="d"/> indexed as the
    /// image; nothing outside the rectangle is written): outside it counts as outside the image, so the distances are
    /// the whole image's when every pixel around the rectangle is background.
    /// </summary>
    /// <remarks>
    /// With <paramref name="largest"/> (indexed by id, as long as the largest id plus one, zeroed), each object's largest
    /// distance is raised into it as the second pass writes the final distances: no pass of its own over the region.
    /// </remarks>
    internal static void ChamferDistance(int[] instances, int width, (int X0, int Y0, int X1, int Y1) region, Span<float> d, Span<float> largest = default)
    {
        var track = !largest.IsEmpty;
        // Each pixel takes the least of its own value and its four causal neighbours' values plus a step (a step alone
        // from outside the image or from another object): a minimum, which no order of taking it changes.
        const float Orthogonal = 1f, Diagonal = 1.4142135f;
        var (x0, y0, x1, y1) = region;
        for (var y = y0; y <= y1; y++)
        {
            Start(instances.AsSpan((y * width) + x0, x1 - x0 + 1), d.Slice((y * width) + x0, x1 - x0 + 1));
        }

        // The neighbour along the row is taken last, from a local (the value just written): the chain from pixel to pixel
        // is one addition and one comparison. Distances are positive and never NaN, so the order of the minima is free.
        // Background (0, the only zeros: every object pixel's distance is at least a step) is passed over a run at a time:
        // nothing is written there, and the next object pixel's left neighbour is not of its object.
        for (var y = y0; y <= y1; y++)
        {
            var row = y * width;
            var previous = 0f;
            for (var x = x0; x <= x1; x++)
            {
                var i = row + x;
                if (d[i] == 0)
                {
                    // The loop's step lands on the next object pixel (or past the row's end).
                    x = LastBackground(instances, i, row + x1 + 1) - row;
                    continue;
                }

                var id = instances[i];
                var best = d[i];
                if (y > y0)
                {
                    var up = i - width;
                    best = Least(best, instances[up] == id ? d[up] + Orthogonal : Orthogonal);
                    best = Least(best, x > x0 && instances[up - 1] == id ? d[up - 1] + Diagonal : Diagonal);
                    best = Least(best, x < x1 && instances[up + 1] == id ? d[up + 1] + Diagonal : Diagonal);
                }
                else
                {
                    best = Least(best, Orthogonal);
                }

                best = Least(best, x > x0 && instances[i - 1] == id ? previous + Orthogonal : Orthogonal);
                d[i] = best;
                previous = best;
            }
        }

        for (var y = y1; y >= y0; y--)
        {
            var row = y * width;
            var previous = 0f;
            for (var x = x1; x >= x0; x--)
            {
                var i = row + x;
                if (d[i] == 0)
                {
                    var last = instances.AsSpan(row + x0, x - x0 + 1).LastIndexOfAnyExcept(0);
                    if (last < 0)
                    {
                        break;
                    }

                    // The loop's step lands on the object pixel.
                    x = x0 + last + 1;
                    continue;
                }

                var id = instances[i];
                var best = d[i];
                if (y < y1)
                {
                    var down = i + width;
                    best = Least(best, instances[down] == id ? d[down] + Orthogonal : Orthogonal);
                    best = Least(best, x < x1 && instances[down + 1] == id ? d[down + 1] + Diagonal : Diagonal);
                    best = Least(best, x > x0 && instances[down - 1] == id ? d[down - 1] + Diagonal : Diagonal);
                }
                else
                {
                    best = Least(best, Orthogonal);
                }

                best = Least(best, x < x1 && instances[i + 1] == id ? previous + Orthogonal : Orthogonal);
                d[i] = best;
                previous = best;
                if (track)
                {
                    largest[id] = Math.Max(largest[id], best);
                }
            }
        }

        static float Least(float a, float b) => b < a ? b : a;
    }

    /// <summary>A row's start for the distance transform: 0 on background, <see cref="float.MaxValue"/> on an object (lanes as the scalar loop).</summary>
    private static void Start(ReadOnlySpan<int> instances, Span<float> d)
    {
        var x = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var ids = ref MemoryMarshal.GetReference(instances);
            ref var target = ref MemoryMarshal.GetReference(d);
            var far = Vector256.Create(float.MaxValue);
            for (; x + Vector256<int>.Count <= instances.Length; x += Vector256<int>.Count)
            {
                var background = Vector256.Equals(Vector256.LoadUnsafe(ref ids, (nuint)x), Vector256<int>.Zero).AsSingle();
                Vector256.ConditionalSelect(background, Vector256<float>.Zero, far).StoreUnsafe(ref target, (nuint)x);
            }
        }

        for (; x < instances.Length; x++)
        {
            d[x] = instances[x] == 0 ? 0 : float.MaxValue;
        }
    }
}
