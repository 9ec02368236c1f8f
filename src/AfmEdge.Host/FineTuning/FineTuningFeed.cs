using System.Threading.Channels;
using Frame = AfmEdge.Core.Frame;
using AfmEdge.Host.Options;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.FineTuning;

/// <summary>
/// Processed frames offered to the fine-tuning service. A drop-oldest queue of two: the pipeline never waits for the
/// fine-tuner, and a fine-tuner busy with a round simply misses frames. Offers are ignored while fine-tuning is off.
/// </summary>
public sealed class FineTuningFeed
{
    private readonly Channel<Frame> _frames = System.Threading.Channels.Channel.CreateBounded<Frame>(new BoundedChannelOptions(2)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
        SingleWriter = true,
    });

    public FineTuningFeed(IOptions<AfmEdgeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Enabled = options.Value.FineTuning.Enabled;
    }

    public bool Enabled { get; }

    public ChannelReader<Frame> Reader => _frames.Reader;

    /// <summary>Hands a frame to the fine-tuner without waiting; false when fine-tuning is off.</summary>
    public bool Offer(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return Enabled && _frames.Writer.TryWrite(frame);
    }
}
