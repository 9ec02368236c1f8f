using System.Buffers;
using System.Runtime.InteropServices;

namespace AfmEdge.Messaging;

/// <summary>
/// The bytes of an array of float samples, as memory, without copying them: on a little-endian host the samples'
/// own bytes are the wire form, so a frame's chunks can be published straight from the frame. Pinning (for a
/// socket send) pins the sample array.
/// </summary>
internal sealed class SampleBytes : MemoryManager<byte>
{
    private readonly ArraySegment<float> _samples;

    public SampleBytes(ArraySegment<float> samples)
    {
        ArgumentNullException.ThrowIfNull(samples.Array);
        _samples = samples;
    }

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(_samples.AsSpan());

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _samples.Count * sizeof(float));
        var handle = GCHandle.Alloc(_samples.Array, GCHandleType.Pinned);
        var start = (byte*)handle.AddrOfPinnedObject() + ((long)_samples.Offset * sizeof(float)) + elementIndex;
        return new MemoryHandle(start, handle);
    }

    // Pins are released by disposing the MemoryHandle Pin returned (it frees the GC handle).
    public override void Unpin()
    {
    }

    // Nothing owned: the samples belong to their frame.
    protected override void Dispose(bool disposing)
    {
    }
}
