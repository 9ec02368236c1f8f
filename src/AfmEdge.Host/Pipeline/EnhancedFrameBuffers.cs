using AfmEdge.Core;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// The enhanced frames' channel arrays, reused for the next frames' results once nothing can read them. A 256² frame
/// enhances into four 1 MB arrays; allocated afresh per frame they were most of the host's garbage, and as they live
/// for several frames (queued for analysis, publishing and the preview) each collection copied them into the older
/// generations. After the analysis, an enhanced frame has up to three readers: the publisher, whose chunks are the
/// frame's own samples (handed to the embedded broker without a copy), the preview queue when previews are on, and the
/// plot queue when its analysis goes there (the plots read its channels). Its arrays come back only when all are done
/// with it, and never when the broker may still hold a chunk (queued for a subscriber, or sent to an external broker):
/// then the frame stays the broker's and the collector frees it.
/// </summary>
public sealed class EnhancedFrameBuffers
{
    /// <summary>The most bytes kept: the results of eight 512² four-channel frames.</summary>
    public const long MaxPooledBytes = 32L << 20;

    private readonly Dictionary<Frame, int> _readers = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _gate = new();

    /// <summary>Where the enhancer takes its result arrays from.</summary>
    public ChannelBufferPool Pool { get; } = new(MaxPooledBytes);

    /// <summary>Frames shared and not yet released or kept (for tests and diagnostics).</summary>
    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _readers.Count;
            }
        }
    }

    /// <summary>
    /// Hands <paramref name="frame"/> to <paramref name="readers"/> readers; each calls <see cref="Release"/> when it is
    /// done, or <see cref="Keep"/> when it cannot say. The frame's arrays must be shared with no other frame.
    /// </summary>
    public void Share(Frame frame, int readers)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfLessThan(readers, 1);
        lock (_gate)
        {
            if (!_readers.TryAdd(frame, readers))
            {
                throw new InvalidOperationException($"Frame {frame.Id} is already shared.");
            }
        }
    }

    /// <summary>One reader is done with <paramref name="frame"/>; after the last, its arrays go back to <see cref="Pool"/>.</summary>
    public void Release(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_gate)
        {
            // A frame kept (or never shared) is not ours to recycle.
            if (!_readers.TryGetValue(frame, out var left))
            {
                return;
            }

            if (left > 1)
            {
                _readers[frame] = left - 1;
                return;
            }

            _readers.Remove(frame);
        }

        Pool.Return(frame);
    }

    /// <summary>A reader may go on reading <paramref name="frame"/> for as long as it likes: its arrays are never reused.</summary>
    public void Keep(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_gate)
        {
            _readers.Remove(frame);
        }
    }
}
