using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// Publishes something made from the newest item of a drop-oldest queue at most <see cref="MaxRateHz"/> times a second
/// (the preview, the plots). The queue's writer never waits, so a slow render or a slow link never delays scan data. The
/// throttle has a trailing edge: it waits out the interval, then takes the newest item that came in, so what is
/// published last (retained) shows the latest item. Each item it takes or skips is handed back through <see cref="Release"/>.
/// When it ends (a stop comes before the publisher's, which goes on a while) it closes the queue and hands back what is
/// left, so the publisher hands back each item it offers after that: none stays counted in <see cref="EnhancedFrameBuffers"/>.
/// </summary>
public abstract class ThrottledStage<T>(Channel<T> queue, TaskCompletionSource flushed, TimeProvider time) : BackgroundService
    where T : class
{
    /// <summary>Off: the publisher offers this stage nothing, and it ends at once.</summary>
    protected abstract bool Enabled { get; }

    protected abstract double MaxRateHz { get; }

    /// <summary>Hands back an item skipped for a newer one (or left in the queue when the stage ends).</summary>
    protected abstract void Release(T item);

    /// <summary>
    /// Renders and publishes <paramref name="item"/>, handing it back once rendered. Returns whether it rendered (or tried
    /// to), so the next item waits out the interval; false for an item there was nothing to render from.
    /// </summary>
    protected abstract Task<bool> PublishAsync(T item, CancellationToken cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var reader = queue.Reader;
        try
        {
            if (!Enabled)
            {
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
            queue.Writer.TryComplete();
            while (reader.TryRead(out var left))
            {
                Release(left);
            }

            // A finite scan stops once this is set: after the last item is out, or at once when the stage is off.
            flushed.TrySetResult();
        }
    }
}
