using AfmEdge.Control;
using AfmEdge.Core;

namespace AfmEdge.Cli;

/// <summary>One frame from a scan engine: its lines assembled as they come, the way the host's acquisition does.</summary>
internal static class OneFrame
{
    /// <summary>
    /// Scans one frame with <paramref name="engine"/> (a fault propagates as the engine throws it, after the lines so far are
    /// drained) and returns it, or null when the engine ended without completing one.
    /// </summary>
    public static async Task<Frame?> ScanAsync(ScanEngine engine, ScanSettings scan, TimeProvider clock, CancellationToken cancellationToken)
    {
        var lines = System.Threading.Channels.Channel.CreateBounded<ScanLine>(new System.Threading.Channels.BoundedChannelOptions(16) { SingleReader = true, SingleWriter = true });
        var assembler = new FrameAssembler(engine.Channels, scan, clock);
        Frame? frame = null;
        var consumer = Task.Run(
            async () =>
            {
                await foreach (var line in lines.Reader.ReadAllAsync(CancellationToken.None))
                {
                    if (assembler.TryAdd(line, out var done))
                    {
                        frame = done;
                    }
                }
            },
            CancellationToken.None);

        try
        {
            await engine.RunAsync(lines.Writer, 1, cancellationToken);
        }
        finally
        {
            lines.Writer.Complete();
            await consumer;
        }

        return frame;
    }
}
