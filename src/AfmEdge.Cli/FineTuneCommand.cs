using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Formats;
using AfmEdge.Host.FineTuning;
using AfmEdge.Inference.Onnx;
using AfmEdge.Inference.Training;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge finetune --model FILE.onnx (--seeds A-B | --frames DIR) [--out FILE.onnx]`: one on-device fine-tuning round
/// (Noise2Noise from trace/retrace, as the host's FineTuning service runs it) on virtual-microscope frames or on frame
/// folders, reporting the held-back loss before and after; the model is written to --out only if the check passes.
/// </summary>
internal static class FineTuneCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<FileInfo>("--model", "-m") { Description = "The ONNX model to fine-tune (it is not changed).", Required = true };
        var seeds = new Option<string?>("--seeds") { Description = "Virtual-microscope specimens A-B, scanned trace + retrace in instrument mode." };
        var frames = new Option<DirectoryInfo?>("--frames") { Description = "A folder of frame folders (or one), each with <Channel>.gsf and <Channel>-retrace.gsf." };
        var pixels = new Option<int>("--pixels") { Description = "Simulated frame side in pixels.", DefaultValueFactory = _ => 128 };
        var field = new Option<double>("--field-um") { Description = "Simulated field side in µm.", DefaultValueFactory = _ => 10 };
        var holdBack = new Option<int>("--hold-back-every") { Description = "Every n-th usable frame is held back (the first included).", DefaultValueFactory = _ => 4 };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 4 };
        var patch = new Option<int>("--patch") { Description = "Low-resolution patch side.", DefaultValueFactory = _ => 32 };
        var rate = new Option<double>("--learning-rate") { DefaultValueFactory = _ => 1e-4 };
        var margin = new Option<double>("--min-improvement") { Description = "Fraction the held-back loss must fall by.", DefaultValueFactory = _ => 0.01 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Threads per step (-1: all cores).", DefaultValueFactory = _ => 1 };
        var outFile = new Option<FileInfo?>("--out", "-o") { Description = "Where to write the fine-tuned model when the held-back check passes." };
        var command = new Command("finetune", "One Noise2Noise fine-tuning round from trace/retrace frames; reports the held-back loss before and after.")
        {
            model, seeds, frames, pixels, field, holdBack, steps, batch, patch, rate, margin, seed, threads, outFile,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new FineTuneOptions
            {
                Steps = parse.GetValue(steps),
                Batch = parse.GetValue(batch),
                Patch = parse.GetValue(patch),
                LearningRate = parse.GetValue(rate),
                WarmupSteps = Math.Min(10, Math.Max(0, parse.GetValue(steps) - 1)),
                MinImprovement = parse.GetValue(margin),
                Seed = parse.GetValue(seed),
                MaxParallelism = parse.GetValue(threads),
            };
            var request = new Request(
                parse.GetValue(model)!.FullName, parse.GetValue(seeds), parse.GetValue(frames)?.FullName, parse.GetValue(pixels), parse.GetValue(field),
                parse.GetValue(holdBack), options, parse.GetValue(outFile)?.FullName);
            return RunAsync(request, output, error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(Request request, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var problems = request.Options.Validate().ToList();
        var range = default(SeedRange);
        if ((request.Seeds is null) == (request.Frames is null))
        {
            problems.Add("give either --seeds A-B or --frames DIR.");
        }
        else if (request.Seeds is not null && !SeedRange.TryParse(request.Seeds, "--seeds", out range, out var seedError))
        {
            problems.Add(seedError);
        }

        if (request.Pixels is < 32 or > 2048)
        {
            problems.Add($"--pixels = {request.Pixels}: must be between 32 and 2048.");
        }

        if (!(request.FieldMicrometres > 0 && request.FieldMicrometres <= 100))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"--field-um = {request.FieldMicrometres}: must be above 0 and at most 100."));
        }

        if (request.HoldBackEvery is < 2 or > 100)
        {
            problems.Add($"--hold-back-every = {request.HoldBackEvery}: must be between 2 and 100.");
        }

        if (request.Out is { } o && !o.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"--out = {o}: must name an .onnx file.");
        }

        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                await error.WriteLineAsync("afmedge: " + p);
            }

            return ExitCodes.BadUsageOrConfig;
        }

        Inference.Network.EnhancerNetwork network;
        try
        {
            network = OnnxModelReader.Read(request.Model);
        }
        catch (OnnxModelException e)
        {
            await error.WriteLineAsync("afmedge: " + e.Message);
            return ExitCodes.BadUsageOrConfig;
        }

        var clock = Stopwatch.StartNew();
        var source = request.Seeds is not null ? Simulate(range, request.Pixels, request.FieldMicrometres) : await OpenFoldersAsync(request.Frames!, error);
        if (source is null)
        {
            return ExitCodes.BadUsageOrConfig;
        }

        var training = new List<TrainingExample>();
        var heldBack = new List<TrainingExample>();
        var noiseFreeHeldBack = new List<TrainingExample>();
        foreach (var (name, frame, noiseFree) in source)
        {
            var outcome = NoiseToNoisePairs.Create(frame, training.Count + heldBack.Count, request.Options.Patch);
            var missing = outcome.Pair is { } p ? network.InputChannels.Where(c => !p.LowRes.ContainsKey(c)).Concat(network.OutputChannels.Where(c => !p.HighRes.ContainsKey(c))).ToArray() : [];
            if (outcome.Pair is not { } pair || missing.Length > 0)
            {
                await output.WriteLineAsync($"{name}: skipped: {(missing.Length > 0 ? $"model '{network.Name}' needs {string.Join(", ", missing)}, which the pair lacks" : outcome.Reason)}");
                continue;
            }

            var held = (training.Count + heldBack.Count) % request.HoldBackEvery == 0;
            (held ? heldBack : training).Add(pair);
            if (held && noiseFree is not null
                && NoiseToNoisePairs.Create(noiseFree, pair.Seed, request.Options.Patch, shift: outcome.Shift).Pair is { } twin
                && twin.Width == pair.Width && twin.Height == pair.Height)
            {
                // The noisy input against the targets the noisy retrace averages to: the error Noise2Noise actually reduces.
                noiseFreeHeldBack.Add(pair with { HighRes = twin.HighRes });
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {(held ? "held back" : "training")} pair {pair.Width}×{pair.Height} → {2 * pair.Width}×{2 * pair.Height}, retrace {outcome.Shift}"));
        }

        if (training.Count == 0 || heldBack.Count == 0)
        {
            await error.WriteLineAsync($"afmedge: {training.Count} training and {heldBack.Count} held-back pairs; a round needs at least one of each.");
            return ExitCodes.BadUsageOrConfig;
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"pairs in {clock.Elapsed.TotalSeconds:F1} s; fine-tuning '{network.Name}' for {request.Options.Steps} steps (batch {request.Options.Batch}×{request.Options.Patch}², MSE, lr {request.Options.LearningRate:G3}, {(request.Options.MaxParallelism < 0 ? "all cores" : request.Options.MaxParallelism + " thread(s)")})"));
        FineTuneResult result;
        var trainClock = Stopwatch.StartNew();
        try
        {
            result = NoiseToNoiseFineTuner.Run(network, training, heldBack, request.Options, cancellationToken: cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("afmedge: fine-tuning cancelled; no model written.");
            return ExitCodes.RuntimeFailure;
        }

        var verdict = result.Accepted ? "accepted" : "refused, model unchanged";
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"held-back loss (MSE vs registered retrace, normalised units, {heldBack.Count} frames): {result.HeldBackLossBefore:G5} → {result.HeldBackLossAfter:G5} ({100 * result.RelativeImprovement:F2} % lower; needs {100 * request.Options.MinImprovement:F1} %) after {result.Steps} steps on {training.Count} pairs in {trainClock.Elapsed.TotalSeconds:F1} s: {verdict}"));
        if (noiseFreeHeldBack.Count > 0 && result.Network is { } candidate)
        {
            var before = NoiseToNoiseFineTuner.HeldBackLoss(network, noiseFreeHeldBack);
            var after = NoiseToNoiseFineTuner.HeldBackLoss(candidate, noiseFreeHeldBack);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"held-back loss vs the noise-free retrace (the simulator's twin scan, {noiseFreeHeldBack.Count} frames): {before:G5} → {after:G5} ({100 * (before - after) / before:F2} % lower)"));
        }

        if (result.Network is { } tuned && request.Out is { } outPath)
        {
            try
            {
                OnnxModelWriter.Write(tuned, outPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"afmedge: cannot write {outPath}: {e.Message}");
                return ExitCodes.RuntimeFailure;
            }

            await output.WriteLineAsync($"wrote {outPath}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// Each seed's specimen scanned in instrument mode (tip, feedback, drift, noise), trace and retrace, with its
    /// noise-free twin: the same scan with the noise and scars off, whose registered retrace is what the noisy target
    /// averages to.
    /// </summary>
    private static IEnumerable<(string Name, Frame Frame, Frame? NoiseFree)> Simulate(SeedRange seeds, int pixels, double fieldMicrometres)
    {
        var options = SimulatorPairs.Options(pixels, fieldMicrometres);
        var scan = new ScanSettings
        {
            SizeX = options.Specimen.FieldSizeX,
            SizeY = options.Specimen.FieldSizeY,
            PixelsX = pixels,
            PixelsY = pixels,
            LineRateHz = options.LineRateHz,
            Overscan = 0.05,
        };
        var silent = new ChannelNoise();
        var quiet = options.Instrument with
        {
            Noise = new NoiseOptions { Height = silent, Current = silent, Potential = silent, Adhesion = silent },
            Scars = options.Instrument.Scars with { Probability = 0 },
        };
        foreach (var seed in seeds.Seeds())
        {
            var specimen = new ChromosomeSpecimen(seed, options.Specimen);
            var render = new RenderOptions { IncludeRetrace = true, NoiseSeed = seed, FrameSequence = seed };
            var frame = IdealScan.Render(specimen, scan, options.Instrument, render);
            var noiseFree = IdealScan.Render(specimen, scan, quiet, render);
            yield return ("seed " + seed.ToString(CultureInfo.InvariantCulture), frame, noiseFree);
        }
    }

    private static async Task<IReadOnlyList<(string Name, Frame Frame, Frame? NoiseFree)>?> OpenFoldersAsync(string directory, TextWriter error)
    {
        if (!Directory.Exists(directory))
        {
            await error.WriteLineAsync($"afmedge: --frames {directory} does not exist.");
            return null;
        }

        var folders = ChannelFolder.IsChannelFolder(directory)
            ? [directory]
            : Directory.EnumerateDirectories(directory).Where(ChannelFolder.IsChannelFolder).Order(StringComparer.Ordinal).ToArray();
        if (folders.Length == 0)
        {
            await error.WriteLineAsync($"afmedge: --frames {directory} holds no frame folder (<Channel>.gsf files).");
            return null;
        }

        var frames = new List<(string, Frame, Frame?)>();
        foreach (var folder in folders)
        {
            try
            {
                frames.Add((Path.GetFileName(folder), ChannelFolder.Open(folder), null));
            }
            catch (Exception e) when (e is AfmFormatException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"afmedge: {folder}: {e.Message}");
                return null;
            }
        }

        return frames;
    }

    private sealed record Request(
        string Model, string? Seeds, string? Frames, int Pixels, double FieldMicrometres, int HoldBackEvery, FineTuneOptions Options, string? Out);
}
