
using AfmEdge.Core;
using AfmEdge.Inference;
using AfmEdge.Processing;
using AfmEdge.Simulation.TestPattern;

namespace AfmEdge.EndToEnd.Tests.Support;

/// <summary>
/// Recomputes, outside the host, what the host must publish for a test-pattern scan: the same deterministic
/// lines through the same steps, enhanced by an engine built here the way the host builds its own (the bundled
/// model that fits the channels and the pixel, native engine). A published channel must equal this bit for bit.
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
        var chain = ProcessingChain.Parse(AfmEdge.Host.Options.ProcessingOptions.DefaultSteps);
        var catalog = ModelCatalog.Load(Path.Combine(AppContext.BaseDirectory, "models"));
        var model = catalog.Select(source.Channels.Select(c => c.Name), Math.Max(scan.PixelSizeX, scan.PixelSizeY)) ?? throw new InvalidOperationException("No bundled model fits the test pattern's channels.");
        using var enhancer = EngineFactory.CreateEnhancer("native", model, tileSize: 128, threads: 2);
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
