using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// Publishes something made from the newest item of a drop-oldest queue at most <see cref="MaxRateHz"/> times a second
/// (the preview, the plots). The queue's writer never waits, so a slow render or a slow link never delays scan data. The
/// throttle has a trailing edge: it waits out the interval, then takes the newest item that came in, so what is
/// published last (retained) shows the latest item. Each item it takes or skips is handed back through <see cref="Release"/>.
/// </summary>
public abstract class ThrottledStage<T>(ChannelReader<T> reader, TaskCompletionSource flushed, TimeProvider time) : BackgroundService
    where T : class
{
    /// <summary>Off: the queue is still written to, so it is drained and every item handed back.</summary>
    protected abstract bool Enabled { get; }

    protected abstract double MaxRateHz { get; }

    /// <summary>Hands back an item skipped for a newer one (or drained while off).</summary>
    protected abstract void Release(T item);

    /// <summary>
    /// Renders and publishes <paramref name="item"/>, handing it back once rendered. Returns whether it rendered (or tried
    /// to), so the next item waits out the interval; false for an item there was nothing to render from.
    /// </summary>
    protected abstract Task<bool> PublishAsync(T item, CancellationToken cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            if (!Enabled)
            {
                await foreach (var item in reader.ReadAllAsync(stoppingToken))
                {
                    Release(item);
                }

                return;
            }

            var interval = TimeSpan.FromSeconds(1 / MaxRateHz);
            long? lastPublished = null;
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                if (lastPublished is { } last && interval - time.GetElapsedTime(last) is { } wait && wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stoppingToken);
                }

                T? newest = null;
                while (reader.TryRead(out var item))
                {
                    if (newest is not null)
                    {
                        Release(newest);
                    }

                    newest = item;
                }

                if (newest is not null && await PublishAsync(newest, stoppingToken))
                {
                    lastPublished = time.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // A finite scan stops once this is set: after the last item is out, or at once when the stage is off.
            flushed.TrySetResult();
        }
    }
}
