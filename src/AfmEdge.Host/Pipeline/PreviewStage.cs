using AfmEdge.Core;
using AfmEdge.Host.Options;
using AfmEdge.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// Publishes a PNG of the newest published frame at most <see cref="PreviewOptions.MaxRateHz"/> times a second.
/// It reads a drop-oldest queue, so a slow render or a slow link never delays scan data. Each frame it takes (or skips
/// for a newer one) is handed back to <see cref="EnhancedFrameBuffers"/> once rendered: the PNG is a copy. When it
/// ends (a stop comes before the publisher's, which goes on a while) it closes the queue and hands back what is left,
/// so the publisher hands back each frame it offers after that. With previews off the publisher offers none.
/// </summary>
public sealed partial class PreviewStage(
    PipelineChannels channels,
    MqttPublisher publisher,
    EnhancedFrameBuffers buffers,
    IOptions<AfmEdgeOptions> options,
    TimeProvider time,
    ILogger<PreviewStage> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var settings = options.Value.Preview;
        if (!settings.Enabled)
        {
            channels.PreviewsFlushed.TrySetResult();
            return;
        }

        var renderer = new PreviewRenderer(settings.MaxSide);
        var interval = TimeSpan.FromSeconds(1 / settings.MaxRateHz);
        var reader = channels.Previews.Reader;
        long? lastPublished = null;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                // Throttle with a trailing edge: wait out the interval, then render the newest frame that came in,
                // so the retained preview always ends up showing the latest frame.
                if (lastPublished is { } last && interval - time.GetElapsedTime(last) is { } wait && wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stoppingToken);
                }

                Frame? newest = null;
                while (reader.TryRead(out var frame))
                {
                    if (newest is not null)
                    {
                        buffers.Release(newest);
                    }

                    newest = frame;
                }

                if (newest is null)
                {
                    continue;
                }

                if (!newest.TryGetChannel(settings.Channel, out var channel))
                {
                    buffers.Release(newest);
                    LogMissingChannel(logger, settings.Channel, newest.Id.ToString());
                    continue;
                }

                byte[] png;
                try
                {
                    png = renderer.Render(channel);
                }
                finally
                {
                    buffers.Release(newest);
                }

                await publisher.PublishPreviewAsync(png, newest.Id.ToString(), stoppingToken);
                lastPublished = time.GetTimestamp();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            channels.Previews.Writer.TryComplete();
            while (reader.TryRead(out var left))
            {
                buffers.Release(left);
            }

            channels.PreviewsFlushed.TrySetResult();
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "No preview: frame {FrameId} has no channel '{Channel}' (AfmEdge:Preview:Channel)")]
    private static partial void LogMissingChannel(ILogger logger, string channel, string frameId);
}
