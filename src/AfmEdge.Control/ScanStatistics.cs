namespace AfmEdge.Control;

/// <summary>
/// Loop figures, written by the scan thread and read after (or between) scans: lines, allocation per
/// line after warm-up, and how late each point's deadline was met (a histogram in 1 µs bins).
/// </summary>
public sealed class ScanStatistics
{
    /// <summary>Lines whose allocation is not counted (array pool and JIT warm-up).</summary>
    public const int WarmupLines = 4;

    private const int Bins = 20_000;
    private readonly long[] _lateness = new long[Bins + 1];
    private long _latenessMaxTicks;
    private long _points;
    private long _lines;
    private long _steadyLines;
    private long _steadyBytes;
    private long _maxLineBytes;
    private long _approachSteps;

    /// <summary>Lines written to the output.</summary>
    public long LinesCompleted => Volatile.Read(ref _lines);

    /// <summary>Control points run (scan, moves, approach, holds).</summary>
    public long Points => Volatile.Read(ref _points);

    /// <summary>Z steps toward the surface taken by the latest approach.</summary>
    public long ApproachSteps => Volatile.Read(ref _approachSteps);

    /// <summary>Mean bytes allocated by the scan thread per line after <see cref="WarmupLines"/>.</summary>
    public double AllocatedBytesPerLine => _steadyLines == 0 ? 0 : (double)Volatile.Read(ref _steadyBytes) / _steadyLines;

    /// <summary>Largest allocation of one line after warm-up.</summary>
    public long MaxAllocatedBytesPerLine => Volatile.Read(ref _maxLineBytes);

    /// <summary>Latest any point met its deadline.</summary>
    public TimeSpan MaxLateness => TimeSpan.FromTicks(Volatile.Read(ref _latenessMaxTicks));

    /// <summary>The <paramref name="percentile"/> (0–100) of point lateness, to 1 µs.</summary>
    public TimeSpan LatenessPercentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        long total = 0;
        foreach (var c in _lateness)
        {
            total += c;
        }

        if (total == 0)
        {
            return TimeSpan.Zero;
        }

        long rank = (long)Math.Ceiling(percentile / 100 * total);
        long seen = 0;
        for (int i = 0; i < _lateness.Length; i++)
        {
            seen += _lateness[i];
            if (seen >= Math.Max(1, rank))
            {
                return TimeSpan.FromMicroseconds(i);
            }
        }

        return MaxLateness;
    }

    internal void RecordPoint(TimeSpan lateness)
    {
        _points++;
        long ticks = Math.Max(0, lateness.Ticks);
        long bin = Math.Min(Bins, ticks / TimeSpan.TicksPerMicrosecond);
        _lateness[bin]++;
        if (ticks > _latenessMaxTicks)
        {
            _latenessMaxTicks = ticks;
        }
    }

    internal void StartApproach() => Volatile.Write(ref _approachSteps, 0);

    internal void RecordApproachStep() => Interlocked.Increment(ref _approachSteps);

    internal void RecordLine(long allocatedBytes)
    {
        long lines = Interlocked.Increment(ref _lines);
        if (lines > WarmupLines)
        {
            _steadyLines++;
            _steadyBytes += allocatedBytes;
            _maxLineBytes = Math.Max(_maxLineBytes, allocatedBytes);
        }
    }
}
