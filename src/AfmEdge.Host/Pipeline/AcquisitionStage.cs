using AfmEdge.Core;
using AfmEdge.Host.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Pipeline;

/// <summary>Runs the scan source, which writes lines into the line queue; completes the queue when the scan ends.</summary>
public sealed partial class AcquisitionStage(
    PipelineChannels channels,
    IScanSource source,
    IOptions<AfmEdgeOptions> options,
    ILogger<AcquisitionStage> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var frames = options.Value.Source.Frames;
        LogStarting(logger, source.GetType().Name, source.Scan.PixelsX, source.Scan.PixelsY, source.Channels.Count, frames);
        await StageCompletion.RunThenCompleteAsync(
            channels.Lines.Writer, () => source.RunAsync(channels.Lines.Writer, frames, stoppingToken), stoppingToken);
    }

    [LoggerMessage(1, LogLevel.Information, "Acquiring from {Source}: {Width}×{Height} pixels, {Channels} channels, {Frames} frames (0 = until stopped)")]
    private static partial void LogStarting(ILogger logger, string source, int width, int height, int channels, long frames);
}

/// <summary>Builds frames from the source's lines, into arrays of earlier frames the pipeline has finished with where it can.</summary>
public sealed class FrameAssemblyStage(PipelineChannels channels, IScanSource source, TimeProvider time, FrameProcessor processor, PipelineMetrics metrics) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var assembler = new FrameAssembler(source.Channels, source.Scan, time, processor.BuffersFor(source.Scan.PixelsX * source.Scan.PixelsY));
        await StageCompletion.RunThenCompleteAsync(channels.Acquired.Writer, async () =>
        {
            await foreach (var line in channels.Lines.Reader.ReadAllAsync(stoppingToken))
            {
                metrics.LineAcquired();
                if (assembler.TryAdd(line, out var frame))
                {
                    metrics.FrameAcquired();
                    await channels.Acquired.Writer.WriteAsync(frame!, stoppingToken);
                }
            }
        }, stoppingToken);
    }
}
