using AfmEdge.Analysis;
using AfmEdge.Core;
using AfmEdge.Host.FineTuning;
using AfmEdge.Host.Options;
using AfmEdge.Inference;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Pipeline;

/// <summary>Cleans each frame with the configured processing chain, on the configured accelerator.</summary>
public sealed class ProcessingStage(PipelineChannels channels, FrameProcessor processor, PipelineMetrics metrics, ILogger<ProcessingStage> logger)
    : TransformStage<Frame, Frame>(channels.Acquired.Reader, channels.Processed.Writer, metrics, logger)
{
    protected override string StageName => "Processing";

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The stage is the accelerator's only user: once its loop has ended, the GPU and its kernels are freed (a frame
        // still in flight after a forced stop fails with ObjectDisposedException, which the stage logs and drops).
        await base.StopAsync(cancellationToken);
        processor.Dispose();
    }

    protected override Frame Transform(Frame item)
    {
        // The acquired frame is this stage's alone (nothing else reads the acquired queue): its arrays are reused.
        var result = processor.ProcessAndRecycle(item);
        Metrics.FrameProcessed();
        return result;
    }

    protected override string Describe(Frame item) => "frame " + item.Id;
}

/// <summary>
/// Super-resolves each processed frame (and offers it to the fine-tuner, which never holds it up). A processed frame
/// the fine-tuner did not take is read by nothing once enhanced: its arrays go back to the processor's pool, from which
/// the next scanned frames are assembled.
/// </summary>
public sealed class EnhancementStage(
    PipelineChannels channels, IFrameEnhancer enhancer, FineTuningFeed fineTuning, FrameProcessor processor, PipelineMetrics metrics, ILogger<EnhancementStage> logger)
    : TransformStage<Frame, Frame>(channels.Processed.Reader, channels.Enhanced.Writer, metrics, logger)
{
    protected override string StageName => "Enhancement";

    protected override Frame Transform(Frame item)
    {
        var offered = fineTuning.Offer(item);
        var result = enhancer.Enhance(item);
        if (!offered)
        {
            processor.Recycle(item, result);
        }

        Metrics.FrameEnhanced();
        return result;
    }

    protected override string Describe(Frame item) => "frame " + item.Id;
}

/// <summary>
/// Measures each enhanced frame, or every n-th one (<see cref="PipelineOptions.AnalyseEvery"/>), passing the others on
/// unmeasured; <see cref="PipelineOptions.AnalysisWorkers"/> frames are measured at once, and leave in order.
/// </summary>
public sealed class AnalysisStage(PipelineChannels channels, FrameAnalyzer analyzer, PipelineMetrics metrics, IOptions<AfmEdgeOptions> options, ILogger<AnalysisStage> logger)
    : TransformStage<Frame, AnalysedFrame>(channels.Enhanced.Reader, channels.Analysed.Writer, metrics, logger)
{
    private readonly int _every = options.Value.Pipeline.AnalyseEvery;
    private readonly bool _keepForPlots = options.Value.Plots.Enabled;
    private long _seen;

    protected override string StageName => "Analysis";

    protected override int Workers { get; } = options.Value.Pipeline.AnalysisWorkers;

    protected override bool TryPassOn(Frame item, out AnalysedFrame passed)
    {
        if (_seen++ % _every == 0)
        {
            passed = default!;
            return false;
        }

        passed = new AnalysedFrame(item, null);
        return true;
    }

    /// <remarks>
    /// The analyser is stateless, so frames may be measured on several threads at once. With plots on, each analysis
    /// goes along with its frame (the plots stage recycles it); otherwise its arrays serve the next frame at once.
    /// </remarks>
    protected override AnalysedFrame Transform(Frame item)
    {
        AnalysedFrame result;
        if (_keepForPlots)
        {
            var summary = analyzer.Analyze(item, out var analysis);
            result = new AnalysedFrame(item, summary, analysis);
        }
        else
        {
            result = new AnalysedFrame(item, analyzer.Analyze(item));
        }

        Metrics.FrameAnalysed();
        return result;
    }

    protected override string Describe(Frame item) => "frame " + item.Id;
}
