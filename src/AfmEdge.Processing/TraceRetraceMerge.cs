using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>
/// The chain's "merge-retrace[:K]" step: every trace channel with a retrace becomes the better of the two, pixel by pixel
/// (run it after "register:midpoint", which puts the two directions on the same positions). Trace and retrace see the
/// same surface at different times, so where they agree they differ only by noise, and their mean halves the noise
/// variance. Where a height channel (metres) disagrees by more than K robust σ of the trace − retrace difference (default
/// 3), one direction is wrong: off a trailing edge the Z feedback leaves the tip hanging above the surface
/// ("parachuting") and reads high, and an edge trails on opposite sides in the two directions; so the lower of the two is
/// kept there. Other channels (currents, potentials, forces) are always averaged: the feedback does not hang their
/// probes. Each retrace it merged is dropped from the frame: its information is in the merged trace, and carrying it on
/// would double what every later stage enhances, analyses and publishes (a retrace without a trace stays). The frame metadata entry "merge.retrace" lists per channel the
/// noise σ of the merged channel, σ_d / 2 with σ_d = 1.4826 × MAD of trace − retrace (the noise of each direction is
/// σ_d / √2 when the two are independent), and for heights the share of pixels where the lower was kept; the noise σ also
/// goes to the entries of <see cref="MeasurementNoise"/>, which the analysis reads.
/// </summary>
public sealed class TraceRetraceMerge : IFrameOperation
{
    public const double DefaultThreshold = 3;

    public TraceRetraceMerge(double threshold = DefaultThreshold)
    {
        if (!(threshold > 0 && threshold <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The disagreement threshold must be in (0, 100] robust σ.");
        }

        Threshold = threshold;
    }

    /// <summary>Disagreement, in robust σ of the trace − retrace difference, beyond which a height keeps the lower value.</summary>
    public double Threshold { get; }

    /// <summary>The frame metadata entry the step writes.</summary>
    public static string MetadataKey => "merge.retrace";

    public string Name => Threshold == DefaultThreshold ? "merge-retrace" : string.Create(CultureInfo.InvariantCulture, $"merge-retrace:{Threshold}");

    public Frame Apply(Frame frame) => MergeFrame(frame, buffers: null);

    /// <summary>As <see cref="Apply(Frame)"/>, with every merged channel written into an array rented from <paramref name="buffers"/>.</summary>
    public Frame Apply(Frame frame, ChannelBufferPool buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        return MergeFrame(frame, buffers);
    }

    private Frame MergeFrame(Frame frame, ChannelBufferPool? buffers)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var channels = frame.Channels.ToArray();
        var merged = new bool[channels.Length];
        var report = new List<string>();
        var noise = new List<(string Channel, double Sigma)>();
        for (var t = 0; t < channels.Length; t++)
        {
            var trace = channels[t];
            if (trace.Direction != ScanDirection.Trace)
            {
                continue;
            }

            var r = Array.FindIndex(channels, c => c.Direction == ScanDirection.Retrace && string.Equals(c.Name, trace.Name, StringComparison.OrdinalIgnoreCase));
            if (r < 0)
            {
                continue;
            }

            var retrace = channels[r];
            if (retrace.Width != trace.Width || retrace.Height != trace.Height)
            {
                throw new ArgumentException(
                    $"Channel '{trace.Name}': trace is {trace.Width}×{trace.Height} but retrace is {retrace.Width}×{retrace.Height}; they cannot be merged.", nameof(frame));
            }

            var isHeight = trace.Unit == PhysicalUnit.Metre;
            var samples = ChannelBufferPool.Allocate(buffers, trace.Data.Length);
            var (sigmaD, lower) = Merge(trace.Data, retrace.Data, samples, isHeight ? Threshold : double.PositiveInfinity);
            channels[t] = trace.WithData(trace.Width, trace.Height, samples);
            merged[r] = true;
            noise.Add((trace.Name, 0.5 * sigmaD));
            report.Add(string.Create(CultureInfo.InvariantCulture,
                $"{trace.Name}: noise {0.5 * sigmaD:G4} {trace.Unit.Symbol}{(isHeight ? $", lower kept on {lower:P1}" : string.Empty)}"));
        }

        var result = frame.With(channels.Where((_, c) => !merged[c]), MetadataKey, report.Count == 0 ? "no trace/retrace pair; nothing merged" : string.Join("; ", report));
        return MeasurementNoise.With(result, noise);
    }

    /// <summary>
    /// Merges <paramref name="trace"/> and <paramref name="retrace"/> into <paramref name="output"/>: the mean where they
    /// agree within <paramref name="threshold"/> robust σ of their difference, else the lower. A pixel finite in only one
    /// direction takes that one. Returns the robust σ of the difference and the share of pixels where the lower was kept.
    /// </summary>
    public static (double SigmaDifference, double LowerShare) Merge(ReadOnlySpan<float> trace, ReadOnlySpan<float> retrace, Span<float> output, double threshold)
    {
        if (trace.Length != retrace.Length || output.Length != trace.Length)
        {
            throw new ArgumentException($"Trace ({trace.Length}), retrace ({retrace.Length}) and output ({output.Length}) must have the same length.", nameof(output));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        // Scratch for the robust σ: the frame-sized differences, rented so a merge per frame commits no new memory.
        var differences = ArrayPool<float>.Shared.Rent(trace.Length);
        try
        {
            return Merge(trace, retrace, output, threshold, differences);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(differences);
        }
    }

    private static (double SigmaDifference, double LowerShare) Merge(ReadOnlySpan<float> trace, ReadOnlySpan<float> retrace, Span<float> output, double threshold, float[] differences)
    {
        // Every difference finite (the usual frame: then every sample is finite too) needs no compaction: one vector pass.
        var count = trace.Length;
        var allFinite = SubtractAllFinite(trace, retrace, differences.AsSpan(0, count), out var smallest, out var largest);
        if (!allFinite)
        {
            count = 0;
            for (var i = 0; i < trace.Length; i++)
            {
                var d = trace[i] - retrace[i];
                if (float.IsFinite(d))
                {
                    differences[count++] = d;
                }
            }
        }

        var sigma = 0.0;
        if (count > 0)
        {
            var values = differences.AsSpan(0, count);
            if (allFinite)
            {
                // The range of the differences came with them, so the selections skip their min/max passes. The
                // deviations' range follows from it: rounding is monotonic, so the largest |d − median| is that of the
                // smallest or the largest d, and the median is one of the d, so the smallest is +0. The bracketed
                // selection may return −0 for +0 when both are the median: |d − median| is the same bits either way,
                // and the deviations hold no −0.
                var median = Selection.KthBracketed(values, count / 2, smallest, largest);
                AbsoluteDeviations(values, median);
                sigma = 1.4826 * Selection.KthBracketed(values, count / 2, 0f, Math.Max(largest - median, median - smallest));
            }
            else
            {
                var median = Selection.Median(values);
                AbsoluteDeviations(values, median);
                sigma = 1.4826 * Selection.Median(values);
            }
        }

        // With no spread at all (identical directions) any disagreement is beyond the noise.
        var limit = threshold * sigma;
        long lower = 0;
        var start = allFinite ? MergeFinite(trace, retrace, output, limit, ref lower) : 0;
        for (var i = start; i < trace.Length; i++)
        {
            float a = trace[i], b = retrace[i];
            if (!float.IsFinite(a) || !float.IsFinite(b))
            {
                output[i] = float.IsFinite(a) ? a : b;
                continue;
            }

            if (Math.Abs(a - b) > limit)
            {
                output[i] = Math.Min(a, b);
                lower++;
            }
            else
            {
                output[i] = 0.5f * (a + b);
            }
        }

        return (sigma, trace.Length == 0 ? 0 : lower / (double)trace.Length);
    }

    /// <summary>
    /// <paramref name="differences"/> = trace − retrace, whether every difference is finite, and when so their smallest
    /// and largest (exactly <see cref="TensorPrimitives.Min{T}(ReadOnlySpan{T})"/>'s and Max's), in one pass: the
    /// differences then sit in cache for the selection, which needs no pass of its own for their range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool SubtractAllFinite(ReadOnlySpan<float> trace, ReadOnlySpan<float> retrace, Span<float> differences, out float min, out float max)
    {
        var lanes = Vector<float>.Count;
        ref var t = ref MemoryMarshal.GetReference(trace);
        ref var r = ref MemoryMarshal.GetReference(retrace);
        ref var d = ref MemoryMarshal.GetReference(differences);
        var i = 0;

        // A difference is finite when its value minus itself is zero (NaN and ±Inf give NaN).
        var finite = Vector<int>.AllBitsSet;
        (min, max) = (float.PositiveInfinity, float.NegativeInfinity);
        if (Vector.IsHardwareAccelerated && trace.Length >= lanes)
        {
            // The processor's min/max: with no NaN they pick the same value as Math.Min/Max, and ±0 is settled below.
            var (low, high) = (new Vector<float>(float.PositiveInfinity), new Vector<float>(float.NegativeInfinity));
            for (; i <= trace.Length - lanes; i += lanes)
            {
                var x = Vector.LoadUnsafe(ref t, (nuint)i) - Vector.LoadUnsafe(ref r, (nuint)i);
                x.StoreUnsafe(ref d, (nuint)i);
                finite &= Vector.Equals(x - x, Vector<float>.Zero);
                low = Vector.MinNative(low, x);
                high = Vector.MaxNative(high, x);
            }

            for (var lane = 0; lane < lanes; lane++)
            {
                (min, max) = (MathF.Min(min, low[lane]), MathF.Max(max, high[lane]));
            }
        }

        var allFinite = finite == Vector<int>.AllBitsSet;
        for (; i < trace.Length; i++)
        {
            var x = Unsafe.Add(ref t, i) - Unsafe.Add(ref r, i);
            Unsafe.Add(ref d, i) = x;
            allFinite &= float.IsFinite(x);
            (min, max) = (MathF.Min(min, x), MathF.Max(max, x));
        }

        // A zero at either end may be +0 or −0 depending on which lane met which first; those spans (rare: a frame
        // whose directions agree exactly at one extreme) take the range the library way.
        if (allFinite && differences.Length > 0 && (min == 0 || max == 0))
        {
            (min, max) = (TensorPrimitives.Min<float>(differences), TensorPrimitives.Max<float>(differences));
        }

        return allFinite;
    }

    /// <summary>values = |values − median|, in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AbsoluteDeviations(Span<float> values, float median)
    {
        var lanes = Vector<float>.Count;
        ref var v = ref MemoryMarshal.GetReference(values);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var m = new Vector<float>(median);
            for (; i <= values.Length - lanes; i += lanes)
            {
                Vector.Abs(Vector.LoadUnsafe(ref v, (nuint)i) - m).StoreUnsafe(ref v, (nuint)i);
            }
        }

        for (; i < values.Length; i++)
        {
            Unsafe.Add(ref v, i) = Math.Abs(Unsafe.Add(ref v, i) - median);
        }
    }

    /// <summary>
    /// The merge of all-finite samples a vector at a time, exactly as the scalar loop does it; returns where the scalar
    /// loop takes over (the tail shorter than a vector). The scalar loop compares |a − b| (a float) with the double
    /// <paramref name="limit"/>; a float exceeds it exactly when it exceeds the largest float not above it, so the vector
    /// compare in float decides the same. Where it exceeds, a ≠ b, so the vector minimum meets no ±0 tie.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int MergeFinite(ReadOnlySpan<float> trace, ReadOnlySpan<float> retrace, Span<float> output, double limit, ref long lower)
    {
        if (!Vector.IsHardwareAccelerated)
        {
            return 0;
        }

        var below = (float)limit;
        if (below > limit)
        {
            below = MathF.BitDecrement(below);
        }

        var lanes = Vector<float>.Count;
        var bound = new Vector<float>(below);
        var half = new Vector<float>(0.5f);
        var far = Vector<int>.Zero;
        ref var t = ref MemoryMarshal.GetReference(trace);
        ref var r = ref MemoryMarshal.GetReference(retrace);
        ref var o = ref MemoryMarshal.GetReference(output);
        var i = 0;
        for (; i <= trace.Length - lanes; i += lanes)
        {
            var a = Vector.LoadUnsafe(ref t, (nuint)i);
            var b = Vector.LoadUnsafe(ref r, (nuint)i);
            var beyond = Vector.GreaterThan(Vector.Abs(a - b), bound);
            Vector.ConditionalSelect(beyond, Vector.Min(a, b), half * (a + b)).StoreUnsafe(ref o, (nuint)i);

            // A true lane is −1: the count of lanes kept low, negated.
            far -= beyond;
        }

        lower += Vector.Sum(far);
        return i;
    }
}
