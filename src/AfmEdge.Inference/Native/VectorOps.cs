using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AfmEdge.Inference.Native;

/// <summary>
/// The few float-vector operations the kernels need, as static members of a struct so that one generic kernel is
/// compiled once per vector width (512, 256, 128 bits) with every call inlined: the JIT specialises generics over
/// value types, so <c>Kernel&lt;Vector512&lt;float&gt;, Vector512Ops&gt;</c> is plain AVX-512 code.
/// </summary>
internal interface IVectorOps<TVector>
    where TVector : struct
{
    static abstract int Count { get; }

    static abstract TVector Zero { get; }

    static abstract TVector Broadcast(float value);

    static abstract TVector Load(ref float source, nint offset);

    static abstract void Store(TVector value, ref float destination, nint offset);

    static abstract TVector Add(TVector left, TVector right);

    static abstract TVector Subtract(TVector left, TVector right);

    /// <summary>left·right, rounded on its own (not fused with a following add).</summary>
    static abstract TVector Multiply(TVector left, TVector right);

    /// <summary>left·right + addend in one rounding.</summary>
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);

    /// <summary>
    /// LeakyReLU for a slope in [0, 1): max(x, slope·x), as the hardware's max instruction. With such a slope x and
    /// slope·x never are +0 and −0 (the one pair where it and IEEE maximum differ), so the result is IEEE's, without
    /// the three extra instructions per vector x64 spends on Max's signed-zero and NaN rules.
    /// </summary>
    static abstract TVector LeakyRelu(TVector value, TVector slope);

    /// <summary>LeakyReLU as IEEE maximum, for the one slope where the hardware max differs: −0 (x = +0 gives −0·x = −0).</summary>
    static abstract TVector LeakyReluNegativeZeroSlope(TVector value, TVector slope);

    /// <summary>Keeps the lanes whose index is below <paramref name="lanes"/>, zeroes the others.</summary>
    static abstract TVector KeepFirst(TVector value, int lanes);
}

internal readonly struct Vector512Ops : IVectorOps<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nint offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) =>
        Vector512.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LeakyRelu(Vector512<float> value, Vector512<float> slope) => Vector512.MaxNative(value, value * slope);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LeakyReluNegativeZeroSlope(Vector512<float> value, Vector512<float> slope) => Vector512.Max(value, value * slope);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> KeepFirst(Vector512<float> value, int lanes) =>
        Vector512.ConditionalSelect(Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(lanes)).AsSingle(), value, Vector512<float>.Zero);
}

internal readonly struct Vector256Ops : IVectorOps<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nint offset) => Vector256.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) =>
        Vector256.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LeakyRelu(Vector256<float> value, Vector256<float> slope) => Vector256.MaxNative(value, value * slope);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LeakyReluNegativeZeroSlope(Vector256<float> value, Vector256<float> slope) => Vector256.Max(value, value * slope);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> KeepFirst(Vector256<float> value, int lanes) =>
        Vector256.ConditionalSelect(Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(lanes)).AsSingle(), value, Vector256<float>.Zero);
}

internal readonly struct Vector128Ops : IVectorOps<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nint offset) => Vector128.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> left, Vector128<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> left, Vector128<float> right, Vector128<float> addend) =>
        Vector128.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LeakyRelu(Vector128<float> value, Vector128<float> slope) => Vector128.MaxNative(value, value * slope);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LeakyReluNegativeZeroSlope(Vector128<float> value, Vector128<float> slope) => Vector128.Max(value, value * slope);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> KeepFirst(Vector128<float> value, int lanes) =>
        Vector128.ConditionalSelect(Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(lanes)).AsSingle(), value, Vector128<float>.Zero);
}
