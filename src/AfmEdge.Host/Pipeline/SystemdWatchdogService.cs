using System.Globalization;
using AfmEdge.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace AfmEdge.Host.Pipeline;

/// <summary>The systemd watchdog interval the service manager asked for (WatchdogSec), or none.</summary>
/// <param name="Interval">WATCHDOG_USEC as a time span; null when systemd set no watchdog for this process.</param>
public sealed record SystemdWatchdogSettings(TimeSpan? Interval)
{
    /// <summary>No watchdog.</summary>
    public static SystemdWatchdogSettings None { get; } = new((TimeSpan?)null);

    /// <summary>Reads WATCHDOG_USEC (and WATCHDOG_PID, which must name this process when set) from the environment.</summary>
    public static SystemdWatchdogSettings FromEnvironment() => Parse(
        Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId);

    /// <summary>The settings from the two variables' values.</summary>
    public static SystemdWatchdogSettings Parse(string? usec, string? pid, int processId)
    {
        if (pid is not null && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var owner) || owner != processId))
        {
            return None; // meant for another process (a wrapper script's child, say)
        }

        return long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var micro) && micro > 0
            ? new(TimeSpan.FromMicroseconds(micro))
            : None;
    }
}

/// <summary>
/// Pings systemd's watchdog (WATCHDOG=1) every half interval, but only while the pipeline makes progress:
/// scan lines arrived within the progress window, or the scan has ended by design (the source finished and
/// its lines were consumed). A hung scan loop, a stuck stage that backs the line queue up, or a dead
/// acquisition stops the pings, and systemd restarts the service after WatchdogSec.
/// </summary>
/// <remarks>
/// The progress window is the longer of four line times and half the watchdog interval, so pauses that are
/// part of normal work (approach, a frame being rendered) do not count as a hang.
/// </remarks>
public sealed partial class SystemdWatchdogService(
    ISystemdNotifier notifier,
    SystemdWatchdogSettings settings,
    PipelineMetrics metrics,
    PipelineChannels channels,
    IScanSource source,
    TimeProvider time,
    ILogger<SystemdWatchdogService> logger) : BackgroundService
{
    private static readonly ServiceState Watchdog = new("WATCHDOG=1");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Interval is not { } interval || interval <= TimeSpan.Zero || !notifier.IsEnabled)
        {
            return;
        }

        var period = interval / 2;
        var lineTime = source.Scan.LineTime;
        var window = TimeSpan.FromTicks(Math.Max(4 * lineTime.Ticks, period.Ticks));
        long started = time.GetTimestamp();
        bool stalled = false;
        LogEnabled(logger, interval.TotalSeconds, window.TotalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            bool finished = channels.Lines.Reader.Completion.IsCompletedSuccessfully;
            var quiet = metrics.SinceLastLine ?? time.GetElapsedTime(started);
            if (finished || quiet <= window)
            {
                notifier.Notify(Watchdog);
                if (stalled)
                {
                    LogResumed(logger);
                    stalled = false;
                }
            }
            else if (!stalled)
            {
                LogStalled(logger, quiet.TotalSeconds, metrics.LinesAcquired);
                stalled = true;
            }

            try
            {
                await Task.Delay(period, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(1, LogLevel.Information, "systemd watchdog every {IntervalSeconds} s: pinging while scan lines arrive within {WindowSeconds} s")]
    private static partial void LogEnabled(ILogger logger, double intervalSeconds, double windowSeconds);

    [LoggerMessage(2, LogLevel.Error, "No scan line for {QuietSeconds:0.0} s ({Lines} so far): the scan or the pipeline is stuck; watchdog pings stop so systemd restarts the service")]
    private static partial void LogStalled(ILogger logger, double quietSeconds, long lines);

    [LoggerMessage(3, LogLevel.Warning, "Scan lines arrive again; watchdog pings resume")]
    private static partial void LogResumed(ILogger logger);
}
