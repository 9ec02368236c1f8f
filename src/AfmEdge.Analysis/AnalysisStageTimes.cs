using System.Diagnostics;

namespace AfmEdge.Analysis;

/// <summary>
/// Time per stage of <see cref="ChromosomeAnalyzer.Analyze(AfmEdge.Core.Frame, AnalysisStageTimes?)"/> over the
/// analyses it was passed to (`afmedge bench analyse` prints it): per stage the median over the frames, which a busy
/// machine's preemptions move far less than a mean. Stages follow each other on the calling thread (some fan out over
/// the cores inside), so their sum is about the frame's time. Wall-clock time by default; given a processor clock,
/// each stage is the processor time of the whole process (every thread) spent in it.
/// Thread-safe; a few dozen entries per frame, so keeping it costs nothing measurable.
/// </summary>
public sealed class AnalysisStageTimes
{
    private readonly Lock _gate = new();
    private readonly Func<long>? _clock;
    private readonly long _frequency = Stopwatch.Frequency;

    /// <summary>Wall-clock stage times (<see cref="Stopwatch"/>).</summary>
    public AnalysisStageTimes()
    {
    }

    /// <summary>Stage times read off <paramref name="processorClock"/>: the process's processor time, <paramref name="ticksPerSecond"/> ticks a second.</summary>
    public AnalysisStageTimes(Func<long> processorClock, long ticksPerSecond)
    {
        ArgumentNullException.ThrowIfNull(processorClock);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ticksPerSecond);
        _clock = processorClock;
        _frequency = ticksPerSecond;
    }

    private readonly List<string> _order = [];
    private readonly Dictionary<string, long> _ticks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<long>> _frames = new(StringComparer.Ordinal);

    /// <summary>How many analyses were recorded.</summary>
    public int Frames { get; private set; }

    /// <summary>Every stage in the order first met, with its median time per recorded analysis (zero in those that skipped it).</summary>
    public IReadOnlyList<(string Stage, TimeSpan PerFrame)> Stages
    {
        get
        {
            lock (_gate)
            {
                return [.. _order.Select(s => (s, TimeSpan.FromSeconds(Median(_frames[s], Frames) / _frequency)))];
            }
        }
    }

    private static double Median(List<long> ticks, int frames)
    {
        if (frames == 0)
        {
            return 0;
        }

        // Frames that never entered the stage count as zero.
        var all = new long[frames];
        ticks.CopyTo(all, frames - ticks.Count);
        Array.Sort(all);
        return frames % 2 == 1 ? all[frames / 2] : 0.5 * (all[(frames / 2) - 1] + all[frames / 2]);
    }

    /// <summary>Forgets everything recorded.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _order.Clear();
            _ticks.Clear();
            _frames.Clear();
            Frames = 0;
        }
    }

    internal void CountFrame()
    {
        lock (_gate)
        {
            Frames++;
            foreach (var (stage, ticks) in _ticks)
            {
                _frames[stage].Add(ticks);
            }

            _ticks.Clear();
        }
    }

    /// <summary>Adds the time since <paramref name="since"/> (a reading of this clock) to <paramref name="stage"/>; returns now.</summary>
    internal long Record(string stage, long since)
    {
        var now = Now();
        lock (_gate)
        {
            if (_ticks.TryGetValue(stage, out var ticks))
            {
                _ticks[stage] = ticks + (now - since);
            }
            else
            {
                _ticks.Add(stage, now - since);
                if (!_frames.ContainsKey(stage))
                {
                    _order.Add(stage);
                    _frames.Add(stage, []);
                }
            }
        }

        return now;
    }

    internal long Now() => _clock is null ? Stopwatch.GetTimestamp() : _clock();
}

/// <summary>Null-tolerant laps so a stage boundary costs one line where no times are kept.</summary>
internal static class StageClock
{
    public static long Start(AnalysisStageTimes? times) => times is null ? 0 : times.Now();

    public static long Lap(this AnalysisStageTimes? times, string stage, long since) => times is null ? 0 : times.Record(stage, since);
}
