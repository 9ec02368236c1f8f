namespace AfmEdge.Analysis.Statistics;

/// <summary>
/// One channel's finite values over the whole frame, sorted (ties in raster order), with the pixel of each. A region's
/// sorted values are this order filtered by label (<see cref="SortedChannel.Split"/>), so a channel can be sorted
/// before the regions are known, while the height is still being segmented. Buffers are rented.
/// </summary>
internal sealed class FrameOrder : IDisposable
{
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

    public static FrameOrder Create(ReadOnlySpan<float> data)
    {
        var values = AnalysisPool<float>.Shared.Rent(Math.Max(1, data.Length));
        var pixels = AnalysisPool<int>.Shared.Rent(Math.Max(1, data.Length));
        var n = 0;
        for (var i = 0; i < data.Length; i++)
        {
            var v = data[i];
            if (float.IsFinite(v))
            {
                values[n] = v;
                pixels[n++] = i;
            }
        }

        var scratchKeys = AnalysisPool<uint>.Shared.Rent(Math.Max(1, n));
        var scratchKeys2 = AnalysisPool<uint>.Shared.Rent(Math.Max(1, n));
        var scratchItems = AnalysisPool<int>.Shared.Rent(Math.Max(1, n));
        SortKeys.Sort(values.AsSpan(0, n), pixels.AsSpan(0, n), scratchKeys, scratchKeys2, scratchItems);
        AnalysisPool<uint>.Shared.Return(scratchKeys);
        AnalysisPool<uint>.Shared.Return(scratchKeys2);
        AnalysisPool<int>.Shared.Return(scratchItems);
        return new FrameOrder(values, pixels, n);
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
