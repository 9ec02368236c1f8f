using System.CommandLine;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Cli;

/// <summary>`afmedge bench simulate`: IdealScan of a 512² 4-channel frame, and training pairs per second.</summary>
internal static class BenchSimulateCommand
{
    public static Command Create(TextWriter output)
    {
        var budget = new Option<double>("--budget-ms") { Description = "Time spent per figure.", DefaultValueFactory = _ => 3000 };
        var command = new Command("simulate", "Time the virtual microscope: IdealScan 512² × 4 channels, and 128² training pairs per second.") { budget };
        command.SetAction(parse => Run(parse.GetValue(budget), output));
        return command;
    }

    private static int Run(double budgetMs, TextWriter output)
    {
        var specimen = new ChromosomeSpecimen(1, new SpecimenOptions());
        var scan = new ScanSettings { SizeX = 20e-6, SizeY = 20e-6, PixelsX = 512, PixelsY = 512, LineRateHz = 2, Overscan = 0.05 };
        var instrument = new InstrumentOptions();
        foreach (var (label, options) in new[]
        {
            ("instrument", new RenderOptions { IncludeRetrace = false }),
            ("clean", new RenderOptions { IncludeRetrace = false, Clean = true }),
            ("instrument, trace+retrace", new RenderOptions { IncludeRetrace = true }),
        })
        {
            var (median, min) = BenchTiming.Measure(() => IdealScan.Render(specimen, scan, instrument, options), budgetMs, minimumRuns: 5, maximumRuns: 50);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"IdealScan 512² × 4 channels ({label}): {median:F1} ms ({min:F1})"));
        }

        // Pairs are independent, so generation spreads over the cores; one thread is shown too.
        var generator = new DatasetGenerator(new DatasetOptions());
        generator.Generate(0);
        const int Pairs = 64;
        var (oneThread, _) = BenchTiming.Measure(() => generator.Generate(1), budgetMs / 2, minimumRuns: 5, maximumRuns: Pairs);
        var (batch, _) = BenchTiming.Measure(() => Parallel.For(0, Pairs, i => generator.Generate(100 + i)), budgetMs / 2, minimumRuns: 3, maximumRuns: 20);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training pairs (64² degraded + 128² clean, 4 channels): {1000 / oneThread:F1} pairs/s on 1 thread, {Pairs * 1000 / batch:F1} pairs/s on {Environment.ProcessorCount} cores"));
        return ExitCodes.Ok;
    }
}
