using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Processing;

namespace AfmEdge.Cli;

/// <summary>`afmedge bench process`: milliseconds per operation at 256², 512² and 1024², single thread.</summary>
internal static class BenchCommand
{
    /// <summary>The operations timed, with the Gwyddion 2.62 figures measured on this machine class at 512² (ms).</summary>
    private static readonly (string Step, double? Gwyddion512)[] Operations =
    [
        ("level:plane", 0.35), ("level:poly:2", 4.7), ("level:poly:3", null),
        ("align-rows:median", 1.2), ("align-rows:mean", 0.33), ("align-rows:median-diff", null), ("align-rows:trimmed", null), ("align-rows:poly:2", null),
        ("scars", null), ("gauss:2", 6.4), ("median:3", null), ("median:5", 53.5),
    ];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var sizes = new Option<string>("--sizes") { Description = "Comma-separated square sizes.", DefaultValueFactory = _ => "256,512,1024" };
        var budget = new Option<double>("--budget-ms") { Description = "Time spent per operation and size.", DefaultValueFactory = _ => 300 };
        var process = new Command("process", "Time each processing operation on a synthetic scan: median (and minimum) ms per run, one thread.") { sizes, budget };
        process.SetAction(parse => Run(parse.GetValue(sizes)!, parse.GetValue(budget), output, error));
        return new Command("bench", "Benchmarks: the figures the issues name, measured in one run on this machine.")
        {
            process, BenchSimulateCommand.Create(output), BenchPipelineCommand.Create(output, error), BenchFormatsCommand.Create(output),
            BenchEnhanceCommand.Create(output, error), BenchAnalyseCommand.Create(output),
        };
    }

    private static int Run(string sizeList, double budgetMs, TextWriter output, TextWriter error)
    {
        int[] sizes;
        try
        {
            sizes = [.. sizeList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            if (sizes.Length == 0 || sizes.Any(s => s < 4 || s > 8192))
            {
                throw new FormatException("sizes must be 4 to 8192");
            }
        }
        catch (FormatException e)
        {
            error.WriteLine($"afmedge bench process: bad --sizes '{sizeList}': {e.Message}");
            return ExitCodes.BadUsageOrConfig;
        }

        output.WriteLine($"{"operation",-24}" + string.Concat(sizes.Select(s => $"{s + "² median (min)",22}")) + $"{"Gwyddion 512²",16}");
        foreach (var (step, gwyddion) in Operations)
        {
            var op = (GridOperation)ProcessingChain.Parse([step]).Operations[0];
            var line = $"{step,-24}";
            foreach (var size in sizes)
            {
                var input = Field(size, size);
                var result = new float[input.Length];
                var (median, min) = Measure(op, input, result, size, budgetMs);
                line += string.Create(CultureInfo.InvariantCulture, $"{median,9:F3} ms ({min:F3})");
            }

            line += gwyddion is { } g ? string.Create(CultureInfo.InvariantCulture, $"{g,13:F2} ms") : string.Empty;
            output.WriteLine(line);
        }

        // The issue's frame budget: a 4-channel frame through align + level + scars (channels run in parallel).
        var chain = ProcessingChain.ParseList("align-rows:median,level:plane,scars");
        var side = sizes.Contains(512) ? 512 : sizes[0];
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0),
            new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = side, PixelsY = side, LineRateHz = 1 },
            Enumerable.Range(0, 4).Select(c => new Channel(new ChannelDescriptor($"Probe{c}", PhysicalUnit.Metre), side, side, Field(side, side))));
        var (frameMedian, frameMin) = BenchTiming.Measure(() => chain.Apply(frame), budgetMs, maximumRuns: 200);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"4-channel {side}² frame, align-rows:median,level:plane,scars: {frameMedian:F3} ms ({frameMin:F3}) on {Environment.ProcessorCount} cores"));
        return ExitCodes.Ok;
    }

    private static (double Median, double Min) Measure(GridOperation op, float[] input, float[] output, int size, double budgetMs) =>
        BenchTiming.Measure(() => op.Run(input, output, size, size, default), budgetMs);

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
