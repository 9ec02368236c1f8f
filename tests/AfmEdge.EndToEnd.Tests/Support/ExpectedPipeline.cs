
using AfmEdge.Core;
using AfmEdge.Inference;
using AfmEdge.Processing;
using AfmEdge.Simulation.TestPattern;

namespace AfmEdge.EndToEnd.Tests.Support;

/// <summary>
/// Recomputes, outside the host, what the host must publish for a test-pattern scan: the same deterministic
/// lines through the same steps. A published channel must equal this bit for bit.
/// </summary>
internal static class ExpectedPipeline
{
    public static async Task<IReadOnlyList<Frame>> FramesAsync(ScanSettings scan, TestPatternOptions pattern, int frames)
    {
        var source = new TestPatternSource(scan, pattern, TimeProvider.System, pace: false);
        var lines = System.Threading.Channels.Channel.CreateUnbounded<ScanLine>();
        await source.RunAsync(lines.Writer, frames, CancellationToken.None);
        lines.Writer.Complete();
        var assembler = new FrameAssembler(source.Channels, scan, TimeProvider.System);
        var chain = ProcessingChain.Parse(["level:plane"]);
        var enhancer = new BicubicUpsampler();
        var result = new List<Frame>();
        await foreach (var line in lines.Reader.ReadAllAsync())
        {
            if (assembler.TryAdd(line, out var frame))
            {
                result.Add(enhancer.Enhance(chain.Apply(frame!)));
            }
        }

        return result;
    }
}
