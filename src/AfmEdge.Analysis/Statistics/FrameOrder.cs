using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AfmEdge.Analysis.Statistics;

/// <summary>
/// One channel's finite values over the whole frame, sorted (ties in raster order), with the pixel of each. A region's
/// sorted values are this order filtered by label (<see cref="SortedChannel.Split"/>), so a channel can be sorted
/// before the regions are known, while the height is still being segmented. Buffers are rented.
/// </summary>
internal sealed class FrameOrder : IDisposable
{
    // Three digits of 11 bits cover the 32-bit key; 2048 buckets keep every write stream of a pass in the caches.
    private const int Bits = 11;
    private const int Buckets = 1 << Bits;
    private const int Digits = 3;

    private readonly float[] _values;
    private readonly int[] _pixels;

    private FrameOrder(float[] values, int[] pixels, int count)
    {
        _values = values;
        _pixels = pixels;
        Count = count;
    }

    public int Count { get; }

    public ReadOnlySpan<float> Values => _values.AsSpan(0, Count);

    public ReadOnlySpan<int> Pixels => _pixels.AsSpan(0, Count);

    /// <summary>
    /// The finite values of <paramref name="data"/> in ascending order, ties in raster order (a stable sort by value).
    /// Each value's order-preserving key and its pixel travel packed in one 64-bit word through an LSD radix sort of
    /// three 11-bit digits: one write stream per bucket instead of two, the gathering of the finite values and the
    /// digit histograms in one pass, and the last pass writing the values and pixels straight out. A digit that is
    /// the same for every value (a channel within a narrow range) costs no pass at all.
    /// </summary>
    public static FrameOrder Create(ReadOnlySpan<float> data)
    {
        var values = AnalysisPool<float>.Shared.Rent(Math.Max(1, data.Length));
        var pixels = AnalysisPool<int>.Shared.Rent(Math.Max(1, data.Length));
        var packed = AnalysisPool<ulong>.Shared.Rent(Math.Max(1, data.Length));
        var scratch = AnalysisPool<ulong>.Shared.Rent(Math.Max(1, data.Length));
        try
        {
            Span<int> histograms = stackalloc int[Digits * Buckets];
            histograms.Clear();
            var n = 0;
            for (var i = 0; i < data.Length; i++)
            {
                var v = data[i];
                if (float.IsFinite(v))
                {
                    var key = SortKeys.Sortable(v);
                    packed[n++] = ((ulong)key << 32) | (uint)i;
                    histograms[(int)(key & (Buckets - 1))]++;
                    histograms[Buckets + (int)((key >> Bits) & (Buckets - 1))]++;
                    histograms[(2 * Buckets) + (int)(key >> (2 * Bits))]++;
                }
            }

            // The passes that move anything: a digit shared by all n values leaves the order as it is.
            Span<int> passes = stackalloc int[Digits];
            var count = 0;
            for (var d = 0; d < Digits; d++)
            {
                var counts = histograms.Slice(d * Buckets, Buckets);
                if (n > 0 && counts[(int)((packed[0] >> (32 + (d * Bits))) & (Buckets - 1))] == n)
                {
                    continue;
                }

                passes[count++] = d;
                var sum = 0;
                for (var b = 0; b < Buckets; b++)
                {
                    var c = counts[b];
                    counts[b] = sum;
                    sum += c;
                }
            }

            var from = packed;
            var to = scratch;
            for (var k = 0; k < count - 1; k++)
            {
                var shift = 32 + (passes[k] * Bits);

                // Unchecked indexing: a bucket's offset stays below n (the histogram counted exactly these words).
                ref var offsets = ref MemoryMarshal.GetReference(histograms.Slice(passes[k] * Buckets, Buckets));
                ref var target = ref MemoryMarshal.GetArrayDataReference(to);
                foreach (var word in from.AsSpan(0, n))
                {
                    ref var offset = ref Unsafe.Add(ref offsets, (nint)((word >> shift) & (Buckets - 1)));
                    Unsafe.Add(ref target, offset++) = word;
                }

                (from, to) = (to, from);
            }

            if (count == 0)
            {
                for (var i = 0; i < n; i++)
                {
                    Unpack(from[i], values, pixels, i);
                }
            }
            else
            {
                var shift = 32 + (passes[count - 1] * Bits);
                var offsets = histograms.Slice(passes[count - 1] * Buckets, Buckets);
                for (var i = 0; i < n; i++)
                {
                    var word = from[i];
                    Unpack(word, values, pixels, offsets[(int)((word >> shift) & (Buckets - 1))]++);
                }
            }

            return new FrameOrder(values, pixels, n);
        }
        catch
        {
            AnalysisPool<float>.Shared.Return(values);
            AnalysisPool<int>.Shared.Return(pixels);
            throw;
        }
        finally
        {
            AnalysisPool<ulong>.Shared.Return(packed);
            AnalysisPool<ulong>.Shared.Return(scratch);
        }
    }

    private static void Unpack(ulong word, float[] values, int[] pixels, int at)
    {
        values[at] = SortKeys.FromSortable((uint)(word >> 32));
        pixels[at] = (int)(uint)word;
    }

    public void Dispose()
    {
        AnalysisPool<float>.Shared.Return(_values);
        AnalysisPool<int>.Shared.Return(_pixels);
    }
}

/// <summary>
/// Channels sorted on the thread pool while the caller goes on with other work (the segmentation of the height,
/// which runs on one core): <see cref="Wait"/> takes over whatever has not started, so it never waits on a busy pool.
/// </summary>
internal sealed class PendingOrders : IDisposable
{
    private readonly float[][] _data;
    private readonly FrameOrder?[] _orders;
    private readonly ManualResetEventSlim _done = new(false);
    private int _next = -1;
    private int _remaining;
    private readonly AnalysisStageTimes? _times;
    private System.Runtime.ExceptionServices.ExceptionDispatchInfo? _error;

    public PendingOrders(float[][] data, AnalysisStageTimes? times = null)
    {
        _data = data;
        _times = times;
        _orders = new FrameOrder?[data.Length];
        _remaining = data.Length;
        if (data.Length == 0)
        {
            _done.Set();
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(static pending => pending.Drain(), this, preferLocal: false);
        }
    }

    /// <summary>Every channel's order, in the order given; sorts what no pool thread has taken yet.</summary>
    public FrameOrder[] Wait()
    {
        Drain();
        _done.Wait();
        _error?.Throw();
        return _orders!;
    }

    public void Dispose()
    {
        // What no thread has started is not sorted any more (an analysis that failed needs none of it).
        var started = Interlocked.Exchange(ref _next, _data.Length);
        var unstarted = Math.Max(0, _data.Length - 1 - started);
        if (unstarted > 0 && Interlocked.Add(ref _remaining, -unstarted) == 0)
        {
            _done.Set();
        }

        _done.Wait();
        foreach (var order in _orders)
        {
            order?.Dispose();
        }

        _done.Dispose();
    }

    private void Drain()
    {
        int i;
        while ((i = Interlocked.Increment(ref _next)) < _data.Length)
        {
            // Rethrown to the caller by Wait: an exception on a pool thread would end the process.
            try
            {
                var clock = StageClock.Start(_times);
                _orders[i] = FrameOrder.Create(_data[i]);
                _times.Lap("sort channel (beside the others)", clock);
            }
            catch (Exception e)
            {
                _error ??= System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                if (Interlocked.Decrement(ref _remaining) == 0)
                {
                    _done.Set();
                }
            }
        }
    }
}
