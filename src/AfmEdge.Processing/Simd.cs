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
    /// <summary>moments[k] += Σ_x ramps[k][x]·row[x] for k &lt; count, one pass over the row.</summary>
    public static void AccumulateMoments(ReadOnlySpan<float> row, ReadOnlySpan<double> ramps, int width, int count, Span<double> moments)
    {
        var n = Vector<double>.Count;
        Span<Vector<double>> acc = stackalloc Vector<double>[8];
        acc[..count].Clear();
        ref var r = ref MemoryMarshal.GetReference(row);
        ref var p = ref MemoryMarshal.GetReference(ramps);
        var x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; x <= width - Vector<float>.Count; x += Vector<float>.Count)
            {
                var f = Vector.LoadUnsafe(ref r, (nuint)x);
                var lo = Vector.WidenLower(f);
                var hi = Vector.WidenUpper(f);
                for (var k = 0; k < count; k++)
                {
                    ref var ramp = ref Unsafe.Add(ref p, k * width);
                    acc[k] += (lo * Vector.LoadUnsafe(ref ramp, (nuint)x)) + (hi * Vector.LoadUnsafe(ref ramp, (nuint)(x + n)));
                }
            }
        }

        for (var k = 0; k < count; k++)
        {
            var sum = Vector.Sum(acc[k]);
            var ramp = ramps.Slice(k * width, width);
            for (var xx = x; xx < width; xx++)
            {
                sum += row[xx] * ramp[xx];
            }

            moments[k] += sum;
        }
    }

    /// <summary>output = input − background, the difference taken in double and rounded once.</summary>
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
