using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AfmEdge.Analysis;

/// <summary>
/// The first pass of <see cref="Correlation.Pearson"/> (count and sums of the pairs where both samples are finite)
/// as running lane sums: a pair of channels fed in whole-vector pieces, in order, adds the same values in the same
/// order as one call over the whole channels. Sum lane j (j = 0, 1) adds samples 4k + j and 4k + j + 2 (their sum
/// first), k = 0, 1, …: eight samples at a time where the hardware has 256-bit vectors (two such steps), four
/// otherwise. The tail after the last whole vector goes to <see cref="Finish"/>, after the lanes are added up.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct PairSumLanes
{
    private Vector128<double> _sumA;
    private Vector128<double> _sumB;
    private Vector256<int> _count;

    public void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Debug.Assert(a.Length == b.Length && a.Length % Vector128<float>.Count == 0, "equal whole vectors only; the tail goes to Finish");
        var (sumA, sumB, count) = (_sumA, _sumB, _count);
        var done = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var octetsA = MemoryMarshal.Cast<float, Vector256<float>>(a);
            var octetsB = MemoryMarshal.Cast<float, Vector256<float>>(b);
            for (var k = 0; k < octetsA.Length; k++)
            {
                var (va, vb) = (octetsA[k], octetsB[k]);
                var both = Correlation.BothFinite(va, vb);
                var (ka, kb) = (va & both, vb & both);
                var wide = Vector256.WidenLower(ka);
                sumA += wide.GetLower() + wide.GetUpper();
                wide = Vector256.WidenLower(kb);
                sumB += wide.GetLower() + wide.GetUpper();
                wide = Vector256.WidenUpper(ka);
                sumA += wide.GetLower() + wide.GetUpper();
                wide = Vector256.WidenUpper(kb);
                sumB += wide.GetLower() + wide.GetUpper();
                count -= both.AsInt32();
            }

            done = octetsA.Length * Vector256<float>.Count;
        }

        var quadsA = MemoryMarshal.Cast<float, Vector128<float>>(a[done..]);
        var quadsB = MemoryMarshal.Cast<float, Vector128<float>>(b[done..]);
        if (quadsA.Length > 0)
        {
            var count4 = count.GetLower();
            for (var k = 0; k < quadsA.Length; k++)
            {
                var both = Correlation.BothFinite(quadsA[k], quadsB[k]);
                var (al, ah) = Vector128.Widen(quadsA[k] & both);
                var (bl, bh) = Vector128.Widen(quadsB[k] & both);
                sumA += al + ah;
                sumB += bl + bh;
                count4 -= both.AsInt32();
            }

            count = count.WithLower(count4);
        }

        (_sumA, _sumB, _count) = (sumA, sumB, count);
    }

    public readonly (int Count, double SumA, double SumB) Finish(ReadOnlySpan<float> tailA, ReadOnlySpan<float> tailB)
    {
        var sumA = Vector128.Sum(_sumA);
        var sumB = Vector128.Sum(_sumB);
        var count = Vector256.Sum(_count);
        for (var i = 0; i < tailA.Length; i++)
        {
            if (float.IsFinite(tailA[i]) && float.IsFinite(tailB[i]))
            {
                sumA += tailA[i];
                sumB += tailB[i];
                count++;
            }
        }

        return (count, sumA, sumB);
    }
}

/// <summary>
/// The second pass of <see cref="Correlation.Pearson"/> (centred cross and square sums over the pairs where both
/// samples are finite) as running lane sums, fed as <see cref="PairSumLanes"/> is and with the same lanes.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct PairCentredLanes
{
    private Vector128<double> _ab;
    private Vector128<double> _aa;
    private Vector128<double> _bb;

    public void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double meanA, double meanB)
    {
        Debug.Assert(a.Length == b.Length && a.Length % Vector128<float>.Count == 0, "equal whole vectors only; the tail goes to Finish");
        var (ab, aa, bb) = (_ab, _aa, _bb);
        var done = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var octetsA = MemoryMarshal.Cast<float, Vector256<float>>(a);
            var octetsB = MemoryMarshal.Cast<float, Vector256<float>>(b);
            var (ma, mb) = (Vector256.Create(meanA), Vector256.Create(meanB));
            for (var k = 0; k < octetsA.Length; k++)
            {
                var (va, vb) = (octetsA[k], octetsB[k]);
                var both = Correlation.BothFinite(va, vb).AsInt32();
                var mask = Vector256.WidenLower(both).AsDouble();
                var da = (Vector256.WidenLower(va) - ma) & mask;
                var db = (Vector256.WidenLower(vb) - mb) & mask;
                (ab, aa, bb) = Accumulate(ab, aa, bb, da, db);
                mask = Vector256.WidenUpper(both).AsDouble();
                da = (Vector256.WidenUpper(va) - ma) & mask;
                db = (Vector256.WidenUpper(vb) - mb) & mask;
                (ab, aa, bb) = Accumulate(ab, aa, bb, da, db);
            }

            done = octetsA.Length * Vector256<float>.Count;
        }

        var quadsA = MemoryMarshal.Cast<float, Vector128<float>>(a[done..]);
        var quadsB = MemoryMarshal.Cast<float, Vector128<float>>(b[done..]);
        if (quadsA.Length > 0)
        {
            var (ma, mb) = (Vector128.Create(meanA), Vector128.Create(meanB));
            for (var k = 0; k < quadsA.Length; k++)
            {
                var (maskLow, maskHigh) = Vector128.Widen(Correlation.BothFinite(quadsA[k], quadsB[k]).AsInt32());
                var (al, ah) = Vector128.Widen(quadsA[k]);
                var (bl, bh) = Vector128.Widen(quadsB[k]);
                var dal = (al - ma) & maskLow.AsDouble();
                var dah = (ah - ma) & maskHigh.AsDouble();
                var dbl = (bl - mb) & maskLow.AsDouble();
                var dbh = (bh - mb) & maskHigh.AsDouble();
                ab += (dal * dbl) + (dah * dbh);
                aa += (dal * dal) + (dah * dah);
                bb += (dbl * dbl) + (dbh * dbh);
            }
        }

        (_ab, _aa, _bb) = (ab, aa, bb);
    }

    // Four centred pairs: products of samples 0 and 1 added to those of samples 2 and 3 before the lanes, as four at a time.
    private static (Vector128<double> Ab, Vector128<double> Aa, Vector128<double> Bb) Accumulate(
        Vector128<double> ab, Vector128<double> aa, Vector128<double> bb, Vector256<double> da, Vector256<double> db)
    {
        var product = da * db;
        ab += product.GetLower() + product.GetUpper();
        product = da * da;
        aa += product.GetLower() + product.GetUpper();
        product = db * db;
        bb += product.GetLower() + product.GetUpper();
        return (ab, aa, bb);
    }

    public readonly (double Sab, double Saa, double Sbb) Finish(ReadOnlySpan<float> tailA, ReadOnlySpan<float> tailB, double meanA, double meanB)
    {
        double sab = Vector128.Sum(_ab), saa = Vector128.Sum(_aa), sbb = Vector128.Sum(_bb);
        for (var i = 0; i < tailA.Length; i++)
        {
            if (float.IsFinite(tailA[i]) && float.IsFinite(tailB[i]))
            {
                var da = tailA[i] - meanA;
                var db = tailB[i] - meanB;
                sab += da * db;
                saa += da * da;
                sbb += db * db;
            }
        }

        return (sab, saa, sbb);
    }
}
