using System.Runtime.CompilerServices;

namespace AfmEdge.Inference.Native;

/// <summary>
/// Winograd F(2×2, 3×3) over one row of 2×2 output blocks, in three stages per layer: input transform V = Bᵀ·d·B of
/// each block's 4×4 input window, a transform-domain product M[ξ] = Σᵢ U[ξ][o][i]·V[ξ][i] per ξ (a small matrix
/// product, 16 MACs per block and channel pair instead of the direct convolution's 36), and the output transform
/// Y = Aᵀ·M·A with bias, activation and the zero padding of the next layer fused into the store. Vectors run over
/// the blocks of the row.
/// <para>
/// Activation planes keep each row's even and odd columns apart ("split" rows: odd[−1], odd[0…], then even[0…]), so
/// block t's window (columns 2t−1 … 2t+2 = odd[t−1], even[t], odd[t], even[t+1]) is four plain vector loads and its
/// outputs (columns 2t, 2t+1) two plain vector stores, with no shuffles. Every output sample is computed by the same
/// operations in the same order wherever its block sits, which is what makes tiling bitwise exact.
/// </para>
/// </summary>
internal static class WinogradKernels<TVector, TOps>
    where TVector : struct
    where TOps : struct, IVectorOps<TVector>
{
    /// <summary>
    /// V[ξ·ScratchLayout.XiStride(inChannels) + i·ScratchLayout.Line + t] for the block row whose 4×4 windows start at
    /// stored row <paramref name="row"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputTransform(ref float source, in ActivationLayout layout, int row, int inChannels, int blocks, in ScratchLayout scratch, ref float v)
    {
        var n = TOps.Count;
        var xiStride = scratch.XiStride(inChannels);
        for (var i = 0; i < inChannels; i++)
        {
            ref var r0 = ref Unsafe.Add(ref source, (i * layout.PlaneStride) + (row * layout.RowStride));
            ref var r1 = ref Unsafe.Add(ref r0, layout.RowStride);
            ref var r2 = ref Unsafe.Add(ref r1, layout.RowStride);
            ref var r3 = ref Unsafe.Add(ref r2, layout.RowStride);
            ref var target = ref Unsafe.Add(ref v, (nint)i * scratch.Line);
            for (var t = 0; t < blocks; t += n)
            {
                Row(ref r0, layout.EvenBase, t, out var a0, out var a1, out var a2, out var a3);
                Row(ref r1, layout.EvenBase, t, out var b0, out var b1, out var b2, out var b3);
                Row(ref r2, layout.EvenBase, t, out var c0, out var c1, out var c2, out var c3);
                Row(ref r3, layout.EvenBase, t, out var d0, out var d1, out var d2, out var d3);
                Store4(TOps.Subtract(a0, c0), TOps.Subtract(a1, c1), TOps.Subtract(a2, c2), TOps.Subtract(a3, c3), ref target, t, 0, xiStride);
                Store4(TOps.Add(b0, c0), TOps.Add(b1, c1), TOps.Add(b2, c2), TOps.Add(b3, c3), ref target, t, 4, xiStride);
                Store4(TOps.Subtract(c0, b0), TOps.Subtract(c1, b1), TOps.Subtract(c2, b2), TOps.Subtract(c3, b3), ref target, t, 8, xiStride);
                Store4(TOps.Subtract(b0, d0), TOps.Subtract(b1, d1), TOps.Subtract(b2, d2), TOps.Subtract(b3, d3), ref target, t, 12, xiStride);
            }
        }
    }

    /// <summary>M[ξ][o][t] = Σᵢ U[ξ][o][i]·V[ξ][i][t], eight outputs by two vectors of blocks in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(WinogradLayer layer, ref float v, int blocks, in ScratchLayout scratch, ref float m)
    {
        var n = TOps.Count;
        var inChannels = layer.InChannels;
        ref var weights = ref layer.Transformed[0];
        for (var xi = 0; xi < 16; xi++)
        {
            ref var vXi = ref Unsafe.Add(ref v, xi * scratch.XiStride(inChannels));
            for (var b = 0; b < layer.Blocks; b++)
            {
                ref var u = ref Unsafe.Add(ref weights, (((nint)xi * layer.Blocks) + b) * inChannels * WinogradLayer.Block);
                ref var mBlock = ref Unsafe.Add(ref m, (xi * scratch.XiStride(layer.PaddedOutChannels)) + ((nint)b * WinogradLayer.Block * scratch.Line));
                var t = 0;
                for (; t + (2 * n) <= blocks; t += 2 * n)
                {
                    Multiply8x2(ref u, ref Unsafe.Add(ref vXi, t), inChannels, scratch.Line, ref Unsafe.Add(ref mBlock, t));
                }

                if (t < blocks)
                {
                    Multiply8x1(ref u, ref Unsafe.Add(ref vXi, t), inChannels, scratch.Line, ref Unsafe.Add(ref mBlock, t));
                }
            }
        }
    }

    /// <summary>
    /// Y = Aᵀ·M·A + bias, activation, stored as stored rows <paramref name="row"/> and (when <paramref name="storeSecond"/>)
    /// row + 1 of each output plane. Lanes at or past <paramref name="evenLimit"/> / <paramref name="oddLimit"/> blocks are the
    /// next layer's zero padding and are stored as zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OutputTransform(
        WinogradLayer layer, ref float m, int blocks, in ScratchLayout scratch, ref float destination, in ActivationLayout layout, int row, bool storeSecond, int evenLimit, int oddLimit)
    {
        var n = TOps.Count;
        var xiStride = scratch.XiStride(layer.PaddedOutChannels);
        var slope = TOps.Broadcast(layer.NegativeSlope);
        for (var o = 0; o < layer.OutChannels; o++)
        {
            var bias = TOps.Broadcast(layer.Bias[o]);
            ref var mo = ref Unsafe.Add(ref m, (nint)o * scratch.Line);
            ref var top = ref Unsafe.Add(ref destination, (o * layout.PlaneStride) + (row * layout.RowStride));
            ref var bottom = ref Unsafe.Add(ref top, layout.RowStride);
            for (var t = 0; t < blocks; t += n)
            {
                // Aᵀ·M over the rows of M, then ·A over its columns.
                Column(ref mo, t, 0, xiStride, out var s00, out var s10);
                Column(ref mo, t, 1, xiStride, out var s01, out var s11);
                Column(ref mo, t, 2, xiStride, out var s02, out var s12);
                Column(ref mo, t, 3, xiStride, out var s03, out var s13);
                StoreRow(s00, s01, s02, s03, bias, layer.LeakyRelu, slope, t, evenLimit, oddLimit, ref top, layout.EvenBase);
                if (storeSecond)
                {
                    StoreRow(s10, s11, s12, s13, bias, layer.LeakyRelu, slope, t, evenLimit, oddLimit, ref bottom, layout.EvenBase);
                }
            }

            // even[blocks] is the right-hand padding of the last block when the width fills every block.
            Unsafe.Add(ref top, layout.EvenBase + blocks) = 0;
            if (storeSecond)
            {
                Unsafe.Add(ref bottom, layout.EvenBase + blocks) = 0;
            }
        }
    }

    /// <summary>·A over one row of Aᵀ·M: the block's even and odd outputs, + bias, activation, padding lanes zeroed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(
        TVector s0, TVector s1, TVector s2, TVector s3, TVector bias, bool leakyRelu, TVector slope, int t, int evenLimit, int oddLimit, ref float row, int evenBase)
    {
        var even = TOps.Add(TOps.Add(TOps.Add(s0, s1), s2), bias);
        var odd = TOps.Add(TOps.Subtract(TOps.Subtract(s1, s2), s3), bias);
        if (leakyRelu)
        {
            even = TOps.LeakyRelu(even, slope);
            odd = TOps.LeakyRelu(odd, slope);
        }

        if (t + TOps.Count > evenLimit)
        {
            even = TOps.KeepFirst(even, evenLimit - t);
        }

        if (t + TOps.Count > oddLimit)
        {
            odd = TOps.KeepFirst(odd, oddLimit - t);
        }

        TOps.Store(even, ref row, evenBase + t);
        TOps.Store(odd, ref row, ActivationLayout.OddBase + t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(ref float row, int evenBase, int t, out TVector p0, out TVector p1, out TVector p2, out TVector p3)
    {
        // Columns 2t−1, 2t, 2t+1, 2t+2 of the window; odd[t] sits at OddBase + t with odd[−1] at 0.
        var a = TOps.Load(ref row, t);
        var b = TOps.Load(ref row, evenBase + t);
        var c = TOps.Load(ref row, ActivationLayout.OddBase + t);
        var d = TOps.Load(ref row, evenBase + t + 1);
        p0 = TOps.Subtract(a, c);
        p1 = TOps.Add(b, c);
        p2 = TOps.Subtract(c, b);
        p3 = TOps.Subtract(b, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(TVector x0, TVector x1, TVector x2, TVector x3, ref float target, int t, int xi, nint xiStride)
    {
        TOps.Store(x0, ref target, (xi * xiStride) + t);
        TOps.Store(x1, ref target, ((xi + 1) * xiStride) + t);
        TOps.Store(x2, ref target, ((xi + 2) * xiStride) + t);
        TOps.Store(x3, ref target, ((xi + 3) * xiStride) + t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(ref float m, int t, int column, nint xiStride, out TVector first, out TVector second)
    {
        var m0 = TOps.Load(ref m, (column * xiStride) + t);
        var m1 = TOps.Load(ref m, ((4 + column) * xiStride) + t);
        var m2 = TOps.Load(ref m, ((8 + column) * xiStride) + t);
        var m3 = TOps.Load(ref m, ((12 + column) * xiStride) + t);
        first = TOps.Add(TOps.Add(m0, m1), m2);
        second = TOps.Subtract(TOps.Subtract(m1, m2), m3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Multiply8x2(ref float u, ref float v, int inChannels, int line, ref float m)
    {
        var n = TOps.Count;
        TVector a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero, a4 = TOps.Zero, a5 = TOps.Zero, a6 = TOps.Zero, a7 = TOps.Zero;
        TVector b0 = TOps.Zero, b1 = TOps.Zero, b2 = TOps.Zero, b3 = TOps.Zero, b4 = TOps.Zero, b5 = TOps.Zero, b6 = TOps.Zero, b7 = TOps.Zero;
        for (var i = 0; i < inChannels; i++)
        {
            var x0 = TOps.Load(ref v, (nint)i * line);
            var x1 = TOps.Load(ref v, ((nint)i * line) + n);
            ref var w = ref Unsafe.Add(ref u, i * WinogradLayer.Block);
            var w0 = TOps.Broadcast(w);
            a0 = TOps.MultiplyAdd(w0, x0, a0);
            b0 = TOps.MultiplyAdd(w0, x1, b0);
            var w1 = TOps.Broadcast(Unsafe.Add(ref w, 1));
            a1 = TOps.MultiplyAdd(w1, x0, a1);
            b1 = TOps.MultiplyAdd(w1, x1, b1);
            var w2 = TOps.Broadcast(Unsafe.Add(ref w, 2));
            a2 = TOps.MultiplyAdd(w2, x0, a2);
            b2 = TOps.MultiplyAdd(w2, x1, b2);
            var w3 = TOps.Broadcast(Unsafe.Add(ref w, 3));
            a3 = TOps.MultiplyAdd(w3, x0, a3);
            b3 = TOps.MultiplyAdd(w3, x1, b3);
            var w4 = TOps.Broadcast(Unsafe.Add(ref w, 4));
            a4 = TOps.MultiplyAdd(w4, x0, a4);
            b4 = TOps.MultiplyAdd(w4, x1, b4);
            var w5 = TOps.Broadcast(Unsafe.Add(ref w, 5));
            a5 = TOps.MultiplyAdd(w5, x0, a5);
            b5 = TOps.MultiplyAdd(w5, x1, b5);
            var w6 = TOps.Broadcast(Unsafe.Add(ref w, 6));
            a6 = TOps.MultiplyAdd(w6, x0, a6);
            b6 = TOps.MultiplyAdd(w6, x1, b6);
            var w7 = TOps.Broadcast(Unsafe.Add(ref w, 7));
            a7 = TOps.MultiplyAdd(w7, x0, a7);
            b7 = TOps.MultiplyAdd(w7, x1, b7);
        }

        nint s = line;
        TOps.Store(a0, ref m, 0);
        TOps.Store(b0, ref m, n);
        TOps.Store(a1, ref m, s);
        TOps.Store(b1, ref m, s + n);
        TOps.Store(a2, ref m, 2 * s);
        TOps.Store(b2, ref m, (2 * s) + n);
        TOps.Store(a3, ref m, 3 * s);
        TOps.Store(b3, ref m, (3 * s) + n);
        TOps.Store(a4, ref m, 4 * s);
        TOps.Store(b4, ref m, (4 * s) + n);
        TOps.Store(a5, ref m, 5 * s);
        TOps.Store(b5, ref m, (5 * s) + n);
        TOps.Store(a6, ref m, 6 * s);
        TOps.Store(b6, ref m, (6 * s) + n);
        TOps.Store(a7, ref m, 7 * s);
        TOps.Store(b7, ref m, (7 * s) + n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Multiply8x1(ref float u, ref float v, int inChannels, int line, ref float m)
    {
        TVector a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero, a4 = TOps.Zero, a5 = TOps.Zero, a6 = TOps.Zero, a7 = TOps.Zero;
        for (var i = 0; i < inChannels; i++)
        {
            var x0 = TOps.Load(ref v, (nint)i * line);
            ref var w = ref Unsafe.Add(ref u, i * WinogradLayer.Block);
            a0 = TOps.MultiplyAdd(TOps.Broadcast(w), x0, a0);
            a1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref w, 1)), x0, a1);
            a2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref w, 2)), x0, a2);
            a3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref w, 3)), x0, a3);
            a4 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref w, 4)), x0, a4);
            a5 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref w, 5)), x0, a5);
            a6 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref w, 6)), x0, a6);
            a7 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref w, 7)), x0, a7);
        }

        nint s = line;
        TOps.Store(a0, ref m, 0);
        TOps.Store(a1, ref m, s);
        TOps.Store(a2, ref m, 2 * s);
        TOps.Store(a3, ref m, 3 * s);
        TOps.Store(a4, ref m, 4 * s);
        TOps.Store(a5, ref m, 5 * s);
        TOps.Store(a6, ref m, 6 * s);
        TOps.Store(a7, ref m, 7 * s);
    }
}
