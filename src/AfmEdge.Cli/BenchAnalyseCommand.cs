using System.CommandLine;
using System.Globalization;
using AfmEdge.Analysis;
using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Cli;

/// <summary>`afmedge bench analyse`: the chromosome analysis of a simulated 4-channel frame, bootstrap included.</summary>
internal static class BenchAnalyseCommand
{
    public static Command Create(TextWriter output)
    {
        var budget = new Option<double>("--budget-ms") { Description = "Time spent per figure.", DefaultValueFactory = _ => 3000 };
        var sizes = new Option<int[]>("--sizes") { Description = "Square frame sizes.", DefaultValueFactory = _ => [256, 512], AllowMultipleArgumentsPerToken = true };
        var command = new Command("analyse", "Time ChromosomeAnalyzer on simulated 4-channel frames (segmentation, axes, labels, region statistics, bootstrap).")
        {
            budget, sizes,
        };
        command.SetAction(parse => Run(parse.GetValue(budget), parse.GetValue(sizes)!, output));
        return command;
    }

    private static int Run(double budgetMs, int[] sizes, TextWriter output)
    {
        var spread = new ChromosomeSpecimen(7, new SpecimenOptions());

        // Two chromosomes in contact: the frame that pays for splitting them (TouchingSplitter).
        var touching = new ChromosomeSpecimen(1, new SpecimenOptions { ChromosomeCountMin = 2, ChromosomeCountMax = 2, TouchProbability = 1, Touch = TouchKind.Contact });
        var clean = new RenderOptions { Clean = true, IncludeRetrace = false };
        var instrument = new InstrumentOptions();
        var full = new ChromosomeAnalyzer();
        var noBootstrap = new ChromosomeAnalyzer(new AnalysisOptions { BootstrapResamples = 0 });
        foreach (var size in sizes)
        {
            var scan = new ScanSettings { SizeX = 20e-6, SizeY = 20e-6, PixelsX = size, PixelsY = size, LineRateHz = 2 };
            foreach (var (label, specimen, render) in new[] { ("clean", spread, clean), ("instrument", spread, new RenderOptions { IncludeRetrace = false }), ("clean, touching pair", touching, clean) })
            {
                var frame = IdealScan.Render(specimen, scan, instrument, render);
                var found = full.Analyze(frame).Chromosomes.Count;
                var (median, min) = BenchTiming.Measure(() => full.Analyze(frame), budgetMs, maximumRuns: 200);

                // Processor time per frame (all threads): the work itself, which a loaded machine's wall clock overstates.
                using var process = System.Diagnostics.Process.GetCurrentProcess();
                var cpuBefore = process.TotalProcessorTime;
                const int CpuRuns = 5;
                for (var i = 0; i < CpuRuns; i++)
                {
                    full.Analyze(frame);
                }

                process.Refresh();
                var cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / CpuRuns;
                var (medianNo, minNo) = BenchTiming.Measure(() => noBootstrap.Analyze(frame), budgetMs / 2, maximumRuns: 200);
                var (medianMaps, minMaps) = BenchTiming.Measure(
                    () =>
                    {
                        var analysis = full.Analyze(frame);
                        Parallel.ForEach(analysis.CorrelatedChannels.ToArray(), c => analysis.LocalCorrelationMap(c));
                    },
                    budgetMs / 2, maximumRuns: 200);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"analyse {size}² × 4 channels ({label}, {found} chromosomes): {median:F1} ms ({min:F1}) with {full.Options.BootstrapResamples} bootstrap resamples (CPU {cpu:F1} ms over all threads); " +
                    $"{medianNo:F1} ms ({minNo:F1}) without; {medianMaps:F1} ms ({minMaps:F1}) with the 3 local-correlation maps; {Environment.ProcessorCount} cores"));
                WriteStages(full, frame, output);
            }
        }

        return ExitCodes.Ok;
    }

    /// <summary>Where a frame's time goes: the median wall time of each stage over a few analyses (after the runs above warmed it).</summary>
    private static void WriteStages(ChromosomeAnalyzer analyzer, Frame frame, TextWriter output)
    {
        const int Runs = 20;
        var times = new AnalysisStageTimes();
        for (var i = 0; i < Runs; i++)
        {
            analyzer.Analyze(frame, times);
        }

        var onPath = times.Stages.Where(s => !s.Stage.Contains("beside", StringComparison.Ordinal)).Sum(s => s.PerFrame.TotalMilliseconds);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  stages (median of {Runs}, ms; their sum {onPath:F1} on the calling thread):"));
        foreach (var (stage, perFrame) in times.Stages)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {stage,-52} {perFrame.TotalMilliseconds,6:F2}"));
        }
    }
}
