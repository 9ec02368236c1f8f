using System.Threading.Channels;
using AfmEdge.Analysis;
using AfmEdge.Core;
using AfmEdge.Host.Options;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// The bounded queues between stages. All of them carry scan data, so a full queue makes the writer wait
/// (back-pressure up to the scan); none of those drops. Only the preview and plot queues drop (the oldest item).
/// </summary>
public sealed class PipelineChannels
{
    /// <param name="previewDropped">Told of each frame the preview queue drops for a newer one (it is done with it).</param>
    /// <param name="plotDropped">Told of each analysis the plot queue drops for a newer one.</param>
    public PipelineChannels(PipelineOptions options, Action<Frame>? previewDropped = null, Action<PlotRequest>? plotDropped = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Lines = System.Threading.Channels.Channel.CreateBounded<ScanLine>(Waiting(options.LineCapacity));
        Acquired = System.Threading.Channels.Channel.CreateBounded<Frame>(Waiting(options.FrameCapacity));
        Processed = System.Threading.Channels.Channel.CreateBounded<Frame>(Waiting(options.FrameCapacity));
        Enhanced = System.Threading.Channels.Channel.CreateBounded<Frame>(Waiting(options.FrameCapacity));
        Analysed = System.Threading.Channels.Channel.CreateBounded<AnalysedFrame>(Waiting(options.FrameCapacity));
        Previews = System.Threading.Channels.Channel.CreateBounded(NewestOnly, previewDropped);
        Plots = System.Threading.Channels.Channel.CreateBounded(NewestOnly, plotDropped);
    }

    public Channel<ScanLine> Lines { get; }
    public Channel<Frame> Acquired { get; }
    public Channel<Frame> Processed { get; }
    public Channel<Frame> Enhanced { get; }
    public Channel<AnalysedFrame> Analysed { get; }

    /// <summary>Frames offered for a preview: only the newest is kept, so previews never hold up the scan.</summary>
    public Channel<Frame> Previews { get; }

    /// <summary>
    /// Completed by the preview stage once its queue is complete and the last preview is out, so a finite scan
    /// stops only after its final preview (and never waits for one when previews are off).
    /// </summary>
    public TaskCompletionSource PreviewsFlushed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Analyses offered for plots (only when plots are on): only the newest is kept, as for previews.</summary>
    public Channel<PlotRequest> Plots { get; }

    /// <summary>Completed by the plots stage once its queue is complete and the last plots are out (as <see cref="PreviewsFlushed"/>).</summary>
    public TaskCompletionSource PlotsFlushed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static BoundedChannelOptions NewestOnly => new(1)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
        SingleWriter = true,
    };

    private static BoundedChannelOptions Waiting(int capacity) => new(capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
        SingleWriter = true,
    };
}

/// <summary>
/// An enhanced frame with what the analysis found in it: what the publisher sends. The summary is null for a frame the
/// analysis was configured to skip (<see cref="PipelineOptions.AnalyseEvery"/>). The analysis itself comes along only
/// when plots are on and the frame has a Height channel, for the plots stage, which recycles it.
/// </summary>
public sealed record AnalysedFrame(Frame Frame, FrameSummary? Summary, ChromosomeAnalysis? Analysis = null);

/// <summary>An analysis to plot and the frame it read (whose channels the plots read too).</summary>
public sealed record PlotRequest(Frame Frame, ChromosomeAnalysis Analysis)
{
    /// <summary>Done with both: the analysis's arrays serve the next analysis, and this reader of the frame lets it go.</summary>
    public void Release(EnhancedFrameBuffers buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        Analysis.Recycle();
        buffers.Release(Frame);
    }
}
