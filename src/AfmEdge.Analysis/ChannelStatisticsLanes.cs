using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AfmEdge.Analysis;

/// <summary>
/// The first pass of <see cref="ChannelStatistics"/> as running lane sums: a channel fed in whole-vector pieces, in
/// order, adds the same values in the same order as one call over the whole channel (the frame's fused passes feed
/// every channel a piece at a time). Sum lane j adds the samples 4k + j, k = 0, 1, …: eight samples at a time where
/// the hardware has 256-bit vectors (two such steps), four otherwise. The tail after the last whole vector goes to
/// <see cref="Finish"/>, after the lanes are added up.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct FiniteSumLanes
{
    private Vector256<double> _sum;
    private Vector256<float> _min;
    private Vector256<float> _max;
    private Vector256<int> _count;

    public FiniteSumLanes()
    {
        _min = Vector256.Create(float.PositiveInfinity);
        _max = Vector256.Create(float.NegativeInfinity);
    }

    public void Add(ReadOnlySpan<float> samples)
    {
        Debug.Assert(samples.Length % Vector128<float>.Count == 0, "whole vectors only; the tail goes to Finish");
        var (sum, min, max, count) = (_sum, _min, _max, _count);
        var done = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var octets = MemoryMarshal.Cast<float, Vector256<float>>(samples);
            foreach (var v in octets)
            {
                // v − v is 0 for finite samples and NaN for NaN and ±∞.
                var finite = Vector256.Equals(v - v, Vector256<float>.Zero);
                var kept = v & finite;
                sum += Vector256.WidenLower(kept);
                sum += Vector256.WidenUpper(kept);

                // Min and Max order −0 below +0 and see no NaN here, so eight lanes give what four would.
                min = Vector256.Min(min, Vector256.ConditionalSelect(finite, v, Vector256.Create(float.PositiveInfinity)));
                max = Vector256.Max(max, Vector256.ConditionalSelect(finite, v, Vector256.Create(float.NegativeInfinity)));
                count -= finite.AsInt32();
            }

            done = octets.Length * Vector256<float>.Count;
        }

        var quads = MemoryMarshal.Cast<float, Vector128<float>>(samples[done..]);
        if (quads.Length > 0)
        {
            Vector128<double> low = sum.GetLower(), high = sum.GetUpper();
            Vector128<float> min4 = min.GetLower(), max4 = max.GetLower();
            var count4 = count.GetLower();
            foreach (var v in quads)
            {
                var finite = Vector128.Equals(v - v, Vector128<float>.Zero);
                var (l, h) = Vector128.Widen(v & finite);
                low += l;
                high += h;
                min4 = Vector128.Min(min4, Vector128.ConditionalSelect(finite, v, Vector128.Create(float.PositiveInfinity)));
                max4 = Vector128.Max(max4, Vector128.ConditionalSelect(finite, v, Vector128.Create(float.NegativeInfinity)));
                count4 -= finite.AsInt32();
            }

            sum = Vector256.Create(low, high);
            min = min.WithLower(min4);
            max = max.WithLower(max4);
            count = count.WithLower(count4);
        }

        (_sum, _min, _max, _count) = (sum, min, max, count);
    }

    /// <summary>The finite samples' count, sum, minimum and maximum: the lanes' sums added up, then the tail one by one.</summary>
    public readonly (int Count, double Sum, float Min, float Max) Finish(ReadOnlySpan<float> tail)
    {
        var sum = Vector128.Sum(_sum.GetLower() + _sum.GetUpper());
        var count = Vector256.Sum(_count);
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        for (var k = 0; k < Vector256<float>.Count; k++)
        {
            min = Math.Min(min, _min[k]);
            max = Math.Max(max, _max[k]);
        }

        foreach (var v in tail)
        {
            if (float.IsFinite(v))
            {
                sum += v;
                count++;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        return (count, sum, min, max);
    }
}

/// <summary>
/// The second pass of <see cref="ChannelStatistics"/> (squares of the finite samples' distances from the mean) as
/// running lane sums, fed as <see cref="FiniteSumLanes"/> is and with the same lanes.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct CentredSquareLanes
{
    private Vector256<double> _squares;

    public void Add(ReadOnlySpan<float> samples, double mean)
    {
        Debug.Assert(samples.Length % Vector128<float>.Count == 0, "whole vectors only; the tail goes to Finish");
        var squares = _squares;
        var done = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var octets = MemoryMarshal.Cast<float, Vector256<float>>(samples);
            var centre = Vector256.Create(mean);
            foreach (var v in octets)
            {
                var finite = Vector256.Equals(v - v, Vector256<float>.Zero).AsInt32();
                var d = Vector256.WidenLower(v) - centre;
                squares += (d * d) & Vector256.WidenLower(finite).AsDouble();
                d = Vector256.WidenUpper(v) - centre;
                squares += (d * d) & Vector256.WidenUpper(finite).AsDouble();
            }

            done = octets.Length * Vector256<float>.Count;
        }

        var quads = MemoryMarshal.Cast<float, Vector128<float>>(samples[done..]);
        if (quads.Length > 0)
        {
            var centre = Vector128.Create(mean);
            Vector128<double> low = squares.GetLower(), high = squares.GetUpper();
            foreach (var v in quads)
            {
                var (maskLow, maskHigh) = Vector128.Widen(Vector128.Equals(v - v, Vector128<float>.Zero).AsInt32());
                var (dl, dh) = Vector128.Widen(v);
                dl -= centre;
                dh -= centre;
                low += (dl * dl) & maskLow.AsDouble();
                high += (dh * dh) & maskHigh.AsDouble();
            }

            squares = Vector256.Create(low, high);
        }

        _squares = squares;
    }

    public readonly double Finish(ReadOnlySpan<float> tail, double mean)
    {
        var squares = Vector128.Sum(_squares.GetLower() + _squares.GetUpper());
        foreach (var v in tail)
        {
            if (float.IsFinite(v))
            {
                squares += (v - mean) * (v - mean);
            }
        }

        return squares;
    }
}
