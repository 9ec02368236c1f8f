using System.Runtime.InteropServices;

namespace AfmEdge.Core;

/// <summary>
/// Channel arrays kept between frames, for callers that make frame after frame (file importers, the processing chain)
/// and are done with each before long. A 512² float32 channel is 1 MB, so every fresh one lands on the large object
/// heap; after each gen2 collection the GC hands the free end of that heap back to the OS, and the next frame's
/// channels are written into newly committed pages, one page fault per 4 KB. On a virtual machine that costs more
/// than reading the file from the disk (`afmedge bench formats`) or than a processing step (`afmedge bench process`).
/// An array handed back with <see cref="Return(Frame)"/> is already mapped, so the next frame of the same size writes
/// straight into it.
/// </summary>
/// <remarks>
/// Rented arrays hold whatever the previous frame left; whoever rents one writes each sample of it. Thread-safe.
/// Holds at most <see cref="MaxRetainedBytes"/>; arrays beyond that are left to the GC.
/// </remarks>
public sealed class ChannelBufferPool
{
    /// <summary>The default bound: two 4-channel 1024² frames.</summary>
    public const long DefaultMaxRetainedBytes = 32L << 20;

    private readonly Lock _gate = new();
    private readonly Dictionary<int, Stack<float[]>> _free = [];

    // Which arrays are in the pool: a frame handed back twice must not put one array into two future channels.
    private readonly HashSet<float[]> _held = new(ReferenceEqualityComparer.Instance);
    private long _retainedBytes;

    public ChannelBufferPool(long maxRetainedBytes = DefaultMaxRetainedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetainedBytes);
        MaxRetainedBytes = maxRetainedBytes;
    }

    /// <summary>The most bytes of arrays the pool keeps; 0 keeps none.</summary>
    public long MaxRetainedBytes { get; }

    /// <summary>Bytes of arrays waiting in the pool now.</summary>
    public long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return _retainedBytes;
            }
        }
    }

    /// <summary>
    /// An array of exactly <paramref name="length"/> samples with unspecified contents: one handed back earlier when
    /// there is one, otherwise a new uninitialised one. The caller must write every sample.
    /// </summary>
    public float[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        lock (_gate)
        {
            if (_free.TryGetValue(length, out var stack) && stack.TryPop(out var array))
            {
                _held.Remove(array);
                _retainedBytes -= (long)length * sizeof(float);
                return array;
            }
        }

        return GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>
    /// Takes back the sample arrays of a frame the caller has finished with. Nothing may read the frame, or any frame
    /// that shares its channels, afterwards: the next import overwrites the samples.
    /// </summary>
    public void Return(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        foreach (var channel in frame.Channels)
        {
            Return(channel);
        }
    }

    /// <summary>Takes back the sample array of a channel the caller has finished with; see <see cref="Return(Frame)"/>.</summary>
    public void Return(Channel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (ArrayOf(channel) is { } array)
        {
            Return(array);
        }
    }

    /// <summary>Takes back the sample arrays of every frame in <paramref name="frames"/>; see <see cref="Return(Frame)"/>.</summary>
    public void Return(IEnumerable<Frame> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        foreach (var frame in frames)
        {
            Return(frame);
        }
    }

    /// <summary>
    /// Takes back one array the caller owns alone (rented here or not); nothing may read or write it afterwards. An
    /// array already in the pool is not taken twice.
    /// </summary>
    public void Return(float[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var bytes = (long)array.Length * sizeof(float);
        lock (_gate)
        {
            if (array.Length == 0 || _retainedBytes + bytes > MaxRetainedBytes || !_held.Add(array))
            {
                return;
            }

            if (!_free.TryGetValue(array.Length, out var stack))
            {
                stack = new Stack<float[]>();
                _free.Add(array.Length, stack);
            }

            stack.Push(array);
            _retainedBytes += bytes;
        }
    }

    /// <summary>
    /// A channel array from <paramref name="pool"/> when there is one, else a new uninitialised array: for a writer that
    /// writes every sample before anyone reads it.
    /// </summary>
    public static float[] Allocate(ChannelBufferPool? pool, int length) =>
        pool is null ? GC.AllocateUninitializedArray<float>(length) : pool.Rent(length);

    /// <summary>The array a channel owns (Channel checks its length, so the whole array is the samples); null if it has none.</summary>
    internal static float[]? ArrayOf(Channel channel) =>
        MemoryMarshal.TryGetArray(channel.Memory, out var segment) && segment.Array is { } array
            && segment.Offset == 0 && segment.Count == array.Length
            ? array
            : null;
}
