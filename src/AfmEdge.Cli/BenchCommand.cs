using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Kernels;
using AfmEdge.Processing;

namespace AfmEdge.Cli;

/// <summary>`afmedge bench process`: milliseconds per operation at 256², 512² and 1024², single thread.</summary>
internal static class BenchCommand
{
    /// <summary>
    /// The operations timed: the chain step, the gwy-oracle operation that does the same in Gwyddion (timed in the
    /// same run when the oracle is built), and the Gwyddion 2.62 figure the issue quotes for 512² (ms).
    /// </summary>
    private static readonly (string Step, string? Oracle, double? Issue512)[] Operations =
    [
        ("level:plane", "plane", 0.35), ("level:poly:2", "poly:2:2", 4.7), ("level:poly:3", "poly:3:3", null),
        ("align-rows:median", "align-median", 1.2), ("align-rows:mean", "align-mean", 0.33), ("align-rows:median-diff", "align-median-diff", null),
        ("align-rows:trimmed", "align-trimmed:0.05", null), ("align-rows:poly:2", null, null),
        ("scars", null, null), ("gauss:2", "gauss:2", 6.4), ("median:3", "median:3", null), ("median:5", "median:5", 53.5),
        ("lowpass:0.1", null, null), ("highpass:0.1", null, null), ("notch-rows:0.2:0.3", null, null),
        ("fix-zero", null, null), ("level-masked:plane", null, null), ("level-masked:poly:2", null, null),
    ];

    // The bench field is 1 µm wide: a 10 nm paraboloid on an 11×11 grid.
    private const double TipRadius = 10e-9;
    private const int TipHalf = 5;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var sizes = new Option<string>("--sizes") { Description = "Comma-separated square sizes.", DefaultValueFactory = _ => "256,512,1024" };
        var budget = new Option<double>("--budget-ms") { Description = "Time spent per operation and size.", DefaultValueFactory = _ => 300 };
        var gwyddion = new Option<FileInfo?>("--gwyddion")
        {
            Description = "gwy-oracle to time Gwyddion on the same 512² field in this run (default: tests/gwyddion-oracle/bin/gwy-oracle above the current or program directory).",
        };
        var noGwyddion = new Option<bool>("--no-gwyddion") { Description = "Do not time Gwyddion; show the issue's figures instead." };
        var frameOnly = new Option<bool>("--frame-only") { Description = "Time only the 4-channel frame chains (the issue's ≤ 10 ms frame budget), not each operation." };
        var accelerator = ProcessCommand.AcceleratorOption();
        var process = new Command("process", "Time each processing operation on a synthetic scan: median (and minimum) ms per run, one thread; Gwyddion beside it when its oracle is built.")
        {
            sizes, budget, gwyddion, noGwyddion, frameOnly, accelerator,
        };
        process.SetAction(parse => Run(parse.GetValue(sizes)!, parse.GetValue(budget), parse.GetValue(gwyddion), parse.GetValue(noGwyddion) || parse.GetValue(frameOnly),
            parse.GetValue(frameOnly), parse.GetValue(accelerator)!, output, error));
        return new Command("bench", "Benchmarks: the figures the issues name, measured in one run on this machine.")
        {
            process, BenchSimulateCommand.Create(output), BenchPipelineCommand.Create(output, error), BenchFormatsCommand.Create(output, error),
            BenchEnhanceCommand.Create(output, error), BenchAnalyseCommand.Create(output), BenchMemoryCommand.Create(output, error),
        };
    }

    private static int Run(string sizeList, double budgetMs, FileInfo? gwyddionOracle, bool noGwyddion, bool frameOnly, string acceleratorName, TextWriter output, TextWriter error)
    {
        if (BenchSizes.Parse(sizeList, out var problem) is not { } sizes)
        {
            error.WriteLine($"afmedge bench process: bad --sizes '{sizeList}': {problem}");
            return ExitCodes.BadUsageOrConfig;
        }

        if (!ProcessCommand.CheckAccelerator("bench process", acceleratorName, error))
        {
            return ExitCodes.BadUsageOrConfig;
        }

        if (gwyddionOracle is not null && !gwyddionOracle.Exists)
        {
            error.WriteLine($"afmedge bench process: --gwyddion {gwyddionOracle.FullName} does not exist.");
            return ExitCodes.BadUsageOrConfig;
        }

        if (!ProcessCommand.TryOpenAccelerator("bench process", acceleratorName, error, out var device, out var choice))
        {
            return ExitCodes.RuntimeFailure;
        }

        if (acceleratorName != ProcessingAccelerator.Cpu)
        {
            output.WriteLine($"Accelerator ({acceleratorName}): {choice}");
        }

        using (device)
        {
            if (!frameOnly)
            {
                EachOperation(sizes, budgetMs, gwyddionOracle, noGwyddion, device, output);
            }

            FrameChains(sizes, budgetMs, device, output);
            BenchHostChain.Measure(budgetMs, device, output);
            return ExitCodes.Ok;
        }
    }

    private static void EachOperation(int[] sizes, double budgetMs, FileInfo? gwyddionOracle, bool noGwyddion, AcceleratorGridDevice? device, TextWriter output)
    {
        var oracle = noGwyddion ? null : gwyddionOracle?.FullName ?? FindOracle();

        using var gwyddion = oracle is null ? null : new GwyddionTimer(oracle, Field(512, 512), 512);
        output.WriteLine(gwyddion is null
            ? "Gwyddion: gwy-oracle not built (tests/gwyddion-oracle/build.sh); the column shows the issue's 2.62 figures (*)."
            : $"Gwyddion: {oracle}, timed on the same 512² field in this run (median ms, one thread).");
        if (device is not null)
        {
            // Timed with the transfers: a frame lives in host memory between steps, as in the chain.
            output.WriteLine("The grid steps run on it (upload, kernels and download timed); the tip, register estimate and shift rows run on the CPU.");
        }

        output.WriteLine($"{"operation",-24}" + string.Concat(sizes.Select(s => $"{s + "² median (min)",22}")) + $"{"Gwyddion 512²",16}{"speed-up",10}");
        foreach (var (step, oracleOperation, issue) in Operations)
        {
            var op = (GridOperation)ProcessingChain.Parse([step]).Operations[0];
            Row(output, step, sizes, budgetMs, size =>
            {
                var input = Field(size, size);
                var result = new float[input.Length];
                return device is not null && device.TryRun(op, input, result, size, size, null)
                    ? () => device.TryRun(op, input, result, size, size, null)
                    : () => op.Run(input, result, size, size, default);
            }, Gwyddion(gwyddion, oracleOperation, issue, budgetMs));
        }

        var tip = new TipModel(TipGeometry.Paraboloid, TipRadius);
        var tipOperation = string.Create(CultureInfo.InvariantCulture, $"{TipRadius:R}:{TipHalf}");
        Row(output, $"tip-dilate (11×11 tip)", sizes, budgetMs, size =>
        {
            var input = Field(size, size);
            var result = new float[input.Length];
            var grid = tip.Render(1e-6 / size, 1e-6 / size, TipHalf, TipHalf);
            return () => TipMorphology.Dilate(input, result, size, size, grid);
        }, Gwyddion(gwyddion, "tip-dilate:" + tipOperation, null, budgetMs));
        Row(output, $"tip-erode (11×11 tip)", sizes, budgetMs, size =>
        {
            var input = Field(size, size);
            var result = new float[input.Length];
            var grid = tip.Render(1e-6 / size, 1e-6 / size, TipHalf, TipHalf);
            return () => TipMorphology.Erode(input, result, size, size, grid);
        }, Gwyddion(gwyddion, "tip-erode:" + tipOperation, null, budgetMs));
        Row(output, "register estimate (2 cores)", sizes, budgetMs, size =>
        {
            var reference = Field(size, size);
            var moving = new float[reference.Length];
            ImageShift.Apply(reference, moving, size, size, 3.3, -2.6);
            ReadOnlyMemory<float>[] movingImages = [moving];
            return () => ChannelRegistration.Estimate(reference, movingImages, size, size);
        }, (null, string.Empty));
        Row(output, "shift (bilinear)", sizes, budgetMs, size =>
        {
            var input = Field(size, size);
            var result = new float[input.Length];
            return () => ImageShift.Apply(input, result, size, size, 3.3, -2.6);
        }, (null, string.Empty));

        // register:midpoint's two parts on one trace/retrace pair: the displacement estimate and the per-column cubic warp.
        Row(output, "midpoint estimate", sizes, budgetMs, size =>
        {
            var trace = Field(size, size);
            var retrace = new float[trace.Length];
            FastAxisWarp.Apply(trace, retrace, size, size, MidpointShift(size, -2));
            return () => TraceRetraceDisplacement.Estimate(trace, retrace, size, size);
        }, (null, string.Empty));
        Row(output, "fast-axis warp (2 cores)", sizes, budgetMs, size =>
        {
            var (input, result, shift) = (Field(size, size), new float[size * size], MidpointShift(size, 1));
            return () => FastAxisWarp.Apply(input, result, size, size, shift);
        }, (null, string.Empty));
        Row(output, "  scalar ref. (1 thread)", sizes, budgetMs, size =>
        {
            var (input, shift) = (Field(size, size), MidpointShift(size, 1));
            return () => FastAxisWarp.ApplyScalar(input, size, size, shift);
        }, (null, string.Empty));
    }

    private static void FrameChains(int[] sizes, double budgetMs, AcceleratorGridDevice? device, TextWriter output)
    {
        // The issue's frame budget: a 4-channel frame through align + level + scars (channels run in parallel), and the
        // same with registration of its probes (Height, Adhesion on probe 1; Current, Potential shifted). Each run's
        // arrays come from a pool and go back to it afterwards, as the host's processing stage recycles them; the last
        // line makes new arrays every run (ProcessingChain.Apply without a pool) to show what that costs.
        var side = sizes.Contains(512) ? 512 : sizes[0];
        var frame = BenchFrame(side);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"4-channel {side}² frame (Height, Adhesion, Current, Potential; {Environment.ProcessorCount} cores, load average {LoadAverage()}), median (min):"));
        const string Full = "align-rows:median,level:plane,scars,register:probes";
        foreach (var (steps, pooled, target) in new[]
        {
            ("align-rows:median,level:plane,scars", true, (double?)null), ("register:probes", true, null), (Full, true, 10.0), (Full, false, null),
        })
        {
            var chain = ProcessingChain.ParseList(steps);
            var input = steps.StartsWith("register", StringComparison.Ordinal) ? ProcessingChain.ParseList("align-rows:median,level:plane,scars").Apply(frame) : frame;
            var buffers = new ChannelBufferPool();
            Action run = pooled ? () => buffers.Return(chain.Apply(input, device, buffers)) : () => chain.Apply(input, device);

            // CPU time per run beside the wall time: on a shared, loaded machine the wall time mostly says how long
            // the scheduler kept the frame's threads waiting; the CPU time is the work done (both cores summed).
            // Bytes allocated (all threads) and minor page faults per run say whether the chain writes into fresh memory:
            // a new 1 MB channel array lands on the large object heap, often on pages the OS must map on first touch.
            var runs = 0;
            var process = Process.GetCurrentProcess();
            var (cpuBefore, allocatedBefore, faultsBefore, gen2Before) = (TimeSpan.Zero, 0L, (long?)null, 0);
            var (frameMedian, frameMin) = BenchTiming.Measure(() =>
            {
                run();
                runs++;
            }, budgetMs * 2, maximumRuns: 400, warmedUp: () =>
            {
                // The figures per run are taken over the timed runs only: the warm-up allocates for the JIT and first use.
                runs = 0;
                process.Refresh();
                (cpuBefore, allocatedBefore, faultsBefore, gen2Before) =
                    (process.TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: true), BenchTiming.MinorFaults(), GC.CollectionCount(2));
            });
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / runs;
            var allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)runs;
            var faults = BenchTiming.MinorFaults() - faultsBefore is { } f ? string.Create(CultureInfo.InvariantCulture, $"{f / (double)runs:F0}") : "n/a";
            var gen2 = GC.CollectionCount(2) - gen2Before;
            var verdict = target is { } t
                ? string.Create(CultureInfo.InvariantCulture, $"   target ≤ {t:F0} ms: {(frameMedian <= t ? "met" : frameMin <= t ? "met by the minimum only" : "MISSED")}")
                : string.Empty;
            var label = pooled ? steps : "  the same, new arrays every run";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {label,-52}{frameMedian,9:F3} ms ({frameMin:F3}), CPU {cpu:F3} ms, {allocated / 1024:F0} KiB and {faults} page faults per run, {gen2} gen2 GCs in {runs} runs{verdict}"));
        }
    }

    // A hysteresis-like displacement: a parabola across the line, 0 at the ends and `centre` pixels mid-line, plus a lag of 0.3 px.
    private static double[] MidpointShift(int size, double centre) =>
        [.. Enumerable.Range(0, size).Select(x => 0.3 + (4 * centre * x * (size - 1 - x) / ((size - 1.0) * (size - 1.0))))];

    private static void Row(TextWriter output, string label, int[] sizes, double budgetMs, Func<int, Action> prepare, (double? Ms, string Mark) gwyddion)
    {
        var line = $"{label,-24}";
        double? ours512 = null;
        foreach (var size in sizes)
        {
            var (median, min) = BenchTiming.Measure(prepare(size), budgetMs);
            ours512 = size == 512 ? median : ours512;
            line += string.Create(CultureInfo.InvariantCulture, $"{median,9:F3} ms ({min:F3})");
        }

        if (gwyddion.Ms is { } g)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"{g,12:F2} ms{gwyddion.Mark,-1}");
            line += ours512 is { } o ? string.Create(CultureInfo.InvariantCulture, $"{g / o,9:F1}×") : string.Empty;
        }

        output.WriteLine(line);
    }

    private static (double? Ms, string Mark) Gwyddion(GwyddionTimer? timer, string? operation, double? issue, double budgetMs)
    {
        if (timer is not null && operation is not null)
        {
            return (timer.Measure(operation, budgetMs), " ");
        }

        return (timer is null ? issue : null, "*");
    }

    private static Frame BenchFrame(int side)
    {
        var height = Field(side, side);
        var shifted = new float[height.Length];
        ImageShift.Apply(height, shifted, side, side, -3.8, 2.6);
        var channels = new[] { ("Height", height), ("Adhesion", height), ("Current", shifted), ("Potential", shifted) }
            .Select(c => new Channel(new ChannelDescriptor(c.Item1, PhysicalUnit.Metre), side, side, (float[])c.Item2.Clone()));
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = side, PixelsY = side, LineRateHz = 1 }, channels);
    }

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string? FindOracle()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "tests", "gwyddion-oracle", "bin", "gwy-oracle");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>A scan-like field in metres: tilt, bumps, line offsets and noise (seeded).</summary>
    private static float[] Field(int width, int height)
    {
        var random = new Random(42);
        var data = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            var lineOffset = random.NextDouble() * 2e-9;
            for (var x = 0; x < width; x++)
            {
                data[(y * width) + x] = (float)(1e-6 + (1e-10 * x) - (5e-11 * y) + lineOffset
                    + (2e-8 * Math.Sin(x * 0.05) * Math.Cos(y * 0.07)) + (random.NextDouble() * 5e-10));
            }
        }

        return data;
    }
}
