using System.Collections.Concurrent;
using AfmEdge.Analysis;

namespace AfmEdge.Host.Pipeline;

/// <summary>Counters every stage updates and the CLI (later the dashboard and health checks) reads.</summary>
public sealed class PipelineMetrics
{
    private readonly TimeProvider _time;
    private long _acquired;
    private long _processed;
    private long _enhanced;
    private long _analysed;
    private long _published;
    private long _failed;
    private long _lines;
    private long _lastLineTimestamp;
    private long _firstPublishedTimestamp;
    private long _lastPublishedTimestamp;
    private ProcessCost _firstPublishedCost;
    private ProcessCost _lastPublishedCost;
    private FrameSummary? _lastSummary;
    private readonly ConcurrentDictionary<string, StageTime> _stageTimes = new(StringComparer.Ordinal);

    public PipelineMetrics(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    public long Acquired => Interlocked.Read(ref _acquired);
    public long Processed => Interlocked.Read(ref _processed);
    public long Enhanced => Interlocked.Read(ref _enhanced);
    public long Analysed => Interlocked.Read(ref _analysed);
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Scan lines taken from the source.</summary>
    public long LinesAcquired => Interlocked.Read(ref _lines);

    /// <summary>Time since the latest scan line arrived, or null before the first.</summary>
    public TimeSpan? SinceLastLine => LinesAcquired == 0 ? null : _time.GetElapsedTime(Interlocked.Read(ref _lastLineTimestamp));

    /// <summary>Records a scan line taken from the source (the watchdog's sign of progress).</summary>
    public void LineAcquired()
    {
        Interlocked.Exchange(ref _lastLineTimestamp, _time.GetTimestamp());
        Interlocked.Increment(ref _lines);
    }

    /// <summary>Frames a stage could not handle (logged with the reason and skipped).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public FrameSummary? LastSummary => Volatile.Read(ref _lastSummary);

    /// <summary>Published frames per second between the first and the latest publish.</summary>
    public double FramesPerSecond
    {
        get
        {
            var published = Published;
            if (published < 2)
            {
                return 0;
            }

            var elapsed = _time.GetElapsedTime(Interlocked.Read(ref _firstPublishedTimestamp), Interlocked.Read(ref _lastPublishedTimestamp));
            return elapsed > TimeSpan.Zero ? (published - 1) / elapsed.TotalSeconds : 0;
        }
    }

    /// <summary>
    /// Mean time each stage spent working on one frame (waiting for input excluded), by stage name. Stages run
    /// concurrently, so the busiest one bounds the frame rate once the cores are shared out.
    /// </summary>
    public IReadOnlyDictionary<string, TimeSpan> MeanStageTimes =>
        _stageTimes.ToDictionary(p => p.Key, p => p.Value.Mean, StringComparer.Ordinal);

    /// <summary>Adds one frame's working time to a stage's total.</summary>
    public void StageWorked(string stage, TimeSpan elapsed) => _stageTimes.GetOrAdd(stage, static _ => new StageTime()).Add(elapsed);

    internal void FrameAcquired() => Interlocked.Increment(ref _acquired);
    internal void FrameProcessed() => Interlocked.Increment(ref _processed);
    internal void FrameEnhanced() => Interlocked.Increment(ref _enhanced);
    internal void FrameAnalysed() => Interlocked.Increment(ref _analysed);
    internal void FrameFailed() => Interlocked.Increment(ref _failed);

    /// <summary>
    /// What the whole process spent per published frame between the first publish and the latest (start-up left out,
    /// as in <see cref="FramesPerSecond"/>): processor time over all threads, bytes allocated, and collections.
    /// Null before two frames are published.
    /// </summary>
    public SteadyStateCost? CostPerFrame
    {
        get
        {
            lock (_stageTimes)
            {
                var frames = _lastPublishedCost.Published - _firstPublishedCost.Published;
                return frames <= 0 ? null : new SteadyStateCost(
                    frames,
                    (_lastPublishedCost.Processor - _firstPublishedCost.Processor) / frames,
                    (_lastPublishedCost.Allocated - _firstPublishedCost.Allocated) / frames,
                    _lastPublishedCost.Gen0 - _firstPublishedCost.Gen0,
                    _lastPublishedCost.Gen1 - _firstPublishedCost.Gen1,
                    _lastPublishedCost.Gen2 - _firstPublishedCost.Gen2)
                {
                    Compilation = (_lastPublishedCost.Compilation - _firstPublishedCost.Compilation) / frames,
                    CollectorPauses = (_lastPublishedCost.CollectorPauses - _firstPublishedCost.CollectorPauses) / frames,
                };
            }
        }
    }

    /// <param name="summary">The frame's summary; null for a frame the analysis skipped (the last summary stays).</param>
    internal void FramePublished(FrameSummary? summary)
    {
        var now = _time.GetTimestamp();
        var first = Interlocked.CompareExchange(ref _firstPublishedTimestamp, now, 0) == 0;
        Interlocked.Exchange(ref _lastPublishedTimestamp, now);

        // Cheap process-wide counters (no allocation), read once per frame.
        var cost = new ProcessCost(Published + 1, Environment.CpuUsage.TotalTime, GC.GetTotalAllocatedBytes(),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            System.Runtime.JitInfo.GetCompilationTime(), GC.GetTotalPauseDuration());
        lock (_stageTimes)
        {
            if (first)
            {
                _firstPublishedCost = cost;
            }

            _lastPublishedCost = cost;
        }

        if (summary is not null)
        {
            Volatile.Write(ref _lastSummary, summary);
        }

        Interlocked.Increment(ref _published);
    }

    private readonly record struct ProcessCost(
        long Published, TimeSpan Processor, long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Compilation, TimeSpan CollectorPauses);

    private sealed class StageTime
    {
        private long _ticks;
        private long _frames;

        public TimeSpan Mean
        {
            get
            {
                var frames = Interlocked.Read(ref _frames);
                return frames == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Interlocked.Read(ref _ticks) / frames);
            }
        }

        public void Add(TimeSpan elapsed)
        {
            Interlocked.Add(ref _ticks, elapsed.Ticks);
            Interlocked.Increment(ref _frames);
        }
    }
}

/// <summary>The process's cost per published frame in steady state (see <see cref="PipelineMetrics.CostPerFrame"/>).</summary>
/// <param name="Frames">Frames the figures are taken over.</param>
/// <param name="Processor">Processor time per frame, all threads (every stage, the embedded broker, the collector).</param>
/// <param name="AllocatedBytes">Bytes allocated per frame.</param>
/// <param name="Gen0">Generation-0 collections over those frames.</param>
/// <param name="Gen1">Generation-1 collections over those frames.</param>
/// <param name="Gen2">Generation-2 collections over those frames.</param>
public sealed record SteadyStateCost(long Frames, TimeSpan Processor, long AllocatedBytes, int Gen0, int Gen1, int Gen2)
{
    /// <summary>
    /// Time per frame the JIT spent compiling (all threads; part of <see cref="Processor"/>): methods reaching their
    /// optimised tier while the frames were timed. Far from zero, the run was too short for tiering to have settled.
    /// </summary>
    public TimeSpan Compilation { get; init; }

    /// <summary>Time per frame the collector held the managed threads paused (wall time, not processor time).</summary>
    public TimeSpan CollectorPauses { get; init; }
}
