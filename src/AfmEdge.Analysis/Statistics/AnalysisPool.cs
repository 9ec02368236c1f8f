using System.Buffers;

namespace AfmEdge.Analysis.Statistics;

/// <summary>
/// The analysis's own pool of scratch arrays (frame-sized sorts, region columns, union-find tables). The shared pool
/// keeps a few arrays per size and drops what it holds on a gen2 collection, and a frame rents a few dozen arrays of a
/// quarter-million elements at once: what it could not keep came back as fresh memory, whose first touch costs a page
/// fault per 4 KiB (tens of microseconds each on a VM, over a thousand per frame). This pool keeps them between frames.
/// </summary>
internal static class AnalysisPool<T>
{
    // Up to 2048² pixels per array, and enough arrays of one size for every channel's and region's buffers of a frame.
    public static readonly ArrayPool<T> Shared = ArrayPool<T>.Create(1 << 22, 48);
}
