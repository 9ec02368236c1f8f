using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AfmEdge.Inference.Training;

/// <summary>
/// The trainer's 3×3 convolution kernels on zero-padded planes. A plane of a w×h image is stored as
/// (w + 2)×(h + 2) floats with the image at (1, 1) and a border that stays zero, so no tap needs a bounds
/// check. Weights are repacked per block of four output channels ([block][in][tap][4]) so one input vector
/// load feeds four output accumulators; each block × two vectors of pixels keeps eight accumulators in
/// registers (fits AVX2's 16 and NEON's 32 registers).
/// </summary>
internal static class ConvKernels
{
    public const int OutputBlock = 4;

    /// <summary>Packs [out, in, 3, 3] weights into [out/4][in][9][4]; <paramref name="transposeFlip"/> packs the
    /// adjoint (out ↔ in, kernel rotated 180°), the convolution that carries gradients back to the input.</summary>
    public static void Pack(ReadOnlySpan<float> weights, int inChannels, int outChannels, bool transposeFlip, Span<float> packed)
    {
        var (packedIn, packedOut) = transposeFlip ? (outChannels, inChannels) : (inChannels, outChannels);
        for (var o = 0; o < packedOut; o++)
        {
            for (var i = 0; i < packedIn; i++)
            {
                for (var t = 0; t < 9; t++)
                {
                    var source = transposeFlip
                        ? (((i * inChannels) + o) * 9) + (8 - t)
                        : (((o * inChannels) + i) * 9) + t;
                    packed[((((o / OutputBlock) * packedIn) + i) * 9 + t) * OutputBlock + (o % OutputBlock)] = weights[source];
                }
            }
        }
    }

    /// <summary>
    /// output[o] = Σ_i Σ_taps w · input[i] (+ bias[o]) over padded planes, then either LeakyReLU (forward, when
    /// <paramref name="mask"/> is empty and <paramref name="leaky"/>) or multiplication by the LeakyReLU
    /// derivative read from <paramref name="mask"/> (the previous layer's activations, for the backward pass).
    /// Writes only the interior of each output plane; <paramref name="outChannels"/> must be a multiple of 4.
    /// </summary>
    public static void Convolve(
        ReadOnlySpan<float> input, int inChannels, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, int outChannels,
        int width, int height, bool leaky, float slope, ReadOnlySpan<float> mask, Span<float> output)
    {
        var stride = width + 2;
        var plane = stride * (height + 2);
        var v = Vector<float>.Count;
        ref var inRef = ref MemoryMarshal.GetReference(input);
        ref var wRef = ref MemoryMarshal.GetReference(packed);
        ref var outRef = ref MemoryMarshal.GetReference(output);
        ref var maskRef = ref MemoryMarshal.GetReference(mask);
        var useMask = !mask.IsEmpty;
        var slopes = new Vector<float>(slope);
        for (var block = 0; block < outChannels / OutputBlock; block++)
        {
            var o0 = block * OutputBlock;
            var b0 = bias.IsEmpty ? 0f : bias[o0];
            var b1 = bias.IsEmpty ? 0f : bias[o0 + 1];
            var b2 = bias.IsEmpty ? 0f : bias[o0 + 2];
            var b3 = bias.IsEmpty ? 0f : bias[o0 + 3];
            var blockWeights = block * inChannels * 9 * OutputBlock;
            for (var y = 0; y < height; y++)
            {
                if (width < 2 * v)
                {
                    ScalarRow(input, inChannels, packed, blockWeights, [b0, b1, b2, b3], o0, width, stride, plane, y, leaky, slope, mask, output);
                    continue;
                }

                for (var x0 = 0; ; x0 += 2 * v)
                {
                    // The row's last partial chunk is recomputed as a full chunk overlapping the previous one.
                    var x = Math.Min(x0, width - (2 * v));
                    Vector<float> a0 = new(b0), a1 = new(b1), a2 = new(b2), a3 = new(b3);
                    Vector<float> c0 = a0, c1 = a1, c2 = a2, c3 = a3;
                    var w = blockWeights;
                    for (var i = 0; i < inChannels; i++)
                    {
                        var rowStart = (i * plane) + (y * stride) + x;
                        for (var ky = 0; ky < 3; ky++, rowStart += stride)
                        {
                            for (var kx = 0; kx < 3; kx++, w += OutputBlock)
                            {
                                var p = Vector.LoadUnsafe(ref inRef, (nuint)(rowStart + kx));
                                var q = Vector.LoadUnsafe(ref inRef, (nuint)(rowStart + kx + v));
                                var w0 = new Vector<float>(Unsafe.Add(ref wRef, w));
                                var w1 = new Vector<float>(Unsafe.Add(ref wRef, w + 1));
                                var w2 = new Vector<float>(Unsafe.Add(ref wRef, w + 2));
                                var w3 = new Vector<float>(Unsafe.Add(ref wRef, w + 3));
                                a0 = Vector.FusedMultiplyAdd(w0, p, a0);
                                c0 = Vector.FusedMultiplyAdd(w0, q, c0);
                                a1 = Vector.FusedMultiplyAdd(w1, p, a1);
                                c1 = Vector.FusedMultiplyAdd(w1, q, c1);
                                a2 = Vector.FusedMultiplyAdd(w2, p, a2);
                                c2 = Vector.FusedMultiplyAdd(w2, q, c2);
                                a3 = Vector.FusedMultiplyAdd(w3, p, a3);
                                c3 = Vector.FusedMultiplyAdd(w3, q, c3);
                            }
                        }
                    }

                    var at = ((y + 1) * stride) + x + 1;
                    var at0 = (o0 * plane) + at;
                    Store(ref outRef, ref maskRef, useMask, leaky, slopes, a0, at0);
                    Store(ref outRef, ref maskRef, useMask, leaky, slopes, c0, at0 + v);
                    Store(ref outRef, ref maskRef, useMask, leaky, slopes, a1, at0 + plane);
                    Store(ref outRef, ref maskRef, useMask, leaky, slopes, c1, at0 + plane + v);
                    Store(ref outRef, ref maskRef, useMask, leaky, slopes, a2, at0 + (2 * plane));
                    Store(ref outRef, ref maskRef, useMask, leaky, slopes, c2, at0 + (2 * plane) + v);
                    Store(ref outRef, ref maskRef, useMask, leaky, slopes, a3, at0 + (3 * plane));
                    Store(ref outRef, ref maskRef, useMask, leaky, slopes, c3, at0 + (3 * plane) + v);
                    if (x + (2 * v) >= width)
                    {
                        break;
                    }
                }
            }
        }

    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float outRef, ref float maskRef, bool useMask, bool leaky, Vector<float> slopes, Vector<float> value, int at)
    {
        if (useMask)
        {
            var m = Vector.LoadUnsafe(ref maskRef, (nuint)at);
            value = Vector.ConditionalSelect(Vector.GreaterThan(m, Vector<float>.Zero), value, value * slopes);
        }
        else if (leaky)
        {
            value = Vector.Max(value, value * slopes);
        }

        value.StoreUnsafe(ref outRef, (nuint)at);
    }

    private static void ScalarRow(
        ReadOnlySpan<float> input, int inChannels, ReadOnlySpan<float> packed, int blockWeights, ReadOnlySpan<float> bias, int o0,
        int width, int stride, int plane, int y, bool leaky, float slope, ReadOnlySpan<float> mask, Span<float> output)
    {
        for (var k = 0; k < OutputBlock; k++)
        {
            for (var x = 0; x < width; x++)
            {
                var sum = bias[k];
                var w = blockWeights + k;
                for (var i = 0; i < inChannels; i++)
                {
                    for (var ky = 0; ky < 3; ky++)
                    {
                        for (var kx = 0; kx < 3; kx++, w += OutputBlock)
                        {
                            sum = MathF.FusedMultiplyAdd(packed[w], input[(i * plane) + ((y + ky) * stride) + x + kx], sum);
                        }
                    }
                }

                var at = ((o0 + k) * plane) + ((y + 1) * stride) + x + 1;
                output[at] = !mask.IsEmpty
                    ? (mask[at] > 0 ? sum : sum * slope)
                    : (leaky ? Math.Max(sum, sum * slope) : sum);
            }
        }
    }

    /// <summary>
    /// Writes into <paramref name="weightGradient"/>[o, i, ·, ·] (o in the block of four starting at
    /// <paramref name="o0"/>) Σ over the samples and pixels of gradient[o] × the input tap, and, for
    /// <paramref name="input"/> channel 0 only, the block's bias gradients. Samples are summed in order, so
    /// the result does not depend on which thread runs which block.
    /// </summary>
    public static void WeightGradients(
        float[] inputs, int inChannels, float[] gradients, int outChannels, int samples, int width, int height,
        int o0, int i, Span<float> weightGradient, Span<float> biasGradient)
    {
        var stride = width + 2;
        var plane = stride * (height + 2);
        var v = Vector<float>.Count;
        var vectorWidth = width - (width % v);
        ref var inRef = ref MemoryArrayRef(inputs);
        ref var gRef = ref MemoryArrayRef(gradients);
        Span<float> sums = stackalloc float[OutputBlock * 9];
        Span<double> biasSums = stackalloc double[OutputBlock];
        for (var n = 0; n < samples; n++)
        {
            var inBase = ((n * inChannels) + i) * plane;
            var gBase = ((n * outChannels) + o0) * plane;
            for (var ky = 0; ky < 3; ky++)
            {
                Vector<float> s00 = default, s01 = default, s02 = default, s10 = default, s11 = default, s12 = default;
                Vector<float> s20 = default, s21 = default, s22 = default, s30 = default, s31 = default, s32 = default;
                for (var y = 0; y < height; y++)
                {
                    var inRow = inBase + ((y + ky) * stride);
                    var gRow = gBase + ((y + 1) * stride) + 1;
                    for (var x = 0; x < vectorWidth; x += v)
                    {
                        var p0 = Vector.LoadUnsafe(ref inRef, (nuint)(inRow + x));
                        var p1 = Vector.LoadUnsafe(ref inRef, (nuint)(inRow + x + 1));
                        var p2 = Vector.LoadUnsafe(ref inRef, (nuint)(inRow + x + 2));
                        var g = Vector.LoadUnsafe(ref gRef, (nuint)(gRow + x));
                        s00 = Vector.FusedMultiplyAdd(g, p0, s00);
                        s01 = Vector.FusedMultiplyAdd(g, p1, s01);
                        s02 = Vector.FusedMultiplyAdd(g, p2, s02);
                        g = Vector.LoadUnsafe(ref gRef, (nuint)(gRow + plane + x));
                        s10 = Vector.FusedMultiplyAdd(g, p0, s10);
                        s11 = Vector.FusedMultiplyAdd(g, p1, s11);
                        s12 = Vector.FusedMultiplyAdd(g, p2, s12);
                        g = Vector.LoadUnsafe(ref gRef, (nuint)(gRow + (2 * plane) + x));
                        s20 = Vector.FusedMultiplyAdd(g, p0, s20);
                        s21 = Vector.FusedMultiplyAdd(g, p1, s21);
                        s22 = Vector.FusedMultiplyAdd(g, p2, s22);
                        g = Vector.LoadUnsafe(ref gRef, (nuint)(gRow + (3 * plane) + x));
                        s30 = Vector.FusedMultiplyAdd(g, p0, s30);
                        s31 = Vector.FusedMultiplyAdd(g, p1, s31);
                        s32 = Vector.FusedMultiplyAdd(g, p2, s32);
                    }
                }

                var t = ky * 3;
                sums[t] += Vector.Sum(s00);
                sums[t + 1] += Vector.Sum(s01);
                sums[t + 2] += Vector.Sum(s02);
                sums[9 + t] += Vector.Sum(s10);
                sums[9 + t + 1] += Vector.Sum(s11);
                sums[9 + t + 2] += Vector.Sum(s12);
                sums[18 + t] += Vector.Sum(s20);
                sums[18 + t + 1] += Vector.Sum(s21);
                sums[18 + t + 2] += Vector.Sum(s22);
                sums[27 + t] += Vector.Sum(s30);
                sums[27 + t + 1] += Vector.Sum(s31);
                sums[27 + t + 2] += Vector.Sum(s32);

                // Columns past the last whole vector.
                for (var y = 0; y < height; y++)
                {
                    for (var x = vectorWidth; x < width; x++)
                    {
                        for (var k = 0; k < OutputBlock; k++)
                        {
                            var g = gradients[gBase + (k * plane) + ((y + 1) * stride) + x + 1];
                            for (var kx = 0; kx < 3; kx++)
                            {
                                sums[(k * 9) + t + kx] += g * inputs[inBase + ((y + ky) * stride) + x + kx];
                            }
                        }
                    }
                }
            }

            if (i == 0)
            {
                for (var k = 0; k < OutputBlock; k++)
                {
                    var g = gBase + (k * plane);
                    var sum = 0f;
                    for (var y = 0; y < height; y++)
                    {
                        sum += System.Numerics.Tensors.TensorPrimitives.Sum(gradients.AsSpan(g + ((y + 1) * stride) + 1, width));
                    }

                    biasSums[k] += sum;
                }
            }
        }

        for (var k = 0; k < OutputBlock; k++)
        {
            var at = (((o0 + k) * inChannels) + i) * 9;
            for (var t = 0; t < 9; t++)
            {
                weightGradient[at + t] = sums[(k * 9) + t];
            }

            if (i == 0)
            {
                biasGradient[o0 + k] = (float)biasSums[k];
            }
        }
    }

    private static ref float MemoryArrayRef(float[] array) => ref MemoryMarshal.GetArrayDataReference(array);
}
