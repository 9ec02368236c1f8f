using System.Numerics;
using System.Runtime.InteropServices;

namespace AfmEdge.Processing;

/// <summary>
/// Height statistics as Gwyddion's Statistical Quantities (gwy_data_field_get_stats / _area_get_stats_mask):
/// mean, Sq (RMS about the mean), Sa (mean absolute deviation), skew = Σd³/(n·Sq³), excess kurtosis Σd⁴/(n·Sq⁴) − 3.
/// NaN/Inf pixels and masked pixels are left out; <see cref="Excluded"/> says how many.
/// </summary>
public readonly record struct SurfaceStatistics(long Count, long Excluded, double Mean, double Sq, double Sa, double Skew, double Kurtosis, double Min, double Max)
{
    public static SurfaceStatistics Compute(ReadOnlySpan<float> data, ReadOnlySpan<byte> exclude = default)
    {
        if (!exclude.IsEmpty && exclude.Length != data.Length)
        {
            throw new ArgumentException($"Mask has {exclude.Length} samples but the data have {data.Length}.", nameof(exclude));
        }

        var allIn = exclude.IsEmpty && AllFinite(data);
        long count;
        double sum = 0;
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        if (allIn)
        {
            count = data.Length;
            sum = Simd.Sum(data);
            if (count > 0)
            {
                min = System.Numerics.Tensors.TensorPrimitives.Min(data);
                max = System.Numerics.Tensors.TensorPrimitives.Max(data);
            }
        }
        else
        {
            count = 0;
            for (var i = 0; i < data.Length; i++)
            {
                if (Included(data, exclude, i))
                {
                    var v = data[i];
                    sum += v;
                    count++;
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }
            }
        }

        if (count == 0)
        {
            return new SurfaceStatistics(0, data.Length, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var mean = sum / count;
        double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
        var i0 = 0;
        if (allIn && Vector.IsHardwareAccelerated)
        {
            var m = new Vector<double>(mean);
            Vector<double> a1 = default, a2 = default, a3 = default, a4 = default;
            ref var r = ref MemoryMarshal.GetReference(data);
            for (; i0 <= data.Length - Vector<float>.Count; i0 += Vector<float>.Count)
            {
                var f = Vector.LoadUnsafe(ref r, (nuint)i0);
                foreach (var half in (ReadOnlySpan<Vector<double>>)[Vector.WidenLower(f), Vector.WidenUpper(f)])
                {
                    var d = half - m;
                    var d2 = d * d;
                    a1 += Vector.Abs(d);
                    a2 += d2;
                    a3 += d2 * d;
                    a4 += d2 * d2;
                }
            }

            s1 = Vector.Sum(a1);
            s2 = Vector.Sum(a2);
            s3 = Vector.Sum(a3);
            s4 = Vector.Sum(a4);
        }

        for (var i = i0; i < data.Length; i++)
        {
            if (allIn || Included(data, exclude, i))
            {
                var d = data[i] - mean;
                var d2 = d * d;
                s1 += Math.Abs(d);
                s2 += d2;
                s3 += d2 * d;
                s4 += d2 * d2;
            }
        }

        var sq = Math.Sqrt(s2 / count);
        var skew = sq > 0 ? s3 / (count * sq * sq * sq) : 0.0;
        var kurtosis = sq > 0 ? (s4 / (count * sq * sq * sq * sq)) - 3.0 : 0.0;
        return new SurfaceStatistics(count, data.Length - count, mean, sq, s1 / count, skew, kurtosis, min, max);
    }

    private static bool Included(ReadOnlySpan<float> data, ReadOnlySpan<byte> exclude, int i) =>
        float.IsFinite(data[i]) && (exclude.IsEmpty || exclude[i] == 0);

    internal static bool AllFinite(ReadOnlySpan<float> data)
    {
        // v − v is 0 for a finite value and NaN for ±Inf or NaN, and NaN stays in a sum: one vector pass, no branches.
        var i = 0;
        if (Vector.IsHardwareAccelerated && data.Length >= Vector<float>.Count)
        {
            var sum = Vector<float>.Zero;
            ref var d = ref MemoryMarshal.GetReference(data);
            for (; i <= data.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = Vector.LoadUnsafe(ref d, (nuint)i);
                sum += v - v;
            }

            if (!Vector.EqualsAll(sum, Vector<float>.Zero))
            {
                return false;
            }
        }

        for (; i < data.Length; i++)
        {
            if (!float.IsFinite(data[i]))
            {
                return false;
            }
        }

        return true;
    }
}
