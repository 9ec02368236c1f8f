using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using AfmEdge.Analysis;
using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.TestPattern;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AfmEdge.Cli;

/// <summary>`afmedge bench analyse`: the chromosome analysis of a simulated 4-channel frame, bootstrap included.</summary>
internal static class BenchAnalyseCommand
{
    public static Command Create(TextWriter output)
    {
        var budget = new Option<double>("--budget-ms") { Description = "Time spent per figure.", DefaultValueFactory = _ => 3000 };
        var sizes = new Option<int[]>("--sizes") { Description = "Square frame sizes.", DefaultValueFactory = _ => [256, 512], AllowMultipleArgumentsPerToken = true };
        var kinds = new Option<string[]>("--frames")
        {
            Description = $"Which frames: {string.Join(", ", FrameKinds)}.",
            DefaultValueFactory = _ => FrameKinds,
            AllowMultipleArgumentsPerToken = true,
        };
        kinds.AcceptOnlyFromAmong(FrameKinds);
        var fingerprint = new Option<bool>("--fingerprint")
        {
            Description = "Instead of timing, print a fingerprint of each frame's results (summary JSON without frame id and times, label image): equal before and after a speed change that keeps them.",
        };
        var phases = new Option<bool>("--phases")
        {
            Description = "Also print each stage's processor time (every thread of the process).",
        };
        var rankCore = new Option<bool>("--rank-core")
        {
            Description = "Analyse with AnalysisOptions.RankCore (Spearman's ρ over each region's core, as afmedge correlate does; the host does not).",
        };
        var command = new Command("analyse", "Time ChromosomeAnalyzer on simulated 4-channel frames (segmentation, axes, labels, region statistics, bootstrap).")
        {
            budget, sizes, kinds, fingerprint, phases, rankCore,
        };
        command.SetAction(parse => Run(parse.GetValue(budget), parse.GetValue(sizes)!, parse.GetValue(kinds)!, parse.GetValue(fingerprint), parse.GetValue(phases),
            parse.GetValue(rankCore), output));
        return command;
    }

    private static readonly string[] FrameKinds = ["clean", "instrument", "touching", "testpattern", "host-testpattern", "host-vm"];

    private static int Run(double budgetMs, int[] sizes, string[] kinds, bool fingerprint, bool phases, bool rankCore, TextWriter output)
    {
        var spread = new ChromosomeSpecimen(7, new SpecimenOptions());

        // Two chromosomes in contact: the frame that pays for splitting them (TouchingSplitter).
        var touching = new ChromosomeSpecimen(1, new SpecimenOptions { ChromosomeCountMin = 2, ChromosomeCountMax = 2, TouchProbability = 1, Touch = TouchKind.Contact });
        var clean = new RenderOptions { Clean = true, IncludeRetrace = false };
        var instrument = new InstrumentOptions();
        var full = new ChromosomeAnalyzer(new AnalysisOptions { RankCore = rankCore });
        var noBootstrap = new ChromosomeAnalyzer(new AnalysisOptions { BootstrapResamples = 0, RankCore = rankCore });
        foreach (var size in sizes)
        {
            var scan = new ScanSettings { SizeX = 20e-6, SizeY = 20e-6, PixelsX = size, PixelsY = size, LineRateHz = 2 };
            var frames = new (string Kind, string Label, Func<Frame> Render)[]
            {
                ("clean", "clean", () => IdealScan.Render(spread, scan, instrument, clean)),
                ("instrument", "instrument", () => IdealScan.Render(spread, scan, instrument, new RenderOptions { IncludeRetrace = false })),
                ("touching", "clean, touching pair", () => IdealScan.Render(touching, scan, instrument, clean)),

                // The host's TestPattern source: overlapping Gaussian bumps, not chromosomes (`bench pipeline --source TestPattern`).
                ("testpattern", "test pattern", () => TestPatternFrame(scan)),

                // What the host's analysis stage gets from that source: scanned at half the size, processed by the host's
                // default chain and enhanced ×2 by its default enhancer (`bench pipeline --source TestPattern`).
                ("host-testpattern", "host test pattern, scanned at half size, processed, enhanced ×2", () => HostTestPatternFrame(size)),

                // What it gets from its default source, the virtual microscope (`bench pipeline`): the frames #8's frame rate is about.
                ("host-vm", "host virtual microscope, scanned at half size, processed, enhanced ×2", () => HostVirtualMicroscopeFrame(size)),
            };
            foreach (var (_, label, render) in frames.Where(f => kinds.Contains(f.Kind)))
            {
                var frame = render();
                var found = full.Analyze(frame).Chromosomes.Count;
                if (fingerprint)
                {
                    output.WriteLine($"fingerprint {size}² {label}: {Fingerprint(full.Analyze(frame))}");
                    continue;
                }

                var (median, min) = BenchTiming.Measure(() => full.Analyze(frame), budgetMs, maximumRuns: 200);

                // Processor time per frame (all threads): the work itself, which a loaded machine's wall clock overstates.
                var (cpu, cpuMin) = ProcessCpu.PerRun(() => full.Analyze(frame), budgetMs / 2);
                var (medianNo, minNo) = BenchTiming.Measure(() => noBootstrap.Analyze(frame), budgetMs / 2, maximumRuns: 200);
                var (medianMaps, minMaps) = BenchTiming.Measure(
                    () =>
                    {
                        var analysis = full.Analyze(frame);
                        Parallel.ForEach(analysis.CorrelatedChannels.ToArray(), c => analysis.LocalCorrelationMap(c));
                    },
                    budgetMs / 2, maximumRuns: 200);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"analyse {size}² × 4 channels ({label}, {found} chromosomes): {median:F1} ms ({min:F1}) with {full.Options.BootstrapResamples} bootstrap resamples{(rankCore ? ", cores ranked" : string.Empty)} (CPU {cpu:F1} ms ({cpuMin:F1}) over all threads); " +
                    $"{medianNo:F1} ms ({minNo:F1}) without; {medianMaps:F1} ms ({minMaps:F1}) with the 3 local-correlation maps; {BenchMachine.Describe()}"));
                WriteStages(full, frame, new AnalysisStageTimes(), "wall", output);
                WriteSummary(full, frame, budgetMs / 4, output);
                if (phases && ProcessCpu.Available)
                {
                    WriteStages(full, frame, new AnalysisStageTimes(ProcessCpu.Nanoseconds, 1_000_000_000), "processor", output);
                }
            }
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// The summary of one analysis, made again and again: every channel's statistics and the frame-wide correlations
    /// (FrameAnalyzer.Summarize), which the pipeline's analysis stage adds to the chromosome analysis.
    /// </summary>
    private static void WriteSummary(ChromosomeAnalyzer analyzer, Frame frame, double budgetMs, TextWriter output)
    {
        var analysis = analyzer.Analyze(frame);
        var summarizer = new FrameAnalyzer(TimeProvider.System, analyzer);
        var (median, min) = BenchTiming.Measure(() => summarizer.Summarize(analysis), budgetMs);
        var (cpu, cpuMin) = ProcessCpu.PerRun(() => summarizer.Summarize(analysis), budgetMs);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  summary (statistics of {frame.Channels.Count} channels, frame correlations): {median:F2} ms ({min:F2}), CPU {cpu:F2} ms ({cpuMin:F2})"));
    }

    /// <summary>SHA-256 (first 16 hex digits) of the summary JSON, with what differs between runs of one frame cleared, and of the labels.</summary>
    private static string Fingerprint(ChromosomeAnalysis analysis)
    {
        var summary = new FrameAnalyzer(TimeProvider.System).Summarize(analysis) with { FrameId = "", AcquiredAt = default, AnalysedAt = default };
        var json = System.Security.Cryptography.SHA256.HashData(SummaryJson.Serialize(summary));
        var labels = System.Security.Cryptography.SHA256.HashData(analysis.Labels);
        return string.Create(CultureInfo.InvariantCulture, $"summary {Convert.ToHexString(json)[..16]}, labels {Convert.ToHexString(labels)[..16]}");
    }

    /// <summary>The first frame of the host's default test pattern, rendered at the analysed size (as the enhanced frame is).</summary>
    private static Frame TestPatternFrame(ScanSettings scan)
    {
        var source = new TestPatternSource(scan, new TestPatternOptions(), TimeProvider.System, pace: false);
        var assembler = new FrameAssembler(source.Channels, scan, TimeProvider.System);
        for (var y = 0; y < scan.PixelsY; y++)
        {
            var line = ScanLine.Rent(0, y, scan.PixelsX, source.Channels.Count);
            source.RenderLine(line, 0, y);
            if (assembler.TryAdd(line, out var frame) && frame is not null)
            {
                return frame;
            }
        }

        throw new InvalidOperationException($"The test pattern's {scan.PixelsY} lines did not make a frame.");
    }

    /// <summary>The host's default TestPattern frame at half <paramref name="size"/> through its default processing and enhancement.</summary>
    private static Frame HostTestPatternFrame(int size) =>
        HostFrame("TestPattern", size, source => TestPatternFrame(source.Scan));

    /// <summary>
    /// The first frame of the host's default source, the virtual microscope, scanned at half <paramref name="size"/> (its
    /// closed loop, line by line, as the pipeline's acquisition does) through the default processing and enhancement.
    /// </summary>
    private static Frame HostVirtualMicroscopeFrame(int size) =>
        HostFrame("VirtualMicroscope", size, source => StageCosts.ScanAsync(source, 1, CancellationToken.None).GetAwaiter().GetResult()[0]);

    private static Frame HostFrame(string sourceKind, int size, Func<IScanSource, Frame> scan)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AfmEdge:Source:Kind"] = sourceKind,
            ["AfmEdge:Source:Pace"] = "false",
            ["AfmEdge:Source:Scan:Pixels"] = (size / 2).ToString(CultureInfo.InvariantCulture),
            ["AfmEdge:Mqtt:Device"] = "bench",
        }).Build();

        // Built, never started: only its source, processing chain and enhancer are used.
        using var host = AfmEdge.Host.AfmEdgeHost.Build(configuration);
        var services = host.Services;
        var source = services.GetRequiredService<IScanSource>();
        var processor = services.GetRequiredService<AfmEdge.Host.Pipeline.FrameProcessor>();
        var enhancer = services.GetRequiredService<AfmEdge.Inference.IFrameEnhancer>();
        return enhancer.Enhance(processor.Process(scan(source)));
    }

    /// <summary>Where a frame's time goes: the median time of each stage over a few analyses (after the runs above warmed it).</summary>
    private static void WriteStages(ChromosomeAnalyzer analyzer, Frame frame, AnalysisStageTimes times, string clock, TextWriter output)
    {
        const int Runs = 20;
        for (var i = 0; i < Runs; i++)
        {
            analyzer.Analyze(frame, times);
        }

        var sum = times.Stages.Sum(s => s.PerFrame.TotalMilliseconds);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  stages, {clock} time (median of {Runs}, ms; their sum {sum:F1}):"));
        foreach (var (stage, perFrame) in times.Stages)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {stage,-52} {perFrame.TotalMilliseconds,6:F2}"));
        }
    }
}

/// <summary>
/// Processor time of the whole process (every thread) per run: clock_gettime(CLOCK_PROCESS_CPUTIME_ID) on Linux, whose
/// nanoseconds time a single run (Process.TotalProcessorTime counts 10 ms ticks there); elsewhere that, over the runs.
/// </summary>
internal static partial class ProcessCpu
{
    private const int ClockProcessCpuTime = 2; // CLOCK_PROCESS_CPUTIME_ID on Linux, every architecture.

    /// <summary>The median and the least processor time (ms) of <paramref name="run"/>, over runs within <paramref name="budgetMs"/> of it (10 at least).</summary>
    public static (double MedianMs, double MinMs) PerRun(Action run, double budgetMs)
    {
        var times = new List<double>();
        double spent = 0;
        if (!OperatingSystem.IsLinux())
        {
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            var before = process.TotalProcessorTime;
            const int Runs = 10;
            for (var i = 0; i < Runs; i++)
            {
                run();
            }

            process.Refresh();
            var mean = (process.TotalProcessorTime - before).TotalMilliseconds / Runs;
            return (mean, mean);
        }

        while (times.Count < 10 || (spent < budgetMs && times.Count < 200))
        {
            var before = Now();
            run();
            var cpu = Now() - before;
            times.Add(cpu);
            spent += cpu;
        }

        times.Sort();
        return (ProcessCommand.Median([.. times]), times[0]);
    }

    /// <summary>Whether <see cref="Nanoseconds"/> reads the process's processor clock (Linux only).</summary>
    public static bool Available => OperatingSystem.IsLinux();

    /// <summary>The process's processor time (every thread) in nanoseconds.</summary>
    public static long Nanoseconds()
    {
        Span<long> time = stackalloc long[2];
        return ClockGetTime(ClockProcessCpuTime, ref time[0]) == 0 ? (time[0] * 1_000_000_000) + time[1] : 0;
    }

    private static double Now()
    {
        Span<long> time = stackalloc long[2];
        return ClockGetTime(ClockProcessCpuTime, ref time[0]) == 0 ? (time[0] * 1e3) + (time[1] * 1e-6) : double.NaN;
    }

    // struct timespec { time_t tv_sec; long tv_nsec; }: two 64-bit words on 64-bit Linux.
    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, ref long timespec);
}
