using AfmEdge.Host.Options;
using AfmEdge.Host.Pipeline;
using AfmEdge.Messaging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>The preview stage hands every frame offered to it back to <see cref="EnhancedFrameBuffers"/>, also once it has stopped.</summary>
public sealed class PreviewStageTests
{
    [Fact]
    public async Task Stop_FrameOfferedAfterwards_ComesBack()
    {
        // The host stops the preview stage before the publisher, which may still offer frames: none may stay counted.
        var (buffers, channels) = Queues();
        await using var publisher = Publisher();
        using var stage = Stage(channels, publisher, buffers, enabled: true);
        await stage.StartAsync(TestContext.Current.CancellationToken);
        await stage.StopAsync(TestContext.Current.CancellationToken);

        var frame = EnhancedFrameBuffersTests.Frame(16);
        buffers.Share(frame, 1);
        if (!channels.Previews.Writer.TryWrite(frame))
        {
            // As the publisher does with a frame the queue refuses.
            buffers.Release(frame);
        }

        Assert.Equal(0, buffers.Outstanding);
        Assert.True(channels.PreviewsFlushed.Task.IsCompleted);
    }

    [Fact]
    public async Task Start_PreviewsOff_EndsAtOnceWithNothingToFlush()
    {
        // With previews off the publisher offers no frame: the stage waits for none (nor for the queue to close).
        var (buffers, channels) = Queues();
        await using var publisher = Publisher();
        using var stage = Stage(channels, publisher, buffers, enabled: false);

        await stage.StartAsync(TestContext.Current.CancellationToken);
        await stage.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(channels.PreviewsFlushed.Task.IsCompleted);
    }

    private static (EnhancedFrameBuffers Buffers, PipelineChannels Channels) Queues()
    {
        var buffers = new EnhancedFrameBuffers();
        return (buffers, new PipelineChannels(new PipelineOptions(), buffers.Release));
    }

    private static MqttPublisher Publisher() => new(new MqttOptions(), TimeProvider.System, NullLogger<MqttPublisher>.Instance);

    private static PreviewStage Stage(PipelineChannels channels, MqttPublisher publisher, EnhancedFrameBuffers buffers, bool enabled)
    {
        var options = new AfmEdgeOptions();
        options.Preview.Enabled = enabled;
        return new PreviewStage(channels, publisher, buffers, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System,
            NullLogger<PreviewStage>.Instance);
    }
}
