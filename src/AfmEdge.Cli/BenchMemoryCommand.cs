using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AfmEdge.Inference;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge bench memory`: peak resident memory while enhancing frames of growing size, each size in a fresh child
/// process (a process's peak cannot be lowered once reached). Beside the peak it prints the frame's own buffers and
/// what enhancing added on top of them, since the tiler's promise is that the latter stays flat as frames grow.
/// </summary>
internal static class BenchMemoryCommand
{
    private const string ChildOption = "--child-pixels";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var sizes = new Option<string>("--sizes") { Description = "Comma-separated square input sizes.", DefaultValueFactory = _ => "512,4096" };
        var engine = new Option<string>("--engine") { Description = "native or ort.", DefaultValueFactory = _ => "native" };
        var model = new Option<string>("--model") { Description = "A bundled model's name.", DefaultValueFactory = _ => "fusion4" };
        var modelDirectory = new Option<DirectoryInfo?>("--model-dir") { Description = "Folder of the bundled models (default: models/ beside the program)." };
        var tile = new Option<int>("--tile") { Description = "Tile size in input pixels.", DefaultValueFactory = _ => 128 };
        var threads = new Option<int>("--threads") { Description = "Engine threads.", DefaultValueFactory = _ => 2 };
        var child = new Option<int>(ChildOption) { Description = "Internal: measure one size in this process.", Hidden = true };
        var command = new Command("memory", "Peak RSS enhancing a frame of each size (one fresh process per size), and what enhancing adds beyond the frame's buffers.")
        {
            sizes, engine, model, modelDirectory, tile, threads, child,
        };
        command.SetAction(parse =>
        {
            var settings = new Settings(
                parse.GetValue(engine)!, parse.GetValue(model)!,
                parse.GetValue(modelDirectory)?.FullName ?? Path.Combine(AppContext.BaseDirectory, "models"),
                parse.GetValue(tile), parse.GetValue(threads));
            var pixels = parse.GetValue(child);
            return pixels > 0 ? MeasureOne(pixels, settings, output, error) : Compare(parse.GetValue(sizes)!, settings, output, error);
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

        output.WriteLine($"enhancing with {settings.Model} on the {settings.Engine} engine, tile {settings.Tile}, {settings.Threads} thread(s); one process per size");
        var results = new List<Measurement>();
        foreach (var size in sizes)
        {
            var (code, text) = RunChild(size, settings);
            if (code != ExitCodes.Ok || !Measurement.TryParse(text, out var measurement))
            {
                error.WriteLine($"afmedge bench memory: the {size}² run failed (exit {code}): {text.Trim()}");
                return code == ExitCodes.Ok ? ExitCodes.RuntimeFailure : code;
            }

            results.Add(measurement);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{size,5}²: frame buffers {Mb(measurement.FrameBytes),8:F1} MB  peak RSS {Mb(measurement.PeakRss),8:F1} MB  " +
                $"enhancing added {Mb(measurement.PeakRss - measurement.RssWithFrame),6:F1} MB  ({measurement.Seconds:F1} s)"));
        }

        if (results.Count > 1)
        {
            var first = results[0];
            var last = results[^1];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{sizes[^1]}² vs {sizes[0]}²: peak RSS ×{(double)last.PeakRss / first.PeakRss:F2}; added by enhancing ×{(double)(last.PeakRss - last.RssWithFrame) / (first.PeakRss - first.RssWithFrame):F2}; " +
                $"peak RSS less the frame's own buffers ×{(double)(last.PeakRss - last.FrameBytes) / (first.PeakRss - first.FrameBytes):F2}"));
        }

        return ExitCodes.Ok;
    }

    private static (int Code, string Text) RunChild(int pixels, Settings settings) =>
        SelfProcess.Run(SelfProcess.StartInfo(
        [
            "bench", "memory", ChildOption, pixels.ToString(CultureInfo.InvariantCulture), "--engine", settings.Engine, "--model", settings.Model,
            "--model-dir", settings.ModelDirectory, "--tile", settings.Tile.ToString(CultureInfo.InvariantCulture),
            "--threads", settings.Threads.ToString(CultureInfo.InvariantCulture),
        ]));

    private static int MeasureOne(int pixels, Settings settings, TextWriter output, TextWriter error)
    {
        var catalog = ModelCatalog.Load(settings.ModelDirectory);
        var model = catalog.Find(settings.Model);
        if (model is null)
        {
            error.WriteLine($"afmedge bench memory: no model '{settings.Model}' in {settings.ModelDirectory}.");
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

    private static float[] Pattern(int pixels, float mean, float std, int channel)
    {
        var plane = new float[pixels * pixels];
        for (var y = 0; y < pixels; y++)
        {
            for (var x = 0; x < pixels; x++)
            {
                plane[(y * pixels) + x] = mean + (std * MathF.Sin((x * 0.07f) + (channel * 0.5f)) * MathF.Cos(y * 0.05f));
            }
        }

        return plane;
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
