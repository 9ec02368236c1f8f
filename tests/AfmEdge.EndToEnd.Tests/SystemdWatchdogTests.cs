using System.Collections.Concurrent;
using System.Threading.Channels;
using AfmEdge.Core;
using AfmEdge.Host.Options;
using AfmEdge.Host.Pipeline;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AfmEdge.EndToEnd.Tests;

public sealed class SystemdWatchdogTests
{
    // WatchdogSec = 10 s: pings every 5 s; lines of 0.5 s, so the progress window is max(4 × 0.5 s, 5 s) = 5 s.
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Watchdog_LinesArriving_PingsEveryHalfInterval()
    {
        await using var rig = await Rig.StartAsync();

        await rig.AdvanceAsync(TimeSpan.FromSeconds(15), lines: true);

        Assert.Equal(4, rig.Notifier.States.Count);
        Assert.All(rig.Notifier.States, s => Assert.Equal("WATCHDOG=1", s));
    }

    [Fact]
    public async Task Watchdog_ScanLoopHangs_StopsPingingAndResumesWhenLinesReturn()
    {
        await using var rig = await Rig.StartAsync();
        await rig.AdvanceAsync(TimeSpan.FromSeconds(5), lines: true);
        Assert.Equal(2, rig.Notifier.States.Count);

        // No line for 10 s: the tick at 5 s still sees the last line within the window, the one at 10 s does not.
        await rig.AdvanceAsync(TimeSpan.FromSeconds(10), lines: false);
        Assert.Equal(3, rig.Notifier.States.Count);

        await rig.AdvanceAsync(TimeSpan.FromSeconds(5), lines: true);
        Assert.Equal(4, rig.Notifier.States.Count);
    }

    [Fact]
    public async Task Watchdog_SourceFinishedByDesign_KeepsPinging()
    {
        await using var rig = await Rig.StartAsync();
        rig.Channels.Lines.Writer.Complete();

        await rig.AdvanceAsync(TimeSpan.FromSeconds(30), lines: false);

        Assert.Equal(7, rig.Notifier.States.Count);
    }

    [Fact]
    public async Task Watchdog_NoWatchdogUsec_NeverPings()
    {
        await using var rig = await Rig.StartAsync(SystemdWatchdogSettings.None);

        await rig.Service.ExecuteTask!;
        await rig.AdvanceAsync(TimeSpan.FromSeconds(30), lines: false);

        Assert.Empty(rig.Notifier.States);
    }

    [Theory]
    [InlineData("30000000", null, 30.0)]
    [InlineData("30000000", "4242", 30.0)]
    [InlineData("30000000", "17", null)]
    [InlineData("0", null, null)]
    [InlineData("x", null, null)]
    [InlineData(null, null, null)]
    public void Settings_Environment_ReadsWatchdogUsecForThisProcessOnly(string? usec, string? pid, double? seconds)
    {
        var settings = SystemdWatchdogSettings.Parse(usec, pid, processId: 4242);

        Assert.Equal(seconds, settings.Interval?.TotalSeconds);
    }

    private sealed class FakeNotifier : ISystemdNotifier
    {
        public ConcurrentQueue<string> Queue { get; } = new();

        public IReadOnlyCollection<string> States => Queue;

        public bool IsEnabled => true;

        public void Notify(ServiceState state) => Queue.Enqueue(state.ToString());
    }

    private sealed class Source : IScanSource
    {
        public IReadOnlyList<ChannelDescriptor> Channels { get; } = [new ChannelDescriptor("Height", PhysicalUnit.Metre, ScanDirection.Trace)];

        public ScanSettings Scan { get; } = new() { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 16, PixelsY = 16, LineRateHz = 2 };

        public Task RunAsync(ChannelWriter<ScanLine> lines, long frameCount, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class Rig : IAsyncDisposable
    {
        private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(500);
        private int _armed;
        private DateTimeOffset _nextTick;

        private Rig(SystemdWatchdogSettings settings)
        {
            Metrics = new PipelineMetrics(Time);
            Channels = new PipelineChannels(new PipelineOptions());
            Service = new SystemdWatchdogService(Notifier, settings, Metrics, Channels, new Source(), new TimerCountingTime(Time, () => Interlocked.Increment(ref _armed)), NullLogger<SystemdWatchdogService>.Instance);
            _nextTick = Time.GetUtcNow() + (Interval / 2);
        }

        public FakeTimeProvider Time { get; } = new();

        public FakeNotifier Notifier { get; } = new();

        public PipelineMetrics Metrics { get; }

        public PipelineChannels Channels { get; }

        public SystemdWatchdogService Service { get; }

        public static async Task<Rig> StartAsync(SystemdWatchdogSettings? settings = null)
        {
            var rig = new Rig(settings ?? new SystemdWatchdogSettings(Interval));
            await rig.Service.StartAsync(TestContext.Current.CancellationToken);
            if (settings is null)
            {
                // The first ping goes out at start, then the service waits for its first tick.
                await Until(() => rig.Notifier.States.Count == 1 && Volatile.Read(ref rig._armed) == 1, "the first ping");
            }

            return rig;
        }

        /// <summary>Moves the clock on in half-second steps (a line arriving after each when <paramref name="lines"/>), letting every due tick run.</summary>
        public async Task AdvanceAsync(TimeSpan span, bool lines)
        {
            for (var t = TimeSpan.Zero; t < span; t += Step)
            {
                int armed = Volatile.Read(ref _armed);
                Time.Advance(Step);
                if (Time.GetUtcNow() >= _nextTick)
                {
                    await Until(() => Volatile.Read(ref _armed) > armed || Service.ExecuteTask!.IsCompleted, "the watchdog's tick");
                    _nextTick = Time.GetUtcNow() + (Interval / 2);
                }

                if (lines)
                {
                    Metrics.LineAcquired();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Service.StopAsync(CancellationToken.None);
            Service.Dispose();
        }

        private static async Task Until(Func<bool> condition, string what)
        {
            // Generous: on a loaded CI machine the service's continuation may wait long for a pool thread.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!condition() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5, CancellationToken.None);
            }

            Assert.True(condition(), "Timed out waiting for " + what);
        }
    }

    /// <summary>The fake clock, counting the timers the service arms (one per tick).</summary>
    private sealed class TimerCountingTime(FakeTimeProvider inner, Action onTimer) : TimeProvider
    {
        public override long TimestampFrequency => inner.TimestampFrequency;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            // Count the timer only once it exists: the test advances the clock as soon as it sees the count, and a
            // timer created after that advance would be due a step late, out of step with the test's expectations.
            var timer = inner.CreateTimer(callback, state, dueTime, period);
            onTimer();
            return timer;
        }
    }
}
