using AfmEdge.Analysis;
using AfmEdge.Analysis.Plots;
using AfmEdge.Host.Options;
using AfmEdge.Messaging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Pipeline;

/// <summary>Renders the plots the host publishes for one analysis (a seam for tests; <see cref="AnalysisPlotter"/> in the host).</summary>
public interface IAnalysisPlotter
{
    IReadOnlyList<AnalysisPlot> Render(ChromosomeAnalysis analysis);
}

/// <summary><see cref="AnalysisPlots.All"/> within <see cref="PlotsOptions.MaxSide"/> and the contract's <see cref="PlotsOptions.MaxBytes"/>.</summary>
public sealed class AnalysisPlotter(IOptions<AfmEdgeOptions> options) : IAnalysisPlotter
{
    private readonly PlotLimits _limits = new(options.Value.Plots.MaxSide, PlotsOptions.MaxBytes);

    public IReadOnlyList<AnalysisPlot> Render(ChromosomeAnalysis analysis) => [.. AnalysisPlots.All(analysis, _limits)];
}

/// <summary>
/// Publishes the plots of the newest analysed frame (plots/{name}, retained) at most <see cref="PlotsOptions.MaxRateHz"/>
/// times a second. Analyses in between are skipped unrendered: a local-correlation map alone costs milliseconds, so
/// plots are made only at the rate they go out, and on a thread of the lowest priority (<see cref="LowPriority"/>). A plot
/// that fails to render is logged and the next analysis tried; the pipeline never waits for this stage. Each analysis is
/// recycled, and its frame handed back, once its plots are rendered.
/// </summary>
public sealed partial class PlotsStage(
    PipelineChannels channels,
    MqttPublisher publisher,
    EnhancedFrameBuffers buffers,
    IAnalysisPlotter plotter,
    IOptions<AfmEdgeOptions> options,
    TimeProvider time,
    ILogger<PlotsStage> logger) : ThrottledStage<PlotRequest>(channels.Plots, channels.PlotsFlushed, time)
{
    private readonly PlotsOptions _settings = options.Value.Plots;

    protected override bool Enabled => _settings.Enabled;

    protected override double MaxRateHz => _settings.MaxRateHz;

    protected override void Release(PlotRequest item) => item.Release(buffers);

    protected override async Task<bool> PublishAsync(PlotRequest item, CancellationToken cancellationToken)
    {
        var frameId = item.Frame.Id.ToString();
        IReadOnlyList<AnalysisPlot> plots;
        try
        {
            // At the lowest priority: a set of plots takes about 100 ms of a core, which the pipeline gets first when it needs it.
            plots = await LowPriority.RunAsync(() => plotter.Render(item.Analysis), "afmedge-plots");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bad plot must not stop the plots of later frames, nor anything else.
            LogRenderFailed(logger, e, frameId);
            return true;
        }
        finally
        {
            item.Release(buffers);
        }

        foreach (var plot in plots)
        {
            await publisher.PublishPlotAsync(plot.Name, plot.Png, frameId, plot.Title, plot.Channel, cancellationToken);
        }

        LogPublished(logger, plots.Count, frameId);
        return true;
    }

    [LoggerMessage(1, LogLevel.Warning, "No plots for frame {FrameId}: rendering failed; the next analysed frame is tried")]
    private static partial void LogRenderFailed(ILogger logger, Exception exception, string frameId);

    [LoggerMessage(2, LogLevel.Debug, "Published {Count} plots of frame {FrameId}")]
    private static partial void LogPublished(ILogger logger, int count, string frameId);
}
