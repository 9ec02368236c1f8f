using System.CommandLine;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Formats;
using AfmEdge.Formats.Gsf;
using AfmEdge.Formats.Gwy;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge bench formats`: opening a 512² 4-channel frame (.gwy, and .gsf one file per channel) in MB/s, beside
/// reading the same bytes raw, so the parser's cost shows against the cost of the bytes themselves: parsing from
/// memory, opening with the file cached, and opening cold from the disk beside a cold raw read (their ratio). Each
/// open is taken two ways: into new channel arrays (one open on its own), and into arrays handed back to a
/// <see cref="ChannelBufferPool"/> after each frame, as the commands that open file after file do (`correlate`); the
/// page faults per open show what new arrays cost.
/// </summary>
internal static class BenchFormatsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var budget = new Option<double>("--budget-ms") { Description = "Time spent per figure.", DefaultValueFactory = _ => 2000 };
        var lohThreshold = new Option<long>("--loh-threshold")
        {
            Description = "Take the figures again in a child process whose GC starts the large object heap at this many bytes " +
                          "(DOTNET_GCLOHThreshold), to show what the 1 MB channel arrays cost on it; 0: this process only.",
            DefaultValueFactory = _ => 2 << 20,
        };
        var command = new Command("formats", "Time opening a 512² 4-channel frame from .gwy and .gsf files: parsing from memory, and from disk beside a raw read of the same bytes.")
        {
            budget, lohThreshold,
        };
        command.SetAction(parse =>
        {
            var budgetMs = parse.GetValue(budget);
            var threshold = parse.GetValue(lohThreshold);
            if (threshold < 0)
            {
                error.WriteLine($"afmedge bench formats: --loh-threshold {threshold} is negative; give a size in bytes, or 0 for this process only.");
                return ExitCodes.BadUsageOrConfig;
            }

            var code = Run(budgetMs, output);
            return code != ExitCodes.Ok || threshold == 0 ? code : RunWithLohThreshold(budgetMs, threshold, output);
        });
        return command;
    }

    private static int RunWithLohThreshold(double budgetMs, long threshold, TextWriter output)
    {
        var start = SelfProcess.StartInfo(
            ["bench", "formats", "--budget-ms", budgetMs.ToString(CultureInfo.InvariantCulture), "--loh-threshold", "0"]);
        start.Environment["DOTNET_GCLOHThreshold"] = threshold.ToString("X", CultureInfo.InvariantCulture);
        var (code, text) = SelfProcess.Run(start);
        output.Write(text);
        return code;
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

            output.WriteLine(GcSettings());
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
        var buffers = new ChannelBufferPool();
        void ParseAll(ChannelBufferPool? pool)
        {
            for (var i = 0; i < inMemory.Length; i++)
            {
                using var stream = new MemoryStream(inMemory[i], writable: false);
                Done(FrameImporter.OpenAll(stream, names[i]!, pool), pool);
            }
        }

        void OpenFiles(ChannelBufferPool? pool) => Array.ForEach(files, f => Done(FrameImporter.OpenAll(f, pool), pool));

        var (parse, parseMin) = BenchTiming.Measure(() => ParseAll(buffers), budgetMs / 4, maximumRuns: 200);
        var (parseNew, parseNewMin) = BenchTiming.Measure(() => ParseAll(null), budgetMs / 4, maximumRuns: 200);
        var (warm, _) = BenchTiming.Measure(() => OpenFiles(buffers), budgetMs / 4, maximumRuns: 200);

        // CPU time does not grow when other processes hold the cores, so it shows what parsing costs on a quiet machine.
        const int Probes = 8;
        var (parseCpu, faults, _, _) = Probe(() => ParseAll(buffers), Probes);
        var (parseNewCpu, newFaults, allocated, gen2PerOpen) = Probe(() => ParseAll(null), Probes);

        // What one open allocates, beside what the caller keeps: the channels' own float32 arrays.
        var channelBytes = files.Sum(f => FrameImporter.OpenAll(f).Sum(frame => frame.Channels.Sum(c => (long)c.Data.Length * sizeof(float))));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label} ({megabytes:F1} MB): parse from memory {Rate(parse)} (best {Rate(parseMin)}; {Rate(parseCpu)} of CPU time; {faults:F0} page faults); " +
            $"into new channel arrays {Rate(parseNew)} (best {Rate(parseNewMin)}; {Rate(parseNewCpu)} of CPU time; {newFaults:F0} page faults); open with page cache warm {Rate(warm)}; " +
            $"parsing into new arrays allocates {allocated / 1e6:F2} MB, of which {channelBytes / 1e6:F2} MB are the channels it returns; {gen2PerOpen:F1} gen2 GCs per open"));

        if (!files.All(PageCache.Evict))
        {
            output.WriteLine($"{label}: cold-read figures not taken: this system does not let a file's pages be dropped from its cache.");
            return;
        }

        // Cold: every run starts with the files' pages dropped, so each read comes from the disk. The raw read is the
        // least any reader can do (the same bytes, one read per file into a buffer it keeps); raw and open runs
        // alternate so that a busy neighbour slows both alike.
        var buffer = new byte[files.Max(f => new FileInfo(f).Length)];
        var raw = new List<double>();
        var open = new List<double>();
        var openNew = new List<double>();
        double rawCpu = 0, openCpu = 0, openNewCpu = 0;
        var total = System.Diagnostics.Stopwatch.StartNew();
        while (raw.Count < 5 || (total.Elapsed.TotalMilliseconds < budgetMs / 2 && raw.Count < 50))
        {
            rawCpu += CpuMilliseconds(() => raw.Add(TimeCold(files, f => ReadRaw(f, buffer))));
            openCpu += CpuMilliseconds(() => open.Add(TimeCold(files, f => Done(FrameImporter.OpenAll(f, buffers), buffers))));
            openNewCpu += CpuMilliseconds(() => openNew.Add(TimeCold(files, f => FrameImporter.OpenAll(f))));
        }

        var rawCold = ProcessCommand.Median([.. raw.Order()]);
        var openCold = ProcessCommand.Median([.. open.Order()]);
        var openNewCold = ProcessCommand.Median([.. openNew.Order()]);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label} from disk (cache dropped before each run; median of {raw.Count} runs each): cold open {Rate(openCold)}, " +
            $"raw read of the same bytes {Rate(rawCold)}; cold open / raw read = {rawCold / openCold:F2} " +
            $"(into new channel arrays {Rate(openNewCold)}, {rawCold / openNewCold:F2}); CPU time per cold open {openCpu / open.Count:F1} ms " +
            $"(new arrays {openNewCpu / openNew.Count:F1} ms), per raw read {rawCpu / raw.Count:F1} ms (dropping the cache included)"));
    }

    /// <summary>A frame the benchmark is done with goes back to the pool it came from, as `correlate` hands back each file's frames.</summary>
    private static void Done(IReadOnlyList<Frame> frames, ChannelBufferPool? pool) => pool?.Return(frames);

    /// <summary>Per run of <paramref name="run"/>: CPU milliseconds, minor page faults, bytes allocated and gen2 collections.</summary>
    private static (double CpuMs, double Faults, double Allocated, double Gen2) Probe(Action run, int runs)
    {
        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var faults = MinorFaults();
        var cpu = CpuMilliseconds(() =>
        {
            for (var i = 0; i < runs; i++)
            {
                run();
            }
        });
        return (cpu / runs, (MinorFaults() - faults) / (double)runs,
            (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)runs, (GC.CollectionCount(2) - gen2) / (double)runs);
    }

    /// <summary>The process's minor page faults so far (<see cref="BenchTiming.MinorFaults"/>), NaN where there is no /proc.</summary>
    private static double MinorFaults() => BenchTiming.MinorFaults() ?? double.NaN;

    /// <summary>The process's CPU time (every thread, the GC's included) spent while <paramref name="run"/> ran.</summary>
    private static double CpuMilliseconds(Action run)
    {
        var before = Environment.CpuUsage.TotalTime;
        run();
        return (Environment.CpuUsage.TotalTime - before).TotalMilliseconds;
    }

    /// <summary>The GC settings in force: a 512² float32 channel is 1 MB, so where the large object heap starts decides what allocating one costs.</summary>
    private static string GcSettings()
    {
        var settings = GC.GetConfigurationVariables();
        var threshold = settings.TryGetValue("LOHThreshold", out var value) ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : 85_000;
        return string.Create(CultureInfo.InvariantCulture,
            $"GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, large object heap from {threshold} bytes");
    }

    private static void ReadRaw(string path, byte[] buffer)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = (int)RandomAccess.GetLength(handle);
        for (var read = 0; read < length;)
        {
            var n = RandomAccess.Read(handle, buffer.AsSpan(read, length - read), read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }
    }

    private static double TimeCold(string[] files, Action<string> read)
    {
        Array.ForEach(files, f => PageCache.Evict(f));
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        Array.ForEach(files, read);
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
