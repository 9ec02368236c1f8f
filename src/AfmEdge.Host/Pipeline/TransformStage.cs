using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// A stage that reads items from one queue, transforms each and writes the result to the next queue.
/// A frame the transform rejects is logged and counted, and the stage goes on with the next one: one bad
/// frame must not stop the instrument. When the input completes, the output is completed too, so the end
/// of a finite scan flows down to the publisher.
/// </summary>
public abstract partial class TransformStage<TIn, TOut> : BackgroundService
{
    private readonly ChannelReader<TIn> _input;
    private readonly ChannelWriter<TOut> _output;
    private readonly ILogger _logger;

    protected TransformStage(ChannelReader<TIn> input, ChannelWriter<TOut> output, PipelineMetrics metrics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        _input = input;
        _output = output;
        Metrics = metrics;
        _logger = logger;
    }

    protected PipelineMetrics Metrics { get; }

    protected abstract string StageName { get; }

    protected abstract TOut Transform(TIn item);

    protected abstract string Describe(TIn item);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Stages are CPU-bound; leave the host's start-up thread at once.
        await Task.Yield();
        await StageCompletion.RunThenCompleteAsync(_output, async () =>
        {
            await foreach (var item in _input.ReadAllAsync(stoppingToken))
            {
                TOut result;
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    result = Transform(item);
                    Metrics.StageWorked(StageName, System.Diagnostics.Stopwatch.GetElapsedTime(started));
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidDataException or KeyNotFoundException or ArithmeticException)
                {
                    Metrics.FrameFailed();
                    LogRejected(_logger, StageName, Describe(item), e.Message);
                    continue;
                }

                await _output.WriteAsync(result, stoppingToken);
            }
        }, stoppingToken);
    }

    [LoggerMessage(100, LogLevel.Error, "{Stage} rejected {Item}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string stage, string item, string reason);
}
