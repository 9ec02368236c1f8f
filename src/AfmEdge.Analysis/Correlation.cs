using System.Runtime.Intrinsics;

namespace AfmEdge.Analysis;

/// <summary>Correlation coefficients between two equally sized sample sets; NaN pairs are skipped.</summary>
public static class Correlation
{
    /// <summary>
    /// Pearson's r computed in two passes (means first, then centred sums) in double precision, which
    /// stays accurate for heights around 1e-7 m whose squares would underflow a one-pass float sum.
    /// Returns NaN when fewer than two valid pairs exist or either side is constant. Vector lanes at a time (<see cref="PairSumLanes"/>, <see cref="PairCentredLanes"/>).
    /// </summary>
    public static (double R, int Count) Pearson(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Correlation needs equal lengths, got {a.Length} and {b.Length}.");
        }

        var whole = ChannelStatistics.WholeVectors(a.Length);
        var first = new PairSumLanes();
        first.Add(a[..whole], b[..whole]);
        var (count, sumA, sumB) = first.Finish(a[whole..], b[whole..]);
        if (count < 2)
        {
            return (double.NaN, count);
        }

        var (meanA, meanB) = (ChannelStatistics.MeanOf(sumA, count), ChannelStatistics.MeanOf(sumB, count));
        var second = new PairCentredLanes();
        second.Add(a[..whole], b[..whole], meanA, meanB);
        var (sab, saa, sbb) = second.Finish(a[whole..], b[whole..], meanA, meanB);
        return (Coefficient(sab, saa, sbb), count);
    }

    internal static double Coefficient(double sab, double saa, double sbb) =>
        saa > 0 && sbb > 0 ? Math.Clamp(sab / Math.Sqrt(saa * sbb), -1, 1) : double.NaN;

    // Lanes where both samples are finite (v − v is NaN for NaN and ±∞): all ones, else zero.
    internal static Vector128<float> BothFinite(Vector128<float> a, Vector128<float> b) =>
        Vector128.Equals((a - a) + (b - b), Vector128<float>.Zero);

    internal static Vector256<float> BothFinite(Vector256<float> a, Vector256<float> b) =>
        Vector256.Equals((a - a) + (b - b), Vector256<float>.Zero);
}
