using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AfmEdge.Core;
using AfmEdge.Inference.Native;

namespace AfmEdge.Inference;

/// <summary>
/// ×2 bicubic interpolation (Keys kernel, a = −0.5), the baseline every learned enhancer must beat.
/// Output pixel centres sit at ±¼ input pixel around each input centre, so only two fixed weight sets
/// exist; the filter is separable and runs as a horizontal then a vertical pass. Borders replicate the
/// edge sample, as Gwyddion's resampling does.
/// </summary>
public sealed class BicubicUpsampler : IFrameEnhancer
{
    // Keys' cubic convolution at the distances of the four taps for a sample ¼ pixel left of a centre
    // (taps at −2, −1, 0, +1 relative to the centre) and its mirror for ¼ pixel right.
    internal static readonly float[] LeftPhase = [Keys(1.75), Keys(0.75), Keys(0.25), Keys(1.25)];
    internal static readonly float[] RightPhase = [Keys(1.25), Keys(0.25), Keys(0.75), Keys(1.75)];

    public string Name => "bicubic";

    /// <summary>
    /// The 5-tap window x−2…x+2 that output pixel 2x + <paramref name="phase"/> draws from: the left phase uses the
    /// first four taps, the right phase the last four. The ONNX graph expresses the skip as this 5×5 convolution.
    /// </summary>
    internal static float[] FiveTapWindow(int phase) =>
        phase == 0 ? [.. LeftPhase, 0f] : [0f, .. RightPhase];

    public int Scale => 2;

    /// <summary>
    /// Where the result arrays come from (arrays of earlier results the caller has finished with); null allocates new
    /// ones. Every sample of a result is written, so what a reused array held never shows.
    /// </summary>
    public ChannelBufferPool? OutputBuffers { get; set; }

    public Frame Enhance(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var channels = new Channel[frame.Channels.Count];
        for (var c = 0; c < channels.Length; c++)
        {
            var source = frame.Channels[c];
            // Every sample is written: no need to have the allocator zero it first.
            var output = ChannelBufferPool.Allocate(OutputBuffers, 4 * source.Width * source.Height);
            Upsample(source.Data, source.Width, source.Height, output);
            channels[c] = source.WithData(2 * source.Width, 2 * source.Height, output);
        }

        return frame.With(channels, "enhancer", Name);
    }

    /// <summary>Writes the (2w)×(2h) upsampled image of <paramref name="input"/> into <paramref name="output"/>.</summary>
    public static void Upsample(ReadOnlySpan<float> input, int width, int height, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Upsample(input, width, height, output, new float[2 * width * height]);
    }

    /// <summary>
    /// As <see cref="Upsample(ReadOnlySpan{float}, int, int, Span{float})"/>, with the intermediate (2w)×h horizontal
    /// pass in <paramref name="scratch"/> (at least 2·w·h floats) so hot paths allocate nothing.
    /// </summary>
    public static void Upsample(ReadOnlySpan<float> input, int width, int height, Span<float> output, Span<float> scratch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (input.Length != width * height || output.Length != 4 * width * height)
        {
            throw new ArgumentException($"Expected {width}×{height} input and {2 * width}×{2 * height} output samples.");
        }

        if (scratch.Length < 2 * width * height)
        {
            throw new ArgumentException($"The scratch needs {2 * width * height} floats, not {scratch.Length}.", nameof(scratch));
        }

        UpsampleRows(input, width, height, output, scratch, 0, height);
    }

    /// <summary>
    /// Output rows 2·<paramref name="firstRow"/> … 2·<paramref name="endRow"/> of <see cref="Upsample(ReadOnlySpan{float}, int, int, Span{float}, Span{float})"/>,
    /// each computed exactly as the whole-image call computes it; disjoint row ranges can run on separate threads, each with
    /// its own <paramref name="scratch"/> (2·w·h floats, rows at their image positions).
    /// </summary>
    internal static void UpsampleRows(ReadOnlySpan<float> input, int width, int height, Span<float> output, Span<float> scratch, int firstRow, int endRow)
    {
        var outWidth = 2 * width;
        var horizontal = scratch[..(outWidth * height)];

        // Output rows of input row y read horizontal rows y − 2 … y + 2 (clamped).
        for (var y = Math.Max(0, firstRow - 2); y < Math.Min(height, endRow + 2); y++)
        {
            HorizontalRow(input.Slice(y * width, width), horizontal.Slice(y * outWidth, outWidth));
        }

        for (var y = firstRow; y < endRow; y++)
        {
            var top = output.Slice(2 * y * outWidth, outWidth);
            var bottom = output.Slice(((2 * y) + 1) * outWidth, outWidth);
            VerticalTap(horizontal, outWidth, height, y - 2, LeftPhase, top);
            VerticalTap(horizontal, outWidth, height, y - 1, RightPhase, bottom);
        }
    }

    /// <summary>
    /// One row's horizontal pass: output 2x from taps x − 2 … x + 1, output 2x + 1 from x − 1 … x + 2. Where no tap is
    /// clamped, four inputs at a time in SIMD, the two phases interleaved by a zip; each lane sums its four products in
    /// the scalar order, so the result is the same bits.
    /// </summary>
    private static void HorizontalRow(ReadOnlySpan<float> row, Span<float> target)
    {
        var width = row.Length;
        var x = 0;
        for (; x < Math.Min(2, width); x++)
        {
            target[2 * x] = Tap(row, x - 2, width, LeftPhase);
            target[(2 * x) + 1] = Tap(row, x - 1, width, RightPhase);
        }

        if (PhaseShuffle.IsSupported)
        {
            var (l0, l1, l2, l3) = (Vector128.Create(LeftPhase[0]), Vector128.Create(LeftPhase[1]), Vector128.Create(LeftPhase[2]), Vector128.Create(LeftPhase[3]));
            var (r0, r1, r2, r3) = (Vector128.Create(RightPhase[0]), Vector128.Create(RightPhase[1]), Vector128.Create(RightPhase[2]), Vector128.Create(RightPhase[3]));
            ref var source = ref MemoryMarshal.GetReference(row);
            ref var destination = ref MemoryMarshal.GetReference(target);

            // Lanes x … x + 3 read x − 2 … x + 5: unclamped while x + 5 ≤ width − 1.
            for (; x + 6 <= width; x += 4)
            {
                var a = Vector128.LoadUnsafe(ref source, (nuint)(x - 2));
                var b = Vector128.LoadUnsafe(ref source, (nuint)(x - 1));
                var c = Vector128.LoadUnsafe(ref source, (nuint)x);
                var d = Vector128.LoadUnsafe(ref source, (nuint)(x + 1));
                var e = Vector128.LoadUnsafe(ref source, (nuint)(x + 2));
                var left = (((Vector128<float>.Zero + (l0 * a)) + (l1 * b)) + (l2 * c)) + (l3 * d);
                var right = (((Vector128<float>.Zero + (r0 * b)) + (r1 * c)) + (r2 * d)) + (r3 * e);
                PhaseShuffle.ZipLow(left, right).StoreUnsafe(ref destination, (nuint)(2 * x));
                PhaseShuffle.ZipHigh(left, right).StoreUnsafe(ref destination, (nuint)((2 * x) + 4));
            }
        }

        for (; x < width; x++)
        {
            target[2 * x] = Tap(row, x - 2, width, LeftPhase);
            target[(2 * x) + 1] = Tap(row, x - 1, width, RightPhase);
        }
    }

    private static float Tap(ReadOnlySpan<float> row, int first, int width, float[] weights)
    {
        var sum = 0f;
        for (var k = 0; k < 4; k++)
        {
            sum += weights[k] * row[Math.Clamp(first + k, 0, width - 1)];
        }

        return sum;
    }

    private static void VerticalTap(ReadOnlySpan<float> rows, int width, int height, int first, float[] weights, Span<float> target)
    {
        var taps = new Taps(
            ref MemoryMarshal.GetReference(rows.Slice(Math.Clamp(first, 0, height - 1) * width, width)),
            ref MemoryMarshal.GetReference(rows.Slice(Math.Clamp(first + 1, 0, height - 1) * width, width)),
            ref MemoryMarshal.GetReference(rows.Slice(Math.Clamp(first + 2, 0, height - 1) * width, width)),
            ref MemoryMarshal.GetReference(rows.Slice(Math.Clamp(first + 3, 0, height - 1) * width, width)),
            weights);
        ref var destination = ref MemoryMarshal.GetReference(target[..width]);

        // The widest accelerated vectors first, narrower ones for what is left, then scalars: every lane and the scalar tail
        // evaluate the same expression in the same order, so the width does not change the result.
        var x = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            x = VerticalRun<Vector512<float>, Vector512Ops>(taps, ref destination, x, width);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            x = VerticalRun<Vector256<float>, Vector256Ops>(taps, ref destination, x, width);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            x = VerticalRun<Vector128<float>, Vector128Ops>(taps, ref destination, x, width);
        }

        for (; x < width; x++)
        {
            Unsafe.Add(ref destination, x) = (weights[0] * Unsafe.Add(ref taps.R0, x)) + (weights[1] * Unsafe.Add(ref taps.R1, x)) +
                (weights[2] * Unsafe.Add(ref taps.R2, x)) + (weights[3] * Unsafe.Add(ref taps.R3, x));
        }
    }

    /// <summary>Columns from <paramref name="x"/> on, whole vectors only; returns the first column left undone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int VerticalRun<TVector, TOps>(in Taps taps, ref float destination, int x, int width)
        where TVector : struct
        where TOps : struct, IVectorOps<TVector>
    {
        var (w0, w1, w2, w3) = (TOps.Broadcast(taps.Weights[0]), TOps.Broadcast(taps.Weights[1]), TOps.Broadcast(taps.Weights[2]), TOps.Broadcast(taps.Weights[3]));
        for (; x <= width - TOps.Count; x += TOps.Count)
        {
            var sum = TOps.Add(
                TOps.Add(TOps.Add(TOps.Multiply(w0, TOps.Load(ref taps.R0, x)), TOps.Multiply(w1, TOps.Load(ref taps.R1, x))), TOps.Multiply(w2, TOps.Load(ref taps.R2, x))),
                TOps.Multiply(w3, TOps.Load(ref taps.R3, x)));
            TOps.Store(sum, ref destination, x);
        }

        return x;
    }

    /// <summary>The four rows a vertical tap reads and their weights.</summary>
    private readonly ref struct Taps(ref float r0, ref float r1, ref float r2, ref float r3, float[] weights)
    {
        public readonly ref float R0 = ref r0;
        public readonly ref float R1 = ref r1;
        public readonly ref float R2 = ref r2;
        public readonly ref float R3 = ref r3;
        public readonly float[] Weights = weights;
    }

    private static float Keys(double distance)
    {
        const double a = -0.5;
        var d = Math.Abs(distance);
        var w = d <= 1
            ? ((a + 2) * d * d * d) - ((a + 3) * d * d) + 1
            : d < 2 ? (a * d * d * d) - (5 * a * d * d) + (8 * a * d) - (4 * a) : 0;
        return (float)w;
    }
}
