using AfmEdge.Analysis;
using AfmEdge.Host.Options;
using AfmEdge.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// Keeps the MQTT connection up and publishes each frame (chunks) and, when it was analysed, its summary. When a finite
/// scan has been published completely (its last preview and plots too) it asks the host to stop; on stop it announces
/// "offline". Each frame is shared by the publisher, the preview queue when previews are on and, with its analysis, the
/// plot queue (<see cref="EnhancedFrameBuffers"/>): its arrays are reused once all are done, unless the broker may still
/// hold its chunks.
/// </summary>
public sealed partial class PublishingStage(
    PipelineChannels channels,
    MqttPublisher publisher,
    PipelineMetrics metrics,
    EnhancedFrameBuffers buffers,
    IOptions<AfmEdgeOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<PublishingStage> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var connectionLoop = publisher.RunAsync(connection.Token);
        var previews = options.Value.Preview.Enabled;
        try
        {
            await foreach (var item in channels.Analysed.Reader.ReadAllAsync(stoppingToken))
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                // Readers: this publisher, the preview queue when previews are on and, when the frame was analysed for plots,
                // the plots stage.
                var plot = item.Analysis is { } analysis ? new PlotRequest(item.Frame, analysis) : null;
                buffers.Share(item.Frame, 1 + (previews ? 1 : 0) + (plot is null ? 0 : 1));
                var held = true;
                try
                {
                    held = await publisher.PublishFrameAsync(item.Frame, stoppingToken);
                }
                finally
                {
                    if (held)
                    {
                        buffers.Keep(item.Frame);
                    }
                    else
                    {
                        buffers.Release(item.Frame);
                    }
                }

                // The preview's and the plots' shares are handed on at once, so no stop while the summary goes out leaves them counted.
                if (previews && !channels.Previews.Writer.TryWrite(item.Frame))
                {
                    buffers.Release(item.Frame);
                }

                if (plot is not null && !channels.Plots.Writer.TryWrite(plot))
                {
                    plot.Release(buffers);
                }

                if (item.Summary is not null)
                {
                    await publisher.PublishSummaryAsync(SummaryJson.Serialize(item.Summary), stoppingToken);
                }

                metrics.StageWorked("Publishing", System.Diagnostics.Stopwatch.GetElapsedTime(started));
                metrics.FramePublished(item.Summary);
                LogPublished(logger, item.Frame.Id.ToString(), item.Frame.Width, item.Frame.Height, item.Summary is not null);
            }

            LogSourceComplete(logger, metrics.Published);
            channels.Previews.Writer.TryComplete();
            channels.Plots.Writer.TryComplete();
            await Task.WhenAll(channels.PreviewsFlushed.Task, channels.PlotsFlushed.Task).WaitAsync(stoppingToken);
            if (options.Value.Pipeline.StopWhenSourceCompletes)
            {
                lifetime.StopApplication();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            channels.Previews.Writer.TryComplete();
            channels.Plots.Writer.TryComplete();
            await connection.CancelAsync();
            await connectionLoop;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await publisher.StopAsync(cancellationToken);
    }

    [LoggerMessage(1, LogLevel.Debug, "Published frame {FrameId} ({Width}×{Height}); with a summary: {WithSummary}")]
    private static partial void LogPublished(ILogger logger, string frameId, int width, int height, bool withSummary);

    [LoggerMessage(2, LogLevel.Information, "Scan complete: {Frames} frames published")]
    private static partial void LogSourceComplete(ILogger logger, long frames);
}
