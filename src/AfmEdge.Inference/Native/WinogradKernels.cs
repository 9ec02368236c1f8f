using System.Runtime.CompilerServices;

namespace AfmEdge.Inference.Native;

/// <summary>
/// Winograd F(4×4, 3×3) over one chunk of a row of 4×4 output blocks, in three stages per layer: input transform
/// V = Bᵀ·d·B of each block's 6×6 input window, a transform-domain product M[ξ] = Σᵢ U[ξ][o][i]·V[ξ][i] per ξ (a small
/// matrix product, 36 MACs per block and channel pair where the direct convolution does 16 × 9 = 144, and F(2×2, 3×3)
/// 4 × 16 = 64), and the output transform Y = Aᵀ·M·A with bias, activation and the zero padding of the next layer
/// fused into the store. Vectors run over the blocks of the row.
/// <para>
/// Activation rows are kept as four phase rows (<see cref="ActivationLayout"/>), so block t's window is six plain
/// vector loads and its four outputs per row four plain stores, with no shuffles. Every output sample is computed by
/// the same operations in the same order wherever its block sits, which is what makes tiling bitwise exact (tiles
/// start on the frame's 4×4 grid).
/// </para>
/// <para>
/// The transforms work on half a 6×6 block at a time (three of six frequencies, two of four output rows) so their
/// live vectors (18 or 12 plus the six loaded) fit the 32 registers of AVX-512 and NEON without spilling.
/// </para>
/// </summary>
internal static class WinogradKernels<TVector, TOps>
    where TVector : struct
    where TOps : struct, IVectorOps<TVector>
{
    /// <summary>
    /// V[ξ·ScratchLayout.XiStride(inChannels) + i·ScratchLayout.Line + t], ξ = 6·(row frequency) + column frequency,
    /// for the block row whose 6×6 windows start at stored row <paramref name="row"/> (rows wrap as
    /// <paramref name="layout"/> says, so the six rows are looked up once, not assumed consecutive).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputTransform(ref float source, in ActivationLayout layout, int row, int inChannels, int blocks, in ScratchLayout scratch, ref float v)
    {
        var n = TOps.Count;
        var xiStride = scratch.XiStride(inChannels);
        var o0 = layout.RowOffset(row);
        var o1 = layout.RowOffset(row + 1);
        var o2 = layout.RowOffset(row + 2);
        var o3 = layout.RowOffset(row + 3);
        var o4 = layout.RowOffset(row + 4);
        var o5 = layout.RowOffset(row + 5);
        var phases = new Phases(layout);
        for (var i = 0; i < inChannels; i++)
        {
            ref var plane = ref Unsafe.Add(ref source, (nint)i * layout.PlaneStride);
            ref var target = ref Unsafe.Add(ref v, (nint)i * scratch.Line);
            for (var t = 0; t < blocks; t += n)
            {
                ref var row0 = ref Unsafe.Add(ref plane, o0 + t);
                ref var row1 = ref Unsafe.Add(ref plane, o1 + t);
                ref var row2 = ref Unsafe.Add(ref plane, o2 + t);
                ref var row3 = ref Unsafe.Add(ref plane, o3 + t);
                ref var row4 = ref Unsafe.Add(ref plane, o4 + t);
                ref var row5 = ref Unsafe.Add(ref plane, o5 + t);

                // Column frequencies 0–2 of the six rows, then the row transform of each.
                Low(ref row0, phases, out var a0, out var a1, out var a2);
                Low(ref row1, phases, out var b0, out var b1, out var b2);
                Low(ref row2, phases, out var c0, out var c1, out var c2);
                Low(ref row3, phases, out var d0, out var d1, out var d2);
                Low(ref row4, phases, out var e0, out var e1, out var e2);
                Low(ref row5, phases, out var f0, out var f1, out var f2);
                Column(a0, b0, c0, d0, e0, f0, ref target, t, 0, xiStride);
                Column(a1, b1, c1, d1, e1, f1, ref target, t, 1, xiStride);
                Column(a2, b2, c2, d2, e2, f2, ref target, t, 2, xiStride);

                // Column frequencies 3–5.
                High(ref row0, phases, out a0, out a1, out a2);
                High(ref row1, phases, out b0, out b1, out b2);
                High(ref row2, phases, out c0, out c1, out c2);
                High(ref row3, phases, out d0, out d1, out d2);
                High(ref row4, phases, out e0, out e1, out e2);
                High(ref row5, phases, out f0, out f1, out f2);
                Column(a0, b0, c0, d0, e0, f0, ref target, t, 3, xiStride);
                Column(a1, b1, c1, d1, e1, f1, ref target, t, 4, xiStride);
                Column(a2, b2, c2, d2, e2, f2, ref target, t, 5, xiStride);
            }
        }
    }

    /// <summary>M[ξ][o][t] = Σᵢ U[ξ][o][i]·V[ξ][i][t], eight outputs (four in a last block that has no more) by two vectors of blocks in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(WinogradLayer layer, ref float v, int blocks, in ScratchLayout scratch, ref float m)
    {
        var n = TOps.Count;
        var inChannels = layer.InChannels;
        ref var weights = ref layer.Transformed[0];
        for (var xi = 0; xi < ScratchLayout.Points; xi++)
        {
            ref var vXi = ref Unsafe.Add(ref v, xi * scratch.XiStride(inChannels));
            for (var b = 0; b < layer.Blocks; b++)
            {
                ref var u = ref Unsafe.Add(ref weights, (((nint)xi * layer.Blocks) + b) * inChannels * WinogradLayer.Block);
                ref var mBlock = ref Unsafe.Add(ref m, (xi * scratch.XiStride(layer.PaddedOutChannels)) + ((nint)b * WinogradLayer.Block * scratch.Line));
                var t = 0;
                if (layer.OutChannels - (b * WinogradLayer.Block) <= WinogradLayer.Block / 2)
                {
                    // A last block with at most four real outputs (the 32 → 4 output layer): the padding outputs are
                    // never stored, so leave them out rather than spend half the block's multiplies on them.
                    for (; t + (2 * n) <= blocks; t += 2 * n)
                    {
                        Multiply4x2(ref u, ref Unsafe.Add(ref vXi, t), inChannels, scratch.Line, ref Unsafe.Add(ref mBlock, t));
                    }
                }

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
    /// Y = Aᵀ·M·A + bias, activation, stored as the first <paramref name="rows"/> (1 to 4) of stored rows
    /// <paramref name="row"/> … row + 3 of each output plane (wrapping as <paramref name="layout"/> says). Samples whose
    /// column (4t + phase, counted from the chunk's first block) is at or past <paramref name="width"/> are the next
    /// layer's zero padding and are stored as zeros; so is p0[blocks], the right-hand padding of the chunk's last block.
    /// </summary>
    public static void OutputTransform(
        WinogradLayer layer, ref float m, int blocks, in ScratchLayout scratch, ref float destination, in ActivationLayout layout, int row, int rows, int width)
    {
        // The activation is a type, not a value tested at each of a block's sixteen stores: each variant compiles to
        // straight-line code (the same operations, so the same bits).
        if (!layer.LeakyRelu)
        {
            OutputTransform<NoActivation>(layer, ref m, blocks, scratch, ref destination, layout, row, rows, width);
        }
        else if (layer.NegativeZeroSlope)
        {
            OutputTransform<LeakyReluIeee>(layer, ref m, blocks, scratch, ref destination, layout, row, rows, width);
        }
        else
        {
            OutputTransform<LeakyRelu>(layer, ref m, blocks, scratch, ref destination, layout, row, rows, width);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OutputTransform<TActivation>(
        WinogradLayer layer, ref float m, int blocks, in ScratchLayout scratch, ref float destination, in ActivationLayout layout, int row, int rows, int width)
        where TActivation : struct, IActivation
    {
        var n = TOps.Count;
        var xiStride = scratch.XiStride(layer.PaddedOutChannels);
        var slope = TOps.Broadcast(layer.NegativeSlope);
        var o0 = layout.RowOffset(row);
        var o1 = layout.RowOffset(row + 1);
        var o2 = layout.RowOffset(row + 2);
        var o3 = layout.RowOffset(row + 3);
        var phases = new Phases(layout);
        var limits = new Limits(width);

        // Vectors of blocks before this hold no padding lane in any phase (phase 3's limit is the lowest).
        var unclipped = Math.Min(blocks, limits.Phase3 - n + 1);
        for (var o = 0; o < layer.OutChannels; o++)
        {
            var bias = TOps.Broadcast(layer.Bias[o]);
            ref var mo = ref Unsafe.Add(ref m, (nint)o * scratch.Line);
            ref var plane = ref Unsafe.Add(ref destination, (nint)o * layout.PlaneStride);
            var t = 0;
            if (rows == 4)
            {
                for (; t < unclipped; t += n)
                {
                    Block<TActivation>(ref mo, t, xiStride, bias, slope, limits, ref plane, o0, o1, o2, o3, 4, phases, clip: false);
                }
            }

            for (; t < blocks; t += n)
            {
                Block<TActivation>(ref mo, t, xiStride, bias, slope, limits, ref plane, o0, o1, o2, o3, rows, phases, clip: true);
            }

            // p0[blocks] of each stored row: the right-hand padding of the chunk's last block.
            Unsafe.Add(ref plane, o0 + phases.P0 + blocks) = 0;
            if (rows > 1)
            {
                Unsafe.Add(ref plane, o1 + phases.P0 + blocks) = 0;
            }

            if (rows > 2)
            {
                Unsafe.Add(ref plane, o2 + phases.P0 + blocks) = 0;
            }

            if (rows > 3)
            {
                Unsafe.Add(ref plane, o3 + phases.P0 + blocks) = 0;
            }
        }
    }

    /// <summary>One vector of blocks of one output channel: Aᵀ·M over M's rows, two output rows at a time, then ·A and the store of each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block<TActivation>(
        ref float mo, int t, nint xiStride, TVector bias, TVector slope, in Limits limits, ref float plane, nint o0, nint o1, nint o2, nint o3, int rows, in Phases phases, bool clip)
        where TActivation : struct, IActivation
    {
        Rows01(ref mo, t, 0, xiStride, out var s00, out var s10);
        Rows01(ref mo, t, 1, xiStride, out var s01, out var s11);
        Rows01(ref mo, t, 2, xiStride, out var s02, out var s12);
        Rows01(ref mo, t, 3, xiStride, out var s03, out var s13);
        Rows01(ref mo, t, 4, xiStride, out var s04, out var s14);
        Rows01(ref mo, t, 5, xiStride, out var s05, out var s15);
        StoreRow<TActivation>(s00, s01, s02, s03, s04, s05, bias, slope, t, limits, ref Unsafe.Add(ref plane, o0 + t), phases, clip);
        if (rows > 1)
        {
            StoreRow<TActivation>(s10, s11, s12, s13, s14, s15, bias, slope, t, limits, ref Unsafe.Add(ref plane, o1 + t), phases, clip);
        }

        if (rows > 2)
        {
            Rows23(ref mo, t, 0, xiStride, out s00, out s10);
            Rows23(ref mo, t, 1, xiStride, out s01, out s11);
            Rows23(ref mo, t, 2, xiStride, out s02, out s12);
            Rows23(ref mo, t, 3, xiStride, out s03, out s13);
            Rows23(ref mo, t, 4, xiStride, out s04, out s14);
            Rows23(ref mo, t, 5, xiStride, out s05, out s15);
            StoreRow<TActivation>(s00, s01, s02, s03, s04, s05, bias, slope, t, limits, ref Unsafe.Add(ref plane, o2 + t), phases, clip);
            if (rows > 3)
            {
                StoreRow<TActivation>(s10, s11, s12, s13, s14, s15, bias, slope, t, limits, ref Unsafe.Add(ref plane, o3 + t), phases, clip);
            }
        }
    }

    /// <summary>Bᵀ·d for frequencies 0–2 of one row's window (<paramref name="row"/> at the block): 4d0 − 5d2 + d4, (d3 + d4) − 4(d1 + d2), (d4 − d3) + 4(d1 − d2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Low(ref float row, in Phases phases, out TVector x0, out TVector x1, out TVector x2)
    {
        var d0 = TOps.Load(ref row, phases.Before0);
        var d1 = TOps.Load(ref row, phases.P0);
        var d2 = TOps.Load(ref row, phases.P1);
        var d3 = TOps.Load(ref row, phases.P2);
        var d4 = TOps.Load(ref row, phases.P3);
        Low(d0, d1, d2, d3, d4, out x0, out x1, out x2);
    }

    /// <summary>Bᵀ·d for frequencies 3–5: (d4 − d2) + 2(d3 − d1), (d4 − d2) − 2(d3 − d1), 4d1 − 5d3 + d5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void High(ref float row, in Phases phases, out TVector x3, out TVector x4, out TVector x5)
    {
        var d1 = TOps.Load(ref row, phases.P0);
        var d2 = TOps.Load(ref row, phases.P1);
        var d3 = TOps.Load(ref row, phases.P2);
        var d4 = TOps.Load(ref row, phases.P3);
        var d5 = TOps.Load(ref row, phases.After3);
        High(d1, d2, d3, d4, d5, out x3, out x4, out x5);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Low(TVector d0, TVector d1, TVector d2, TVector d3, TVector d4, out TVector x0, out TVector x1, out TVector x2)
    {
        x0 = TOps.MultiplyAdd(TOps.Broadcast(4f), d0, TOps.MultiplyAdd(TOps.Broadcast(-5f), d2, d4));
        x1 = TOps.MultiplyAdd(TOps.Broadcast(-4f), TOps.Add(d1, d2), TOps.Add(d3, d4));
        x2 = TOps.MultiplyAdd(TOps.Broadcast(4f), TOps.Subtract(d1, d2), TOps.Subtract(d4, d3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void High(TVector d1, TVector d2, TVector d3, TVector d4, TVector d5, out TVector x3, out TVector x4, out TVector x5)
    {
        var even = TOps.Subtract(d4, d2);
        var odd = TOps.Subtract(d3, d1);
        x3 = TOps.MultiplyAdd(TOps.Broadcast(2f), odd, even);
        x4 = TOps.MultiplyAdd(TOps.Broadcast(-2f), odd, even);
        x5 = TOps.MultiplyAdd(TOps.Broadcast(4f), d1, TOps.MultiplyAdd(TOps.Broadcast(-5f), d3, d5));
    }

    /// <summary>Bᵀ over the six rows of one column frequency, stored as V[6r + column].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(TVector d0, TVector d1, TVector d2, TVector d3, TVector d4, TVector d5, ref float target, int t, int column, nint xiStride)
    {
        Low(d0, d1, d2, d3, d4, out var x0, out var x1, out var x2);
        High(d1, d2, d3, d4, d5, out var x3, out var x4, out var x5);
        TOps.Store(x0, ref target, (column * xiStride) + t);
        TOps.Store(x1, ref target, ((6 + column) * xiStride) + t);
        TOps.Store(x2, ref target, ((12 + column) * xiStride) + t);
        TOps.Store(x3, ref target, ((18 + column) * xiStride) + t);
        TOps.Store(x4, ref target, ((24 + column) * xiStride) + t);
        TOps.Store(x5, ref target, ((30 + column) * xiStride) + t);
    }

    /// <summary>
    /// ·A over one row of Aᵀ·M: the block's four outputs (phases 0–3) m0 + (m1 + m2) + (m3 + m4), (m1 − m2) + 2(m3 − m4),
    /// (m1 + m2) + 4(m3 + m4), (m1 − m2) + 8(m3 − m4) + m5, + bias, activation, and (when <paramref name="clip"/>) padding lanes zeroed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TActivation>(
        TVector m0, TVector m1, TVector m2, TVector m3, TVector m4, TVector m5, TVector bias, TVector slope, int t, in Limits limits, ref float row, in Phases phases, bool clip)
        where TActivation : struct, IActivation
    {
        var sum12 = TOps.Add(m1, m2);
        var difference12 = TOps.Subtract(m1, m2);
        var sum34 = TOps.Add(m3, m4);
        var difference34 = TOps.Subtract(m3, m4);
        Store<TActivation>(TOps.Add(TOps.Add(TOps.Add(m0, sum12), sum34), bias), slope, t, limits.Phase0, ref row, phases.P0, clip);
        Store<TActivation>(TOps.Add(TOps.MultiplyAdd(TOps.Broadcast(2f), difference34, difference12), bias), slope, t, limits.Phase1, ref row, phases.P1, clip);
        Store<TActivation>(TOps.Add(TOps.MultiplyAdd(TOps.Broadcast(4f), sum34, sum12), bias), slope, t, limits.Phase2, ref row, phases.P2, clip);
        Store<TActivation>(TOps.Add(TOps.Add(TOps.MultiplyAdd(TOps.Broadcast(8f), difference34, difference12), m5), bias), slope, t, limits.Phase3, ref row, phases.P3, clip);
    }

    /// <summary>
    /// Stores one phase's vector at <paramref name="row"/> (at block t) + the phase's offset; when <paramref name="clip"/>,
    /// lanes of blocks at or past <paramref name="limit"/> are padding (a caller passes false only where none is).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TActivation>(TVector value, TVector slope, int t, int limit, ref float row, nint phase, bool clip)
        where TActivation : struct, IActivation
    {
        value = TActivation.Apply(value, slope);
        if (clip && t + TOps.Count > limit)
        {
            value = TOps.KeepFirst(value, limit - t);
        }

        TOps.Store(value, ref row, phase);
    }

    /// <summary>Output rows 0 and 1 of Aᵀ·M for one column of M: m0 + (m1 + m2) + (m3 + m4) and (m1 − m2) + 2(m3 − m4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows01(ref float m, int t, int column, nint xiStride, out TVector first, out TVector second)
    {
        var m0 = TOps.Load(ref m, (column * xiStride) + t);
        var m1 = TOps.Load(ref m, ((6 + column) * xiStride) + t);
        var m2 = TOps.Load(ref m, ((12 + column) * xiStride) + t);
        var m3 = TOps.Load(ref m, ((18 + column) * xiStride) + t);
        var m4 = TOps.Load(ref m, ((24 + column) * xiStride) + t);
        first = TOps.Add(TOps.Add(m0, TOps.Add(m1, m2)), TOps.Add(m3, m4));
        second = TOps.MultiplyAdd(TOps.Broadcast(2f), TOps.Subtract(m3, m4), TOps.Subtract(m1, m2));
    }

    /// <summary>Output rows 2 and 3 of Aᵀ·M for one column of M: (m1 + m2) + 4(m3 + m4) and (m1 − m2) + 8(m3 − m4) + m5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows23(ref float m, int t, int column, nint xiStride, out TVector third, out TVector fourth)
    {
        var m1 = TOps.Load(ref m, ((6 + column) * xiStride) + t);
        var m2 = TOps.Load(ref m, ((12 + column) * xiStride) + t);
        var m3 = TOps.Load(ref m, ((18 + column) * xiStride) + t);
        var m4 = TOps.Load(ref m, ((24 + column) * xiStride) + t);
        var m5 = TOps.Load(ref m, ((30 + column) * xiStride) + t);
        third = TOps.MultiplyAdd(TOps.Broadcast(4f), TOps.Add(m3, m4), TOps.Add(m1, m2));
        fourth = TOps.Add(TOps.MultiplyAdd(TOps.Broadcast(8f), TOps.Subtract(m3, m4), TOps.Subtract(m1, m2)), m5);
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
    private static void Multiply4x2(ref float u, ref float v, int inChannels, int line, ref float m)
    {
        var n = TOps.Count;
        TVector a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
        TVector b0 = TOps.Zero, b1 = TOps.Zero, b2 = TOps.Zero, b3 = TOps.Zero;
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
    /// <summary>The output transform's activation, applied before the store.</summary>
    private interface IActivation
    {
        static abstract TVector Apply(TVector value, TVector slope);
    }

    private readonly struct NoActivation : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Apply(TVector value, TVector slope) => value;
    }

    private readonly struct LeakyRelu : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Apply(TVector value, TVector slope) => TOps.LeakyRelu(value, slope);
    }

    /// <summary>LeakyReLU with a −0 slope: IEEE maximum, not the hardware's.</summary>
    private readonly struct LeakyReluIeee : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Apply(TVector value, TVector slope) => TOps.LeakyReluNegativeZeroSlope(value, slope);
    }

    /// <summary>The phase rows' offsets in a row, read from the layout once per call so the loops keep them in registers.</summary>
    private readonly struct Phases(in ActivationLayout layout)
    {
        public readonly nint P0 = layout.Phase0;
        public readonly nint P1 = layout.Phase1;
        public readonly nint P2 = layout.Phase2;
        public readonly nint P3 = layout.Phase3;

        /// <summary>p3[t − 1], the window's first column.</summary>
        public readonly nint Before0 = layout.Phase3 - 1;

        /// <summary>p0[t + 1], the window's last column.</summary>
        public readonly nint After3 = layout.Phase0 + 1;
    }

    /// <summary>Per phase, the first block whose column 4t + phase is at or past the width: the padding starts there.</summary>
    private readonly struct Limits(int width)
    {
        public readonly int Phase0 = (width + 3) >> 2;
        public readonly int Phase1 = (width + 2) >> 2;
        public readonly int Phase2 = (width + 1) >> 2;
        public readonly int Phase3 = width >> 2;
    }
}
