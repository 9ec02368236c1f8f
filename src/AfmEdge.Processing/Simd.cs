using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AfmEdge.Processing;

/// <summary>
/// Vector loops shared by the operations. Sums of data run in double (the data are float32, but a frame can sit on a
/// large offset, and Gwyddion, whose numbers we match, works in double), products of ramps too.
/// </summary>
internal static class Simd
{
    /// <summary>moments[k] += Σ_x ramps[k][x]·row[x] for k &lt; count (1…4), one pass over the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateMoments(ReadOnlySpan<float> row, ReadOnlySpan<double> ramps, int width, int count, Span<double> moments)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(ramps.Length, count * width);
        var n = Vector<double>.Count;
        Vector<double> a0 = default, a1 = default, a2 = default, a3 = default;
        ref var r = ref MemoryMarshal.GetReference(row);
        ref var p0 = ref MemoryMarshal.GetReference(ramps);
        ref var p1 = ref Unsafe.Add(ref p0, count > 1 ? width : 0);
        ref var p2 = ref Unsafe.Add(ref p0, count > 2 ? 2 * width : 0);
        ref var p3 = ref Unsafe.Add(ref p0, count > 3 ? 3 * width : 0);
        var x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; x <= width - Vector<float>.Count; x += Vector<float>.Count)
            {
                var f = Vector.LoadUnsafe(ref r, (nuint)x);
                var lo = Vector.WidenLower(f);
                var hi = Vector.WidenUpper(f);
                var i0 = (nuint)x;
                var i1 = (nuint)(x + n);
                a0 += (lo * Vector.LoadUnsafe(ref p0, i0)) + (hi * Vector.LoadUnsafe(ref p0, i1));
                if (count > 1)
                {
                    a1 += (lo * Vector.LoadUnsafe(ref p1, i0)) + (hi * Vector.LoadUnsafe(ref p1, i1));
                }

                if (count > 2)
                {
                    a2 += (lo * Vector.LoadUnsafe(ref p2, i0)) + (hi * Vector.LoadUnsafe(ref p2, i1));
                }

                if (count > 3)
                {
                    a3 += (lo * Vector.LoadUnsafe(ref p3, i0)) + (hi * Vector.LoadUnsafe(ref p3, i1));
                }
            }
        }

        Span<double> sums = [Vector.Sum(a0), Vector.Sum(a1), Vector.Sum(a2), Vector.Sum(a3)];
        for (var k = 0; k < count; k++)
        {
            var sum = sums[k];
            var ramp = ramps.Slice(k * width, width);
            for (var xx = x; xx < width; xx++)
            {
                sum += row[xx] * ramp[xx];
            }

            moments[k] += sum;
        }
    }

    /// <summary>output = input − Σ_k c[k]·ramps[k], evaluated in double (count 1…4 terms) and rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SubtractPolynomial(ReadOnlySpan<float> input, ReadOnlySpan<double> ramps, ReadOnlySpan<double> c, Span<float> output)
    {
        var width = input.Length;
        var count = c.Length;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(ramps.Length, count * width);
        var n = Vector<double>.Count;
        ref var i = ref MemoryMarshal.GetReference(input);
        ref var o = ref MemoryMarshal.GetReference(output);
        ref var p1 = ref Unsafe.Add(ref MemoryMarshal.GetReference(ramps), count > 1 ? width : 0);
        ref var p2 = ref Unsafe.Add(ref MemoryMarshal.GetReference(ramps), count > 2 ? 2 * width : 0);
        ref var p3 = ref Unsafe.Add(ref MemoryMarshal.GetReference(ramps), count > 3 ? 3 * width : 0);
        var c0 = new Vector<double>(c[0]);
        var c1 = new Vector<double>(count > 1 ? c[1] : 0);
        var c2 = new Vector<double>(count > 2 ? c[2] : 0);
        var c3 = new Vector<double>(count > 3 ? c[3] : 0);
        var x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; x <= width - Vector<float>.Count; x += Vector<float>.Count)
            {
                var f = Vector.LoadUnsafe(ref i, (nuint)x);
                var lo = Vector.WidenLower(f) - c0;
                var hi = Vector.WidenUpper(f) - c0;
                var i0 = (nuint)x;
                var i1 = (nuint)(x + n);
                if (count > 1)
                {
                    lo -= c1 * Vector.LoadUnsafe(ref p1, i0);
                    hi -= c1 * Vector.LoadUnsafe(ref p1, i1);
                }

                if (count > 2)
                {
                    lo -= c2 * Vector.LoadUnsafe(ref p2, i0);
                    hi -= c2 * Vector.LoadUnsafe(ref p2, i1);
                }

                if (count > 3)
                {
                    lo -= c3 * Vector.LoadUnsafe(ref p3, i0);
                    hi -= c3 * Vector.LoadUnsafe(ref p3, i1);
                }

                Vector.Narrow(lo, hi).StoreUnsafe(ref o, (nuint)x);
            }
        }

        for (; x < width; x++)
        {
            double z = input[x];
            for (var k = 0; k < count; k++)
            {
                z -= c[k] * ramps[(k * width) + x];
            }

            output[x] = (float)z;
        }
    }

    /// <summary>output = input − background, the difference taken in double and rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SubtractDouble(ReadOnlySpan<float> input, ReadOnlySpan<double> background, Span<float> output)
    {
        var width = input.Length;
        var n = Vector<double>.Count;
        ref var i = ref MemoryMarshal.GetReference(input);
        ref var b = ref MemoryMarshal.GetReference(background);
        ref var o = ref MemoryMarshal.GetReference(output);
        var x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; x <= width - Vector<float>.Count; x += Vector<float>.Count)
            {
                var f = Vector.LoadUnsafe(ref i, (nuint)x);
                var lo = Vector.WidenLower(f);
                var hi = Vector.WidenUpper(f);
                lo -= Vector.LoadUnsafe(ref b, (nuint)x);
                hi -= Vector.LoadUnsafe(ref b, (nuint)(x + n));
                Vector.Narrow(lo, hi).StoreUnsafe(ref o, (nuint)x);
            }
        }

        for (; x < width; x++)
        {
            output[x] = (float)(input[x] - background[x]);
        }
    }

    /// <summary>output = input − offset in double, rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SubtractDouble(ReadOnlySpan<float> input, double offset, Span<float> output)
    {
        var width = input.Length;
        ref var i = ref MemoryMarshal.GetReference(input);
        ref var o = ref MemoryMarshal.GetReference(output);
        var v = new Vector<double>(offset);
        var x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; x <= width - Vector<float>.Count; x += Vector<float>.Count)
            {
                var f = Vector.LoadUnsafe(ref i, (nuint)x);
                var lo = Vector.WidenLower(f);
                var hi = Vector.WidenUpper(f);
                Vector.Narrow(lo - v, hi - v).StoreUnsafe(ref o, (nuint)x);
            }
        }

        for (; x < width; x++)
        {
            output[x] = (float)(input[x] - offset);
        }
    }

    /// <summary>Σ row in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sum(ReadOnlySpan<float> row)
    {
        ref var r = ref MemoryMarshal.GetReference(row);
        var acc = Vector<double>.Zero;
        var x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; x <= row.Length - Vector<float>.Count; x += Vector<float>.Count)
            {
                var f = Vector.LoadUnsafe(ref r, (nuint)x);
                var lo = Vector.WidenLower(f);
                var hi = Vector.WidenUpper(f);
                acc += lo + hi;
            }
        }

        var sum = Vector.Sum(acc);
        for (; x < row.Length; x++)
        {
            sum += row[x];
        }

        return sum;
    }
}
