using AfmEdge.Analysis;
using AfmEdge.Host.Options;
using AfmEdge.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// Keeps the MQTT connection up and publishes each frame (chunks) and, when it was analysed, its summary. When a finite
/// scan has been published completely it asks the host to stop; on stop it announces "offline". Each frame is shared
/// by the publisher and, when previews are on, the preview queue (<see cref="EnhancedFrameBuffers"/>): its arrays are
/// reused once both are done, unless the broker may still hold its chunks.
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
                buffers.Share(item.Frame, previews ? 2 : 1);
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

                // The preview queue's share is handed on at once, so no stop while the summary goes out leaves it counted.
                if (previews && !channels.Previews.Writer.TryWrite(item.Frame))
                {
                    buffers.Release(item.Frame);
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
            if (previews)
            {
                await channels.PreviewsFlushed.Task.WaitAsync(stoppingToken);
            }

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
