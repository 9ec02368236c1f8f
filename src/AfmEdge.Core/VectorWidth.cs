using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AfmEdge.Core;

/// <summary>Which vector width the hot loops take.</summary>
public static class VectorWidth
{
    /// <summary>
    /// Whether <see cref="Vector512{T}"/> runs as hardware vectors: wherever the processor has AVX-512, also where .NET
    /// prefers 256-bit vectors. On Intel cores that lower their clock for 512-bit work (Skylake-SP, Cascade Lake) the
    /// runtime reports <see cref="Vector512.IsHardwareAccelerated"/> false, yet Vector512 still compiles to AVX-512 there,
    /// and the enhancer's and the analysis's loops ran faster at 512 bits on such a core (README, bench figures).
    /// </summary>
    public static bool Has512 { get; } = Vector512.IsHardwareAccelerated || Avx512F.IsSupported;
}
