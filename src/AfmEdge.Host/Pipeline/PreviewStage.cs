using AfmEdge.Core;
using AfmEdge.Host.Options;
using AfmEdge.Messaging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// Publishes a PNG of the newest published frame at most <see cref="PreviewOptions.MaxRateHz"/> times a second. Each
/// frame it takes (or skips for a newer one) is handed back to <see cref="EnhancedFrameBuffers"/> once rendered: the PNG is a copy.
/// With previews off the publisher offers it none.
/// </summary>
public sealed partial class PreviewStage(
    PipelineChannels channels,
    MqttPublisher publisher,
    EnhancedFrameBuffers buffers,
    IOptions<AfmEdgeOptions> options,
    TimeProvider time,
    ILogger<PreviewStage> logger) : ThrottledStage<Frame>(channels.Previews, channels.PreviewsFlushed, time)
{
    private readonly PreviewOptions _settings = options.Value.Preview;
    private PreviewRenderer? _renderer;

    protected override bool Enabled => _settings.Enabled;

    protected override double MaxRateHz => _settings.MaxRateHz;

    protected override void Release(Frame item) => buffers.Release(item);

    protected override async Task<bool> PublishAsync(Frame item, CancellationToken cancellationToken)
    {
        if (!item.TryGetChannel(_settings.Channel, out var channel))
        {
            buffers.Release(item);
            LogMissingChannel(logger, _settings.Channel, item.Id.ToString());
            return false;
        }

        byte[] png;
        try
        {
            _renderer ??= new PreviewRenderer(_settings.MaxSide);
            png = _renderer.Render(channel);
        }
        finally
        {
            buffers.Release(item);
        }

        await publisher.PublishPreviewAsync(png, item.Id.ToString(), cancellationToken);
        return true;
    }

    [LoggerMessage(1, LogLevel.Warning, "No preview: frame {FrameId} has no channel '{Channel}' (AfmEdge:Preview:Channel)")]
    private static partial void LogMissingChannel(ILogger logger, string channel, string frameId);
}
