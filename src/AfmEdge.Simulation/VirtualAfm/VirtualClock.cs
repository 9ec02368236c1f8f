namespace AfmEdge.Simulation.VirtualAfm;

/// <summary>
/// Simulated time for the virtual microscope, so a closed-loop scan runs faster than real time and
/// repeats exactly. Time moves only when someone advances it, plus a small fixed amount on every read
/// of the clock: a bus operation on a real board takes time too, and it is what lets a driver polling
/// the ADC's BUSY pin see the 4 µs conversion end.
/// </summary>
/// <remarks>
/// Timers fire during <see cref="Advance"/>/<see cref="AdvanceTo(long)"/> on the advancing thread, never
/// during a read. Timestamps count 100 ns ticks from <see cref="Start"/>.
/// </remarks>
public sealed class VirtualClock : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<VirtualTimer> _timers = [];
    private long _ticks;

    /// <summary>Creates a clock at <paramref name="start"/> (default 2026-01-01 UTC) advancing <paramref name="tickPerRead"/> per read.</summary>
    public VirtualClock(DateTimeOffset? start = null, TimeSpan? tickPerRead = null)
    {
        Start = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var perRead = tickPerRead ?? TimeSpan.FromTicks(1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perRead, TimeSpan.Zero, nameof(tickPerRead));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(perRead, TimeSpan.FromMilliseconds(1), nameof(tickPerRead));
        TickPerRead = perRead.Ticks;
    }

    /// <summary>Time at timestamp 0.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Ticks added by every read of the clock.</summary>
    public long TickPerRead { get; }

    /// <summary>Elapsed simulated time, without advancing it.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Volatile.Read(ref _ticks));

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override long GetTimestamp() => Interlocked.Add(ref _ticks, TickPerRead);

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => Start.AddTicks(Interlocked.Add(ref _ticks, TickPerRead));

    /// <summary>Moves time forward by <paramref name="delta"/> and fires due timers.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        AdvanceTo(Volatile.Read(ref _ticks) + delta.Ticks);
    }

    /// <summary>Moves time forward to <paramref name="timestamp"/> (no-op when already past) and fires due timers.</summary>
    public void AdvanceTo(long timestamp)
    {
        long now = Volatile.Read(ref _ticks);
        while (now < timestamp)
        {
            long seen = Interlocked.CompareExchange(ref _ticks, timestamp, now);
            if (seen == now)
            {
                break;
            }

            now = seen;
        }

        FireDue();
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    private void FireDue()
    {
        while (true)
        {
            VirtualTimer? due = null;
            long now = Volatile.Read(ref _ticks);
            lock (_gate)
            {
                foreach (var t in _timers)
                {
                    if (t.DueTicks <= now && (due is null || t.DueTicks < due.DueTicks))
                    {
                        due = t;
                    }
                }

                if (due is null)
                {
                    return;
                }

                due.DueTicks = due.PeriodTicks > 0 ? due.DueTicks + due.PeriodTicks : long.MaxValue;
            }

            due.Callback(due.State);
        }
    }

    private void Remove(VirtualTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public long DueTicks { get; set; } = long.MaxValue;

        public long PeriodTicks { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                long now = Volatile.Read(ref clock._ticks);
                DueTicks = dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : now + Math.Max(0, dueTime.Ticks);
                PeriodTicks = period == Timeout.InfiniteTimeSpan ? 0 : Math.Max(0, period.Ticks);
            }

            return true;
        }

        public void Dispose() => clock.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
