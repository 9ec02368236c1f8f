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

    /// <summary>
    /// How many items are transformed at once, each on a pool thread; results still leave in the order the items came.
    /// 1 (the default) transforms on the stage's own loop. More lets a stage whose one-item latency exceeds the frame
    /// period (the analysis: mostly one thread per frame) keep up while the other core has time to spare.
    /// </summary>
    protected virtual int Workers => 1;

    protected abstract TOut Transform(TIn item);

    protected abstract string Describe(TIn item);

    /// <summary>
    /// Called in arrival order before an item is handed to a worker: true passes <paramref name="item"/> on as
    /// <paramref name="passed"/> without transforming it (a decision that must follow the order, such as every n-th).
    /// </summary>
    protected virtual bool TryPassOn(TIn item, out TOut passed)
    {
        passed = default!;
        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Stages are CPU-bound; leave the host's start-up thread at once.
        await Task.Yield();
        var workers = Workers;
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1, nameof(Workers));
        await StageCompletion.RunThenCompleteAsync(_output, async () =>
        {
            // Results wait here, in arrival order, until they and those before them are done. A worker that finishes
            // before an older item takes the next item at once (up to twice the workers waiting in all): were it to wait
            // for the older one, a core would idle while the stages before it are held up by the full queue between.
            var window = 2 * workers;
            var pending = new Queue<Task<(bool Done, TOut Result)>>(window);
            try
            {
                Task<bool>? arrival = null;
                while (true)
                {
                    while (pending.Count > 0 && pending.Peek().IsCompleted)
                    {
                        await WriteNextAsync(pending, stoppingToken);
                    }

                    var busy = pending.Where(task => !task.IsCompleted).ToArray();
                    if (busy.Length >= workers)
                    {
                        // Every worker busy: wait for whichever finishes first (the oldest need not be first).
                        await Task.WhenAny(busy);
                        continue;
                    }

                    if (pending.Count >= window)
                    {
                        await WriteNextAsync(pending, stoppingToken);
                        continue;
                    }

                    if (arrival is null && _input.TryRead(out var item))
                    {
                        if (TryPassOn(item, out var passed))
                        {
                            pending.Enqueue(Task.FromResult((true, passed)));
                        }
                        else
                        {
                            pending.Enqueue(workers == 1 ? Task.FromResult(Attempt(item)) : Task.Run(() => Attempt(item), CancellationToken.None));
                        }

                        continue;
                    }

                    // Wait for the next item or, while items are in flight, for the oldest to finish (one wait at a time).
                    arrival ??= _input.WaitToReadAsync(stoppingToken).AsTask();
                    if (pending.Count > 0)
                    {
                        await Task.WhenAny(arrival, pending.Peek());
                        if (!arrival.IsCompleted)
                        {
                            continue;
                        }
                    }

                    var more = await arrival;
                    arrival = null;
                    if (!more)
                    {
                        break;
                    }
                }

                while (pending.Count > 0)
                {
                    await WriteNextAsync(pending, stoppingToken);
                }
            }
            finally
            {
                // Never leave a worker running past the stage (a stop can come while items are in flight).
                await ((Task)Task.WhenAll(pending)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }, stoppingToken);
    }

    private async Task WriteNextAsync(Queue<Task<(bool Done, TOut Result)>> pending, CancellationToken stoppingToken)
    {
        var (done, result) = await pending.Dequeue();
        if (done)
        {
            await _output.WriteAsync(result, stoppingToken);
        }
    }

    /// <summary>Transforms one item, timing it; a rejected item is logged and counted, and gives no result.</summary>
    private (bool Done, TOut Result) Attempt(TIn item)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var result = Transform(item);
            Metrics.StageWorked(StageName, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return (true, result);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidDataException or KeyNotFoundException or ArithmeticException)
        {
            Metrics.FrameFailed();
            LogRejected(_logger, StageName, Describe(item), e.Message);
            return (false, default!);
        }
    }

    [LoggerMessage(100, LogLevel.Error, "{Stage} rejected {Item}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string stage, string item, string reason);
}
