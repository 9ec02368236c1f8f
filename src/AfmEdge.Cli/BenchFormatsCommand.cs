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
        var command = new Command("formats", "Time opening a 512² 4-channel frame from .gwy and .gsf files: parsing from memory, and from disk beside a raw read of the same bytes.") { budget };
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
        string Rate(double ms) => string.Create(CultureInfo.InvariantCulture, $"{megabytes * 1000 / ms:F0} MB/s");

        // The parser alone: the bytes are already in memory, so this is what opening costs beyond reading.
        var inMemory = files.Select(File.ReadAllBytes).ToArray();
        var names = files.Select(Path.GetFileName).ToArray();
        var (parse, parseMin) = BenchTiming.Measure(
            () =>
            {
                for (var i = 0; i < inMemory.Length; i++)
                {
                    using var stream = new MemoryStream(inMemory[i], writable: false);
                    FrameImporter.OpenAll(stream, names[i]!);
                }
            },
            budgetMs / 4,
            maximumRuns: 200);
        var (warm, _) = BenchTiming.Measure(() => Array.ForEach(files, f => FrameImporter.OpenAll(f)), budgetMs / 4, maximumRuns: 200);
        output.WriteLine($"{label} ({megabytes:F1} MB): parse from memory {Rate(parse)} (best {Rate(parseMin)}); open with page cache warm {Rate(warm)}");

        if (!files.All(PageCache.Evict))
        {
            output.WriteLine($"{label}: cold-read figures not taken: this system does not let a file's pages be dropped from its cache.");
            return;
        }

        // Cold: every run starts with the files' pages dropped, so each read comes from the disk.
        var rawCold = TimeCold(files, f => File.ReadAllBytes(f), budgetMs / 4);
        var openCold = TimeCold(files, f => FrameImporter.OpenAll(f), budgetMs / 4);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label} from disk (cache dropped before each run): open {Rate(openCold)}, raw read of the same bytes {Rate(rawCold)}; opening takes {openCold / rawCold:F2}× the raw read"));
    }

    private static double TimeCold(string[] files, Action<string> read, double budgetMs)
    {
        var times = new List<double>();
        var total = System.Diagnostics.Stopwatch.StartNew();
        while (times.Count < 5 || (total.Elapsed.TotalMilliseconds < budgetMs && times.Count < 50))
        {
            Array.ForEach(files, f => PageCache.Evict(f));
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            Array.ForEach(files, read);
            times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return ProcessCommand.Median([.. times.Order()]);
    }
}
