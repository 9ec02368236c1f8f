namespace AfmEdge.Analysis;

/// <summary>Correlation coefficients between two equally sized sample sets; NaN pairs are skipped.</summary>
public static class Correlation
{
    /// <summary>
    /// Pearson's r computed in two passes (means first, then centred sums) in double precision, which
    /// stays accurate for heights around 1e-7 m whose squares would underflow a one-pass float sum.
    /// Returns NaN when fewer than two valid pairs exist or either side is constant.
    /// </summary>
    public static (double R, int Count) Pearson(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Correlation needs equal lengths, got {a.Length} and {b.Length}.");
        }

        double sumA = 0, sumB = 0;
        var count = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (float.IsFinite(a[i]) && float.IsFinite(b[i]))
            {
                sumA += a[i];
                sumB += b[i];
                count++;
            }
        }

        if (count < 2)
        {
            return (double.NaN, count);
        }

        double meanA = sumA / count, meanB = sumB / count;
        double sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < a.Length; i++)
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

        return saa > 0 && sbb > 0 ? (Math.Clamp(sab / Math.Sqrt(saa * sbb), -1, 1), count) : (double.NaN, count);
    }
}
