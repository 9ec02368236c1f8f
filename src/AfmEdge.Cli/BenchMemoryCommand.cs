using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Formats.Gsf;
using AfmEdge.Inference;
using AfmEdge.Inference.Network;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge bench memory`: peak resident memory while enhancing frames of growing size, each size in a fresh child
/// process (a process's peak cannot be lowered once reached). Beside the peak it prints the frame's own buffers and
/// what enhancing added on top of them, since the tiler's promise is that the latter stays flat as frames grow.
/// </summary>
internal static class BenchMemoryCommand
{
    private const string ChildOption = "--child-pixels";
    private const string ChildStreamedOption = "--child-streamed";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var sizes = new Option<string>("--sizes") { Description = "Comma-separated square input sizes.", DefaultValueFactory = _ => "512,4096" };
        var engine = new Option<string>("--engine") { Description = "native or ort.", DefaultValueFactory = _ => "native" };
        var model = new Option<string>("--model") { Description = "A bundled model's name.", DefaultValueFactory = _ => "fusion4" };
        var modelDirectory = new Option<DirectoryInfo?>("--model-dir") { Description = "Folder of the bundled models (default: models/ beside the program)." };
        var tile = new Option<int>("--tile") { Description = "Tile size in input pixels.", DefaultValueFactory = _ => 128 };
        var threads = new Option<int>("--threads") { Description = "Engine threads.", DefaultValueFactory = _ => 2 };
        var child = new Option<int>(ChildOption) { Description = "Internal: measure one size in this process.", Hidden = true };
        var childStreamed = new Option<bool>(ChildStreamedOption) { Description = "Internal: measure the streamed path (afmedge enhance on a folder of .gsf files).", Hidden = true };
        var command = new Command("memory", "Peak RSS enhancing a frame of each size (one fresh process per size and path): held in memory, and streamed as `afmedge enhance` does for .gsf files.")
        {
            sizes, engine, model, modelDirectory, tile, threads, child, childStreamed,
        };
        command.SetAction(parse =>
        {
            var settings = new Settings(
                parse.GetValue(engine)!, parse.GetValue(model)!,
                parse.GetValue(modelDirectory)?.FullName ?? Path.Combine(AppContext.BaseDirectory, "models"),
                parse.GetValue(tile), parse.GetValue(threads));
            var pixels = parse.GetValue(child);
            return pixels <= 0 ? Compare(parse.GetValue(sizes)!, settings, output, error)
                : parse.GetValue(childStreamed) ? MeasureStreamed(pixels, settings, output, error)
                : MeasureOne(pixels, settings, output, error);
        });
        return command;
    }

    private static int Compare(string sizeList, Settings settings, TextWriter output, TextWriter error)
    {
        if (BenchSizes.Parse(sizeList, out var problem) is not { } sizes)
        {
            error.WriteLine($"afmedge bench memory: bad --sizes '{sizeList}': {problem}.");
            return ExitCodes.BadUsageOrConfig;
        }

        if (!OperatingSystem.IsLinux())
        {
            error.WriteLine("afmedge bench memory: peak RSS is read from /proc, which only Linux has.");
            return ExitCodes.BadUsageOrConfig;
        }

        output.WriteLine($"enhancing with {settings.Model} on the {settings.Engine} engine, tile {settings.Tile}, {settings.Threads} thread(s); one process per size and path");
        var held = new List<Measurement>();
        var streamed = new List<Measurement>();
        foreach (var size in sizes)
        {
            foreach (var stream in new[] { false, true })
            {
                var (code, text) = RunChild(size, stream, settings);
                if (code != ExitCodes.Ok || !Measurement.TryParse(text, out var measurement))
                {
                    error.WriteLine($"afmedge bench memory: the {size}² {(stream ? "streamed" : "held")} run failed (exit {code}): {text.Trim()}");
                    return code == ExitCodes.Ok ? ExitCodes.RuntimeFailure : code;
                }

                (stream ? streamed : held).Add(measurement);
            }

            var h = held[^1];
            var s = streamed[^1];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{size,5}²: held in memory: frame buffers {Mb(h.FrameBytes),8:F1} MB  peak RSS {Mb(h.PeakRss),8:F1} MB  " +
                $"enhancing added {Mb(h.PeakRss - h.RssWithFrame),6:F1} MB  ({h.Seconds:F1} s) | streamed (afmedge enhance, .gsf in and out): peak RSS {Mb(s.PeakRss),6:F1} MB  ({s.Seconds:F1} s)"));
        }

        if (held.Count > 1)
        {
            var (first, last) = (held[0], held[^1]);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"held, {sizes[^1]}² vs {sizes[0]}²: peak RSS ×{(double)last.PeakRss / first.PeakRss:F2}; added by enhancing ×{(double)(last.PeakRss - last.RssWithFrame) / (first.PeakRss - first.RssWithFrame):F2}; " +
                $"peak RSS less the frame's own buffers ×{(double)(last.PeakRss - last.FrameBytes) / (first.PeakRss - first.FrameBytes):F2}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"streamed, {sizes[^1]}² vs {sizes[0]}²: peak RSS ×{(double)streamed[^1].PeakRss / streamed[0].PeakRss:F2}"));
        }

        return ExitCodes.Ok;
    }

    private static (int Code, string Text) RunChild(int pixels, bool streamed, Settings settings)
    {
        string[] arguments =
        [
            "bench", "memory", ChildOption, pixels.ToString(CultureInfo.InvariantCulture), "--engine", settings.Engine, "--model", settings.Model,
            "--model-dir", settings.ModelDirectory, "--tile", settings.Tile.ToString(CultureInfo.InvariantCulture),
            "--threads", settings.Threads.ToString(CultureInfo.InvariantCulture),
        ];
        return SelfProcess.Run(SelfProcess.StartInfo(streamed ? [.. arguments, ChildStreamedOption] : arguments));
    }

    private static int MeasureOne(int pixels, Settings settings, TextWriter output, TextWriter error)
    {
        if (Load(settings, error) is not { } model)
        {
            return ExitCodes.BadUsageOrConfig;
        }

        var network = model.Network;
        using var engine = EngineFactory.CreateEngine(settings.Engine, model, TiledEnhancer.MaxTileSide(network, settings.Tile), settings.Threads);
        var tiler = new TiledEnhancer(engine, settings.Tile);

        // A smooth pattern near each channel's training statistics, written in full so every page is resident.
        var inputs = network.InputChannels.Select((_, c) => Pattern(pixels, network.Mean[c], network.Std[c], c)).ToArray();
        var outputs = network.OutputChannels.Select(_ => new float[4 * pixels * pixels]).ToArray();
        foreach (var plane in outputs)
        {
            Array.Fill(plane, 1f);
        }

        var frameBytes = (inputs.Sum(p => p.LongLength) + outputs.Sum(p => p.LongLength)) * sizeof(float);
        GC.Collect();
        ResetPeak();
        var withFrame = ProcStatus("VmRSS");
        var clock = Stopwatch.StartNew();
        tiler.Enhance(inputs, pixels, pixels, outputs);
        var seconds = clock.Elapsed.TotalSeconds;
        var peak = ProcStatus("VmHWM");
        if (outputs.Any(plane => !float.IsFinite(plane[plane.Length / 2])))
        {
            error.WriteLine("afmedge bench memory: the enhanced frame is not finite.");
            return ExitCodes.RuntimeFailure;
        }

        output.WriteLine(new Measurement(frameBytes, withFrame, peak, seconds).Format());
        return ExitCodes.Ok;
    }

    // The streamed path is `afmedge enhance` itself on a channel folder: pattern .gsf files of the size are written row
    // by row (the frame is never held, here either), the peak is reset, and the command's own streamed code reads them
    // and writes the ×2 files; the temporary folder goes afterwards.
    private static int MeasureStreamed(int pixels, Settings settings, TextWriter output, TextWriter error)
    {
        if (Load(settings, error) is not { } model)
        {
            return ExitCodes.BadUsageOrConfig;
        }

        var network = model.Network;
        var folder = Directory.CreateTempSubdirectory("afmedge-bench-memory-");
        try
        {
            var input = Directory.CreateDirectory(Path.Combine(folder.FullName, "in")).FullName;
            var outDir = Path.Combine(folder.FullName, "out");
            WritePatternFolder(input, network, pixels);
            var request = new EnhanceCommand.Request(input, outDir, settings.Engine, settings.Tile, settings.Model, settings.ModelDirectory, Height: null, settings.Threads);
            GC.Collect();
            ResetPeak();
            var before = ProcStatus("VmRSS");
            var clock = Stopwatch.StartNew();
            var code = StreamedEnhance.RunAsync(request, TextWriter.Null, error).GetAwaiter().GetResult();
            var seconds = clock.Elapsed.TotalSeconds;
            var peak = ProcStatus("VmHWM");
            if (code != ExitCodes.Ok)
            {
                return code;
            }

            foreach (var name in network.OutputChannels)
            {
                using var written = GsfRowReader.Open(Path.Combine(outDir, name + ".gsf"));
                var row = new float[written.Width];
                written.ReadRow(row);
                if (written.Width != 2 * pixels || written.Height != 2 * pixels || !float.IsFinite(row[pixels]))
                {
                    error.WriteLine($"afmedge bench memory: the streamed {name}.gsf is not {2 * pixels}² or not finite.");
                    return ExitCodes.RuntimeFailure;
                }
            }

            output.WriteLine(new Measurement(0, before, peak, seconds).Format());
            return ExitCodes.Ok;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // One <Channel>.gsf per network input, written a row at a time.
    private static void WritePatternFolder(string directory, EnhancerNetwork network, int pixels)
    {
        var row = new float[pixels];
        for (var c = 0; c < network.InputChannels.Count; c++)
        {
            var name = network.InputChannels[c];
            using var file = new FileStream(Path.Combine(directory, name + ".gsf"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
            var unit = name == "Height" ? PhysicalUnit.Metre : PhysicalUnit.Dimensionless;
            GsfWriter.WriteHeader(file, pixels, pixels, unit, 1e-5, 1e-5, name);
            for (var y = 0; y < pixels; y++)
            {
                PatternRow(row, y, network.Mean[c], network.Std[c], c);
                GsfWriter.WriteSamples(file, row);
            }
        }
    }

    private static ModelEntry? Load(Settings settings, TextWriter error)
    {
        var model = ModelCatalog.Load(settings.ModelDirectory).Find(settings.Model);
        if (model is null)
        {
            error.WriteLine($"afmedge bench memory: no model '{settings.Model}' in {settings.ModelDirectory}.");
        }

        return model;
    }

    private static float[] Pattern(int pixels, float mean, float std, int channel)
    {
        var plane = new float[pixels * pixels];
        var row = new float[pixels];
        for (var y = 0; y < pixels; y++)
        {
            PatternRow(row, y, mean, std, channel);
            row.CopyTo(plane, y * pixels);
        }

        return plane;
    }

    private static void PatternRow(float[] row, int y, float mean, float std, int channel)
    {
        for (var x = 0; x < row.Length; x++)
        {
            row[x] = mean + (std * MathF.Sin((x * 0.07f) + (channel * 0.5f)) * MathF.Cos(y * 0.05f));
        }
    }

    // Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS, so startup's own peak does not count.
    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long ProcStatus(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var kilobytes = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/self/status has no {field}.");
    }

    private static double Mb(long bytes) => bytes / 1e6;

    private sealed record Settings(string Engine, string Model, string ModelDirectory, int Tile, int Threads);

    private sealed record Measurement(long FrameBytes, long RssWithFrame, long PeakRss, double Seconds)
    {
        public string Format() => string.Create(CultureInfo.InvariantCulture, $"frame {FrameBytes} rss {RssWithFrame} peak {PeakRss} seconds {Seconds:R}");

        public static bool TryParse(string text, out Measurement measurement)
        {
            var words = text.Trim().Split(' ');
            measurement = null!;
            if (words.Length != 8 || words[0] != "frame" || words[2] != "rss" || words[4] != "peak" || words[6] != "seconds")
            {
                return false;
            }

            measurement = new Measurement(
                long.Parse(words[1], CultureInfo.InvariantCulture), long.Parse(words[3], CultureInfo.InvariantCulture),
                long.Parse(words[5], CultureInfo.InvariantCulture), double.Parse(words[7], CultureInfo.InvariantCulture));
            return true;
        }
    }
}
