namespace AfmEdge.Control;

/// <summary>How the scan loop waits for its next point deadline, and the clock the deadlines are on.</summary>
public abstract class LoopTiming
{
    /// <summary>The clock.</summary>
    public abstract TimeProvider Time { get; }

    /// <summary>Returns once <see cref="Time"/> has reached <paramref name="timestamp"/>.</summary>
    public abstract void WaitUntil(long timestamp);

    /// <summary>Real time: sleeps while the deadline is far, then spins, so the wake-up jitter stays in microseconds.</summary>
    public static LoopTiming RealTime(TimeProvider? time = null) => new RealTimeLoopTiming(time ?? TimeProvider.System);

    /// <summary>Simulated time: waiting is advancing the clock (e.g. the virtual microscope's clock).</summary>
    public static LoopTiming Stepped(TimeProvider time, Action<long> advanceTo) => new SteppedLoopTiming(time, advanceTo);

    private sealed class RealTimeLoopTiming(TimeProvider time) : LoopTiming
    {
        private readonly long _sleepThreshold = time.TimestampFrequency / 500; // 2 ms

        public override TimeProvider Time => time;

        public override void WaitUntil(long timestamp)
        {
            while (true)
            {
                long remaining = timestamp - time.GetTimestamp();
                if (remaining <= 0)
                {
                    return;
                }

                if (remaining > _sleepThreshold)
                {
                    Thread.Sleep(1);
                }
                else
                {
                    Thread.SpinWait(20);
                }
            }
        }
    }

    private sealed class SteppedLoopTiming : LoopTiming
    {
        private readonly TimeProvider _time;
        private readonly Action<long> _advanceTo;

        public SteppedLoopTiming(TimeProvider time, Action<long> advanceTo)
        {
            ArgumentNullException.ThrowIfNull(time);
            ArgumentNullException.ThrowIfNull(advanceTo);
            _time = time;
            _advanceTo = advanceTo;
        }

        public override TimeProvider Time => _time;

        public override void WaitUntil(long timestamp) => _advanceTo(timestamp);
    }
}
