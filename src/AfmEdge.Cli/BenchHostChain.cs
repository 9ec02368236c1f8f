using System.Diagnostics;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Host.Options;
using AfmEdge.Kernels;
using AfmEdge.Processing;
using AfmEdge.Simulation.Rendering;

namespace AfmEdge.Cli;

/// <summary>
/// The part of `afmedge bench process` that times the host's default chain (<see cref="ProcessingOptions.DefaultSteps"/>)
/// on the host's default frame: a 256² virtual-microscope frame with its eight channels (four probes, trace and retrace),
/// pooled as the host's processing stage runs it, then each step alone on the frame the steps before it made.
/// </summary>
internal static class BenchHostChain
{
    public static void Measure(double budgetMs, AcceleratorGridDevice? device, TextWriter output)
    {
        var source = new VirtualMicroscopeSource(new VirtualMicroscopeOptions { PaceToLineRate = false });
        var frame = source.RenderFrame(1);
        var steps = ProcessingOptions.DefaultSteps;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"host default chain on a {frame.Width}² virtual-microscope frame, {frame.Channels.Count} channels ({Environment.ProcessorCount} cores), median (min) wall and processor time (all threads) per run, over runs taken after a long warm-up:"));
        var lines = new List<(string Label, ProcessingChain Chain, Frame Input)> { (string.Join(",", steps), ProcessingChain.Parse(steps), frame) };

        // A hash of the result's samples, so two builds can be shown to compute the same bits on this machine.
        var result = lines[0].Chain.Apply(frame, device, new ChannelBufferPool());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  result: {string.Join(", ", result.Channels.Select(c => c.Descriptor.Key))}; FNV-1a of their samples' bits {Hash(result):x16}"));

        // Each step alone, on what the steps before it made (as in the chain).
        var input = frame;
        foreach (var step in steps)
        {
            var chain = ProcessingChain.Parse([step]);
            lines.Add(("  " + step, chain, input));
            input = chain.Apply(input);
        }

        // Every line warmed up before any is timed, then a pause: a step called a few times per frame (and the generic
        // vector kernels it calls a hundred thousand times) runs quick-jitted code until tiered compilation has
        // finished in the background, as it has in a host that has run a few seconds; BenchTiming's short warm-up
        // alone would time tier-0 code.
        var pools = lines.Select(_ => new ChannelBufferPool()).ToArray();
        for (var l = 0; l < lines.Count; l++)
        {
            var warm = Stopwatch.StartNew();
            for (var i = 0; i < 60 && warm.Elapsed.TotalMilliseconds < 3000; i++)
            {
                pools[l].Return(lines[l].Chain.Apply(lines[l].Input, device, pools[l]));
            }
        }

        Thread.Sleep(500);
        for (var l = 0; l < lines.Count; l++)
        {
            Line(output, lines[l].Label, lines[l].Chain, lines[l].Input, device, pools[l], budgetMs);
        }
    }

    private static ulong Hash(Frame frame)
    {
        var hash = 14695981039346656037UL;
        foreach (var channel in frame.Channels)
        {
            foreach (var b in System.Runtime.InteropServices.MemoryMarshal.AsBytes(channel.Data))
            {
                hash = (hash ^ b) * 1099511628211UL;
            }
        }

        return hash;
    }

    private static void Line(TextWriter output, string label, ProcessingChain chain, Frame input, AcceleratorGridDevice? device, ChannelBufferPool buffers, double budgetMs)
    {
        void Run() => buffers.Return(chain.Apply(input, device, buffers));
        var runs = 0;
        var allocatedBefore = 0L;
        var (median, min) = BenchTiming.Measure(() =>
        {
            Run();
            runs++;
        }, budgetMs * 2, maximumRuns: 400, warmedUp: () =>
        {
            runs = 0;
            allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        });
        var allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)runs;

        // Processor time run by run (every thread's), whose minimum is the steadier figure on a loaded machine.
        var (processor, processorMin) = ProcessCpu.PerRun(Run, budgetMs * 2);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {label,-62}{median,9:F3} ms ({min:F3}), processor {processor:F3} ms ({processorMin:F3}), {allocated / 1024:F0} KiB per run"));
    }
}
