using System.CommandLine;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Formats;
using AfmEdge.Formats.Gsf;
using AfmEdge.Formats.Gwy;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge bench formats`: opening a 512² 4-channel frame (.gwy, and .gsf one file per channel) in MB/s, beside
/// reading the same bytes raw, so the parser's cost shows against the cost of the bytes themselves.
/// </summary>
internal static class BenchFormatsCommand
{
    public static Command Create(TextWriter output)
    {
        var budget = new Option<double>("--budget-ms") { Description = "Time spent per figure.", DefaultValueFactory = _ => 2000 };
        var command = new Command("formats", "Time opening a 512² 4-channel frame from .gwy and .gsf files, beside a raw read of the same bytes.") { budget };
        command.SetAction(parse => Run(parse.GetValue(budget), output));
        return command;
    }

    private static int Run(double budgetMs, TextWriter output)
    {
        const int Pixels = 512;
        var random = new Random(7);
        var scan = new ScanSettings { SizeX = 10e-6, SizeY = 10e-6, PixelsX = Pixels, PixelsY = Pixels, LineRateHz = 1 };
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan, new[] { ("Height", PhysicalUnit.Metre), ("Current", PhysicalUnit.Ampere), ("Potential", PhysicalUnit.Volt), ("Adhesion", PhysicalUnit.Newton) }
            .Select(c => new Channel(new ChannelDescriptor(c.Item1, c.Item2), Pixels, Pixels,
                Enumerable.Range(0, Pixels * Pixels).Select(_ => (float)random.NextDouble()).ToArray())));
        var folder = Directory.CreateTempSubdirectory("afmedge-bench-").FullName;
        try
        {
            var gwy = Path.Combine(folder, "frame.gwy");
            GwyWriter.Write(gwy, frame);
            var gsf = frame.Channels.Select(c => Path.Combine(folder, c.Name + ".gsf")).ToArray();
            for (var i = 0; i < gsf.Length; i++)
            {
                GsfWriter.Write(gsf[i], frame.Channels[i], scan.SizeX, scan.SizeY, frame.Channels[i].Name);
            }

            Report(output, ".gwy", [gwy], budgetMs);
            Report(output, ".gsf ×4", gsf, budgetMs);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        return ExitCodes.Ok;
    }

    private static void Report(TextWriter output, string label, string[] files, double budgetMs)
    {
        var megabytes = files.Sum(f => new FileInfo(f).Length) / 1e6;
        var (parse, _) = BenchTiming.Measure(() => Array.ForEach(files, f => FrameImporter.OpenAll(f)), budgetMs / 2, maximumRuns: 200);
        var (raw, _) = BenchTiming.Measure(() => Array.ForEach(files, f => File.ReadAllBytes(f)), budgetMs / 2, maximumRuns: 200);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"open {label} ({megabytes:F1} MB, page cache warm): {megabytes * 1000 / parse:F0} MB/s; raw read of the same files {megabytes * 1000 / raw:F0} MB/s"));
    }
}
