using System.Globalization;
using System.Text;
using AfmEdge.Host.Pipeline;

namespace AfmEdge.Cli;

/// <summary>
/// Shows frames done, frame rate and the latest summary once a second: one line rewritten in place on a
/// terminal, one line per change when the output is a file or a pipe.
/// </summary>
internal sealed class ProgressReporter(PipelineMetrics metrics, TextWriter output, TimeProvider time)
{
    private readonly bool _inPlace = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
    private readonly long _started = time.GetTimestamp();
    private long _lastShown = -1;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await ShowAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task WriteFinalAsync()
    {
        await ShowAsync();
        if (_inPlace)
        {
            await output.WriteLineAsync();
        }

        var elapsed = time.GetElapsedTime(_started);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Stopped after {elapsed.TotalSeconds:F1} s: {metrics.Published} frames published ({metrics.FramesPerSecond:F2} frames/s), {metrics.Failed} rejected."));
    }

    private async Task ShowAsync()
    {
        var published = metrics.Published;
        if (!_inPlace && published == _lastShown)
        {
            return;
        }

        _lastShown = published;
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"frames {published} published, {metrics.Acquired} acquired | {metrics.FramesPerSecond:F2} frames/s");
        if (metrics.LastSummary is { } summary)
        {
            line.Append(CultureInfo.InvariantCulture, $" | last {summary.FrameId} {summary.Width}×{summary.Height}");
            foreach (var c in summary.Correlations)
            {
                line.Append(CultureInfo.InvariantCulture, $" r(Height,{c.Channel})={(c.Pearson is { } r ? r.ToString("+0.00;-0.00", CultureInfo.InvariantCulture) : "n/a")}");
            }
        }

        if (_inPlace)
        {
            await output.WriteAsync("\r" + line.ToString().PadRight(Console.WindowWidth > 0 ? Console.WindowWidth - 1 : 0));
        }
        else
        {
            await output.WriteLineAsync(line.ToString());
        }
    }
}
