using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AfmEdge.Analysis;

/// <summary>Correlation coefficients between two equally sized sample sets; NaN pairs are skipped.</summary>
public static class Correlation
{
    /// <summary>
    /// Pearson's r computed in two passes (means first, then centred sums) in double precision, which
    /// stays accurate for heights around 1e-7 m whose squares would underflow a one-pass float sum.
    /// Returns NaN when fewer than two valid pairs exist or either side is constant. Four pairs at a time.
    /// </summary>
    public static (double R, int Count) Pearson(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Correlation needs equal lengths, got {a.Length} and {b.Length}.");
        }

        var (count, sumA, sumB) = Sums(a, b);
        if (count < 2)
        {
            return (double.NaN, count);
        }

        var (sab, saa, sbb) = CentredSums(a, b, sumA / count, sumB / count);
        return saa > 0 && sbb > 0 ? (Math.Clamp(sab / Math.Sqrt(saa * sbb), -1, 1), count) : (double.NaN, count);
    }

    // Lanes where both samples are finite (v − v is NaN for NaN and ±∞): all ones, else zero.
    private static Vector128<float> BothFinite(Vector128<float> a, Vector128<float> b) =>
        Vector128.Equals((a - a) + (b - b), Vector128<float>.Zero);

    private static (int Count, double SumA, double SumB) Sums(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var i = 0;
        var count = 0;
        double sumA = 0, sumB = 0;
        if (Vector128.IsHardwareAccelerated && a.Length >= Vector128<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector128<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector128<float>>(b);
            Vector128<double> accA = Vector128<double>.Zero, accB = Vector128<double>.Zero;
            var counts = Vector128<int>.Zero;
            for (var k = 0; k < va.Length; k++)
            {
                var both = BothFinite(va[k], vb[k]);
                var (al, ah) = Vector128.Widen(va[k] & both);
                var (bl, bh) = Vector128.Widen(vb[k] & both);
                accA += al + ah;
                accB += bl + bh;
                counts -= both.AsInt32();
            }

            sumA = Vector128.Sum(accA);
            sumB = Vector128.Sum(accB);
            count = Vector128.Sum(counts);
            i = va.Length * Vector128<float>.Count;
        }

        for (; i < a.Length; i++)
        {
            if (float.IsFinite(a[i]) && float.IsFinite(b[i]))
            {
                sumA += a[i];
                sumB += b[i];
                count++;
            }
        }

        return (count, sumA, sumB);
    }

    private static (double Sab, double Saa, double Sbb) CentredSums(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double meanA, double meanB)
    {
        var i = 0;
        double sab = 0, saa = 0, sbb = 0;
        if (Vector128.IsHardwareAccelerated && a.Length >= Vector128<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector128<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector128<float>>(b);
            var ma = Vector128.Create(meanA);
            var mb = Vector128.Create(meanB);
            Vector128<double> ab = Vector128<double>.Zero, aa = Vector128<double>.Zero, bb = Vector128<double>.Zero;
            for (var k = 0; k < va.Length; k++)
            {
                var (maskLow, maskHigh) = Vector128.Widen(BothFinite(va[k], vb[k]).AsInt32());
                var (al, ah) = Vector128.Widen(va[k]);
                var (bl, bh) = Vector128.Widen(vb[k]);
                var dal = (al - ma) & maskLow.AsDouble();
                var dah = (ah - ma) & maskHigh.AsDouble();
                var dbl = (bl - mb) & maskLow.AsDouble();
                var dbh = (bh - mb) & maskHigh.AsDouble();
                ab += (dal * dbl) + (dah * dbh);
                aa += (dal * dal) + (dah * dah);
                bb += (dbl * dbl) + (dbh * dbh);
            }

            sab = Vector128.Sum(ab);
            saa = Vector128.Sum(aa);
            sbb = Vector128.Sum(bb);
            i = va.Length * Vector128<float>.Count;
        }

        for (; i < a.Length; i++)
        {
            if (float.IsFinite(a[i]) && float.IsFinite(b[i]))
            {
                var da = a[i] - meanA;
                var db = b[i] - meanB;
                sab += da * db;
                saa += da * da;
                sbb += db * db;
            }
        }

        return (sab, saa, sbb);
    }
}
