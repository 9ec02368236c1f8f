using AfmEdge.Analysis;
using AfmEdge.Core;
using AfmEdge.Host.FineTuning;
using AfmEdge.Inference;
using AfmEdge.Processing;
using Microsoft.Extensions.Logging;

namespace AfmEdge.Host.Pipeline;

/// <summary>Cleans each frame with the configured processing chain.</summary>
public sealed class ProcessingStage(PipelineChannels channels, ProcessingChain chain, PipelineMetrics metrics, ILogger<ProcessingStage> logger)
    : TransformStage<Frame, Frame>(channels.Acquired.Reader, channels.Processed.Writer, metrics, logger)
{
    protected override string StageName => "Processing";

    protected override Frame Transform(Frame item)
    {
        var result = chain.Apply(item);
        Metrics.FrameProcessed();
        return result;
    }

    protected override string Describe(Frame item) => "frame " + item.Id;
}

/// <summary>Super-resolves each processed frame (and offers it to the fine-tuner, which never holds it up).</summary>
public sealed class EnhancementStage(PipelineChannels channels, IFrameEnhancer enhancer, FineTuningFeed fineTuning, PipelineMetrics metrics, ILogger<EnhancementStage> logger)
    : TransformStage<Frame, Frame>(channels.Processed.Reader, channels.Enhanced.Writer, metrics, logger)
{
    protected override string StageName => "Enhancement";

    protected override Frame Transform(Frame item)
    {
        fineTuning.Offer(item);
        var result = enhancer.Enhance(item);
        Metrics.FrameEnhanced();
        return result;
    }

    protected override string Describe(Frame item) => "frame " + item.Id;
}

/// <summary>Measures each enhanced frame.</summary>
public sealed class AnalysisStage(PipelineChannels channels, FrameAnalyzer analyzer, PipelineMetrics metrics, ILogger<AnalysisStage> logger)
    : TransformStage<Frame, AnalysedFrame>(channels.Enhanced.Reader, channels.Analysed.Writer, metrics, logger)
{
    protected override string StageName => "Analysis";

    protected override AnalysedFrame Transform(Frame item)
    {
        var result = new AnalysedFrame(item, analyzer.Analyze(item));
        Metrics.FrameAnalysed();
        return result;
    }

    protected override string Describe(Frame item) => "frame " + item.Id;
}
