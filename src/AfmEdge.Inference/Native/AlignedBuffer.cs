using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AfmEdge.Inference.Native;

/// <summary>
/// Zeroed floats that start on a 64-byte boundary and never move: an array on the pinned object heap, used from the
/// first aligned element on. The kernels' layouts put every vector on a cache line relative to the buffer's start, but
/// the GC aligns a float[] only to 8 or 16 bytes, so each 512-bit load and store straddled two lines (measured: the
/// transforms, which stream activations and scratch through such vectors, ran slower than the multiply they feed).
/// </summary>
internal sealed unsafe class AlignedBuffer
{
    private const int Alignment = 64;

    private readonly float[] _array;
    private readonly int _offset;

    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _array = GC.AllocateArray<float>(length + (Alignment / sizeof(float)) - 1, pinned: true);
        var address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
        _offset = (int)((Alignment - (address % Alignment)) % Alignment / sizeof(float));
        Length = length;
    }

    public int Length { get; }

    /// <summary>The first (aligned) float.</summary>
    public ref float Start => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _offset);

    public Span<float> Span => _array.AsSpan(_offset, Length);

    public Span<float> Slice(int start, int length) => Span.Slice(start, length);
}
