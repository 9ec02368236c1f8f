using System.Threading.Channels;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// How every stage ends: when its work finishes (input drained, scan done, or host stopping) it completes its
/// output queue, passing on a failure, so the end of a scan or a crash flows down the pipeline to the publisher.
/// </summary>
internal static class StageCompletion
{
    public static async Task RunThenCompleteAsync<T>(ChannelWriter<T> output, Func<Task> work, CancellationToken stoppingToken)
    {
        Exception? failure = null;
        try
        {
            await work();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            output.TryComplete(failure);
        }
    }
}
