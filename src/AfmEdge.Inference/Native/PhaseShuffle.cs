using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace AfmEdge.Inference.Native;

/// <summary>
/// The engine's two reshuffles between image rows and phase rows (<see cref="ActivationLayout"/>), four blocks (16
/// columns) at a time as 4×4 transposes of 128-bit vectors (SSE on x64, NEON on the ARM board): the normalised input
/// dealt out by column phase, and the last layer's residual interleaved back into the ×2 output rows. Each sample gets
/// the operations of the scalar loops they replace, in the same order, so the results are the same bits; the scalar
/// loops remain for a row's last columns and for hardware with neither instruction set.
/// </summary>
internal static class PhaseShuffle
{
    /// <summary>True when the 128-bit shuffles are accelerated here.</summary>
    public static bool IsSupported => Sse.IsSupported || AdvSimd.Arm64.IsSupported;

    /// <summary>
    /// (x − <paramref name="mean"/>) / <paramref name="std"/> of columns 0 … 16k − 1 of <paramref name="source"/> into phase
    /// rows: column 4t + p goes to <paramref name="row"/>[<paramref name="layout"/>.Phase(p) + t]. Returns the number of
    /// blocks written (k·4); the caller handles the columns from 4 times that on.
    /// </summary>
    public static int Normalise(ReadOnlySpan<float> source, float mean, float std, Span<float> row, in ActivationLayout layout)
    {
        if (!IsSupported)
        {
            return 0;
        }

        var blocks = source.Length / 16 * 4;
        if (row.Length < layout.Phase2 + blocks)
        {
            throw new ArgumentException($"A phase row of {row.Length} floats cannot hold {blocks} blocks.", nameof(row));
        }

        var meanV = Vector128.Create(mean);
        var stdV = Vector128.Create(std);
        ref var input = ref MemoryMarshal.GetReference(source);
        ref var target = ref MemoryMarshal.GetReference(row);
        for (var t = 0; t < blocks; t += 4)
        {
            ref var at = ref Unsafe.Add(ref input, 4 * t);
            var a = (Vector128.LoadUnsafe(ref at) - meanV) / stdV;
            var b = (Vector128.LoadUnsafe(ref at, 4) - meanV) / stdV;
            var c = (Vector128.LoadUnsafe(ref at, 8) - meanV) / stdV;
            var d = (Vector128.LoadUnsafe(ref at, 12) - meanV) / stdV;

            // a0 a2 b0 b2 | c0 c2 d0 d2, then their even lanes are phase 0 (a0 b0 c0 d0) and their odd ones phase 2.
            var evenAb = UnzipEven(a, b);
            var evenCd = UnzipEven(c, d);
            var oddAb = UnzipOdd(a, b);
            var oddCd = UnzipOdd(c, d);
            UnzipEven(evenAb, evenCd).StoreUnsafe(ref target, (nuint)(layout.Phase0 + t));
            UnzipOdd(evenAb, evenCd).StoreUnsafe(ref target, (nuint)(layout.Phase2 + t));
            UnzipEven(oddAb, oddCd).StoreUnsafe(ref target, (nuint)(layout.Phase1 + t));
            UnzipOdd(oddAb, oddCd).StoreUnsafe(ref target, (nuint)(layout.Phase3 + t));
        }

        return blocks;
    }

    /// <summary>
    /// row[8t + 2p + dx] += std · residual dx at column 4t + p (phase row p, index t), for the first 4k blocks whose 32
    /// output columns fit in <paramref name="row"/>. Returns the number of blocks done; the caller handles the rest.
    /// </summary>
    public static int AddResidual(Span<float> row, ReadOnlySpan<float> dx0, ReadOnlySpan<float> dx1, in ActivationLayout layout, float std)
    {
        if (!IsSupported)
        {
            return 0;
        }

        var blocks = row.Length / 32 * 4;
        if (dx0.Length < layout.Phase2 + blocks || dx1.Length < layout.Phase2 + blocks)
        {
            throw new ArgumentException($"Residual phase rows too short for {blocks} blocks.", nameof(dx0));
        }

        var stdV = Vector128.Create(std);
        ref var target = ref MemoryMarshal.GetReference(row);
        ref var r0 = ref MemoryMarshal.GetReference(dx0);
        ref var r1 = ref MemoryMarshal.GetReference(dx1);
        for (var t = 0; t < blocks; t += 4)
        {
            // Residual dx of phase p for blocks t … t + 3, scaled as the scalar std · residual.
            var a0 = stdV * Vector128.LoadUnsafe(ref r0, (nuint)(layout.Phase0 + t));
            var b0 = stdV * Vector128.LoadUnsafe(ref r1, (nuint)(layout.Phase0 + t));
            var a1 = stdV * Vector128.LoadUnsafe(ref r0, (nuint)(layout.Phase1 + t));
            var b1 = stdV * Vector128.LoadUnsafe(ref r1, (nuint)(layout.Phase1 + t));
            var a2 = stdV * Vector128.LoadUnsafe(ref r0, (nuint)(layout.Phase2 + t));
            var b2 = stdV * Vector128.LoadUnsafe(ref r1, (nuint)(layout.Phase2 + t));
            var a3 = stdV * Vector128.LoadUnsafe(ref r0, (nuint)(layout.Phase3 + t));
            var b3 = stdV * Vector128.LoadUnsafe(ref r1, (nuint)(layout.Phase3 + t));

            // Pairs (dx0, dx1) per phase, blocks t, t + 1 in the low zips and t + 2, t + 3 in the high ones.
            var low0 = ZipLow(a0, b0);
            var low1 = ZipLow(a1, b1);
            var low2 = ZipLow(a2, b2);
            var low3 = ZipLow(a3, b3);
            var high0 = ZipHigh(a0, b0);
            var high1 = ZipHigh(a1, b1);
            var high2 = ZipHigh(a2, b2);
            var high3 = ZipHigh(a3, b3);

            // Block j's eight outputs: the pairs of phases 0, 1 then 2, 3.
            ref var at = ref Unsafe.Add(ref target, 8 * t);
            AddTo(ref at, 0, ZipLow64(low0, low1));
            AddTo(ref at, 4, ZipLow64(low2, low3));
            AddTo(ref at, 8, ZipHigh64(low0, low1));
            AddTo(ref at, 12, ZipHigh64(low2, low3));
            AddTo(ref at, 16, ZipLow64(high0, high1));
            AddTo(ref at, 20, ZipLow64(high2, high3));
            AddTo(ref at, 24, ZipHigh64(high0, high1));
            AddTo(ref at, 28, ZipHigh64(high2, high3));
        }

        return blocks;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo(ref float row, nuint offset, Vector128<float> residual) =>
        (Vector128.LoadUnsafe(ref row, offset) + residual).StoreUnsafe(ref row, offset);

    /// <summary>x0 x2 y0 y2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> UnzipEven(Vector128<float> x, Vector128<float> y) =>
        Sse.IsSupported ? Sse.Shuffle(x, y, 0b10_00_10_00) : AdvSimd.Arm64.UnzipEven(x, y);

    /// <summary>x1 x3 y1 y3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> UnzipOdd(Vector128<float> x, Vector128<float> y) =>
        Sse.IsSupported ? Sse.Shuffle(x, y, 0b11_01_11_01) : AdvSimd.Arm64.UnzipOdd(x, y);

    /// <summary>x0 y0 x1 y1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> ZipLow(Vector128<float> x, Vector128<float> y) =>
        Sse.IsSupported ? Sse.UnpackLow(x, y) : AdvSimd.Arm64.ZipLow(x, y);

    /// <summary>x2 y2 x3 y3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> ZipHigh(Vector128<float> x, Vector128<float> y) =>
        Sse.IsSupported ? Sse.UnpackHigh(x, y) : AdvSimd.Arm64.ZipHigh(x, y);

    /// <summary>The low halves of x and y: x0 x1 y0 y1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ZipLow64(Vector128<float> x, Vector128<float> y) =>
        Sse.IsSupported ? Sse.MoveLowToHigh(x, y) : AdvSimd.Arm64.ZipLow(x.AsDouble(), y.AsDouble()).AsSingle();

    /// <summary>The high halves of x and y: x2 x3 y2 y3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ZipHigh64(Vector128<float> x, Vector128<float> y) =>
        Sse.IsSupported ? Sse.MoveHighToLow(y, x) : AdvSimd.Arm64.ZipHigh(x.AsDouble(), y.AsDouble()).AsSingle();
}
