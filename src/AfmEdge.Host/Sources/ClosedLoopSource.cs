using System.Threading.Channels;
using AfmEdge.Core;

namespace AfmEdge.Host.Sources;

/// <summary>
/// The closed-loop virtual microscope as the host's scan source: the scan engine runs on the virtual clock
/// (its point-deadline watchdog sees simulated time only, never host jitter), and whole lines are paced
/// against the real clock when asked: the loop sleeps between lines, never inside one.
/// </summary>
public sealed class ClosedLoopSource : IScanSource, IDisposable
{
    private readonly bool _pace;
    private readonly int[] _keep;
    private readonly TimeProvider _time;
    private readonly Action<TimeSpan> _sleep;
    private readonly ChannelDescriptor[] _channels;

    /// <summary>Builds the microscope for <paramref name="scan"/>.</summary>
    /// <param name="scan">The raster.</param>
    /// <param name="options">Specimen, seed and loop options (RealTime must be off: lines are paced here instead).</param>
    /// <param name="pace">Hand lines out at the line rate on <paramref name="time"/>.</param>
    /// <param name="includeRetrace">Keep the retrace channels.</param>
    /// <param name="includeDeflection">Keep the Deflection channels (the feedback's error signal); without them the channels are IdealScan's, so models and analyses fit either loop.</param>
    /// <param name="time">The real clock lines are paced on.</param>
    /// <param name="sleep">How the scan thread sleeps between lines (default <see cref="Thread.Sleep(TimeSpan)"/>); tests pass a fake.</param>
    public ClosedLoopSource(ScanSettings scan, ClosedLoopOptions options, bool pace, bool includeRetrace, TimeProvider time, Action<TimeSpan>? sleep = null, bool includeDeflection = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (options.RealTime)
        {
            throw new ArgumentException("The host paces whole lines; the loop itself must run on the virtual clock (RealTime = false).", nameof(options));
        }

        Microscope = new ClosedLoopMicroscope(scan, options);
        _pace = pace;
        _time = time;
        _sleep = sleep ?? Thread.Sleep;
        var all = Microscope.Engine.Channels;
        _keep = [.. Enumerable.Range(0, all.Count).Where(c =>
            (includeRetrace || all[c].Direction == ScanDirection.Trace) && (includeDeflection || all[c].Name != "Deflection"))];
        _channels = [.. _keep.Select(c => all[c])];
    }

    /// <summary>The microscope, its drivers and engine.</summary>
    public ClosedLoopMicroscope Microscope { get; }

    /// <inheritdoc />
    public IReadOnlyList<ChannelDescriptor> Channels => _channels;

    /// <inheritdoc />
    public ScanSettings Scan => Microscope.Engine.Scan;

    /// <inheritdoc />
    public Task RunAsync(ChannelWriter<ScanLine> lines, long frameCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var forwarder = new LineForwarder(lines, this, cancellationToken);
        return Microscope.Engine.RunAsync(forwarder, frameCount, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => Microscope.Dispose();

    /// <summary>
    /// What the engine writes to: called on the scan thread once per finished line, so its waits fall between
    /// lines. Dropped channels cost a pooled line per line, no allocation.
    /// </summary>
    private sealed class LineForwarder(ChannelWriter<ScanLine> inner, ClosedLoopSource source, CancellationToken cancellationToken) : ChannelWriter<ScanLine>
    {
        private readonly long _periodTicks = (long)(source._time.TimestampFrequency / source.Scan.LineRateHz);
        private readonly TimeSpan _period = source.Scan.LineTime;
        private long _next;

        public override bool TryWrite(ScanLine item)
        {
            Pace();
            var keep = source._keep;
            bool subset = keep.Length != item.ChannelCount;
            var line = item;
            if (subset)
            {
                line = ScanLine.Rent(item.FrameSequence, item.LineIndex, item.Pixels, keep.Length);
                for (int c = 0; c < keep.Length; c++)
                {
                    item.Samples(keep[c]).CopyTo(line.Samples(c));
                }
            }

            // A full queue: wait (up to a line time) for room here, between lines, before the engine holds and retries.
            bool written = inner.TryWrite(line) || (WaitForRoom() && inner.TryWrite(line));
            if (subset)
            {
                (written ? item : line).Return();
            }

            return written;
        }

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => inner.WaitToWriteAsync(cancellationToken);

        private void Pace()
        {
            if (!source._pace)
            {
                return;
            }

            long now = source._time.GetTimestamp();
            _next = _next == 0 ? now + _periodTicks : _next + _periodTicks;
            long wait = _next - now;
            if (wait > 0)
            {
                source._sleep(TimeSpan.FromSeconds((double)wait / source._time.TimestampFrequency));
            }
            else
            {
                _next = now; // behind (the simulation is slower than real time): do not rush to catch up
            }
        }

        private bool WaitForRoom()
        {
            try
            {
                var wait = inner.WaitToWriteAsync(cancellationToken);
                if (wait.IsCompleted)
                {
                    return wait.Result;
                }

                var task = wait.AsTask();
                return task.Wait(_period, cancellationToken) && task.Result;
            }
            catch (Exception e) when (e is AggregateException or OperationCanceledException or ChannelClosedException)
            {
                return false; // the engine sees the cancellation at its next check
            }
        }
    }
}
