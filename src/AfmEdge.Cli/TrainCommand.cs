using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AfmEdge.Inference.Evaluation;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;
using AfmEdge.Inference.Training;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge train --config FILE --out models/NAME.onnx`: renders the simulator pairs of the config's training
/// seeds, trains the enhancer on the CPU with a progress line (loss, validation PSNR, ETA) and writes the ONNX
/// model with its training facts in the metadata.
/// </summary>
internal static class TrainCommand
{
    /// <summary>The model metadata entry naming the corrections its training scans got ("": none), which `afmedge eval` repeats.</summary>
    internal const string AcquisitionMetadataKey = TrainingAcquisition.MetadataKey;

    /// <summary>The corrections <paramref name="network"/>'s training scans got, as its metadata names them ("": none, raw scans).</summary>
    internal static string CorrectionsOf(EnhancerNetwork network) => TrainingAcquisition.Of(network) ?? string.Empty;

    /// <summary>The model metadata entry naming what scanned its training inputs (<see cref="TrainingScanner"/>; absent: the renderer).</summary>
    internal const string ScannerMetadataKey = "scanner";

    /// <summary>The model metadata entry giving its training scans' line rate, lines/s (absent: 2, every model before it was recorded).</summary>
    internal const string LineRateMetadataKey = "lineRateHz";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var config = new Option<FileInfo>("--config", "-c") { Description = "Training config (JSON): network, optimiser, simulator data and seeds.", Required = true };
        var outFile = new Option<FileInfo>("--out", "-o") { Description = "ONNX model to write, e.g. models/fusion4.onnx.", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Override the config's step count (quick trials)." };
        var command = new Command("train", "Train the ×2 enhancer on virtual-microscope pairs and write it as ONNX.") { config, outFile, steps };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(config)!.FullName, parse.GetValue(outFile)!.FullName, parse.GetValue(steps), output, error, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, string outPath, int? stepsOverride, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var (config, errors) = TrainConfig.Load(configPath);
        if (config is not null && stepsOverride is { } s)
        {
            config = config with { Trainer = config.Trainer with { Steps = s, WarmupSteps = Math.Min(config.Trainer.WarmupSteps, Math.Max(0, s - 1)) } };
            errors = [.. errors, .. s < 1 ? [$"--steps = {s}: must be at least 1."] : Array.Empty<string>()];
        }

        if (!outPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            errors = [.. errors, $"--out = {outPath}: must name an .onnx file."];
        }

        if (config is null || errors.Count > 0)
        {
            await error.WriteLineAsync($"afmedge: invalid training config {configPath}:");
            foreach (var e in errors)
            {
                await error.WriteLineAsync("  " + e);
            }

            return ExitCodes.BadUsageOrConfig;
        }

        var dataset = config.Dataset!;
        var options = config.Trainer;
        var acquisition = config.Acquisition;
        var pairs = new SimulatorPairs(SimulatorPairs.Options(dataset.Pixels, dataset.FieldSizeUm, dataset.LineRateHz), dataset.Pairs, dataset.Varied, acquisition, dataset.Scanner);
        var clock = Stopwatch.StartNew();
        IReadOnlyList<TrainingExample> training, validation;
        try
        {
            training = pairs.GetAll(config.TrainSeeds);
            validation = pairs.GetAll(config.ValidationSeeds);
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(i => i is ClosedLoopScanFailedException) is { } failed)
        {
            await error.WriteLineAsync($"afmedge: training data: {failed.Message}; no model written (a lower dataset.lineRateHz may scan it).");
            return ExitCodes.RuntimeFailure;
        }

        var scanner = dataset.Scanner == TrainingScanner.ClosedLoop ? "closed loop" : "renderer";
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"data: {training.Count} training + {validation.Count} validation specimens ({dataset.Pixels / 2}² → {dataset.Pixels}², pairs {dataset.Pairs}, " +
            $"{(dataset.Varied ? "varied specimens" : dataset.FieldSizeUm + " µm")}, scanned by the {scanner} at {dataset.LineRateHz} lines/s" +
            $"{(acquisition is null ? string.Empty : ", scans corrected by " + acquisition.Steps)}) in {clock.Elapsed.TotalSeconds:F1} s"));

        var trainer = new EnhancerTrainer(options, training);
        var network = trainer.Network;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"network {options.Name}: [{string.Join(", ", options.Channels)}] → [{string.Join(", ", options.Outputs)}], {options.Layers} conv3×3 × {options.Features}, " +
            $"{network.ParameterCount} parameters, {network.MacsPerOutputPixel:F0} MAC per output pixel, receptive radius {network.ReceptiveRadius} px; " +
            $"{options.Steps} steps of {options.Batch}×{options.Patch}², {options.Loss}, seed {options.Seed}"));

        var bicubicPsnr = Validate(null, validation);
        var progress = new TrainingProgress(output, options.Steps);
        var trainClock = Stopwatch.StartNew();
        double? validationPsnr = null;
        var recentLoss = 0.0;
        var recentCount = 0;
        for (var step = 0; step < options.Steps; step++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync("afmedge: training cancelled; no model written.");
                return ExitCodes.RuntimeFailure;
            }

            var loss = trainer.Step();
            if (!double.IsFinite(loss))
            {
                await error.WriteLineAsync($"afmedge: the loss diverged at step {step + 1} ({loss}); lower learningRate.");
                return ExitCodes.RuntimeFailure;
            }

            recentLoss += loss;
            recentCount++;
            var last = step == options.Steps - 1;
            if ((step + 1) % config.ValidateEvery == 0 || last)
            {
                validationPsnr = Validate(network, validation);
            }

            if (progress.Due || last || (step + 1) % config.ValidateEvery == 0)
            {
                await progress.ShowAsync(step + 1, recentLoss / recentCount, validationPsnr, bicubicPsnr, trainClock.Elapsed);
                recentLoss = 0;
                recentCount = 0;
            }
        }

        await progress.EndAsync();
        var wall = clock.Elapsed;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["trainer"] = "afmedge train " + AfmEdgeCli.Version,
            ["trainSeeds"] = config.TrainSeeds.ToString(),
            ["validationSeeds"] = config.ValidationSeeds.ToString(),
            ["datasetPixels"] = dataset.Pixels.ToString(CultureInfo.InvariantCulture),
            ["fieldSizeUm"] = dataset.FieldSizeUm.ToString(CultureInfo.InvariantCulture),
            ["pairs"] = dataset.Pairs.ToString(),
            ["variedSpecimens"] = dataset.Varied ? "true" : "false",
            [AcquisitionMetadataKey] = acquisition?.Steps ?? string.Empty,
            [ScannerMetadataKey] = dataset.Scanner.ToString(),
            [LineRateMetadataKey] = dataset.LineRateHz.ToString("R", CultureInfo.InvariantCulture),
            [FrameNormalisation.MetadataKey] = options.Normalisation == InputNormalisation.Frame ? FrameNormalisation.PerFrame : "stored",
            ["steps"] = options.Steps.ToString(CultureInfo.InvariantCulture),
            ["batch"] = options.Batch.ToString(CultureInfo.InvariantCulture),
            ["patch"] = options.Patch.ToString(CultureInfo.InvariantCulture),
            ["loss"] = options.Loss.ToString(),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["learningRate"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["augment"] = options.Augment.ToString(),
            ["intensityScale"] = string.Create(CultureInfo.InvariantCulture, $"{options.IntensityScaleMin}-{options.IntensityScaleMax}"),
            ["wallTimeSeconds"] = wall.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture),
            ["validationPsnrDb"] = (validationPsnr ?? double.NaN).ToString("F2", CultureInfo.InvariantCulture),
            ["validationBicubicPsnrDb"] = bicubicPsnr.ToString("F2", CultureInfo.InvariantCulture),
        };
        if (options.DecoyProbability > 0)
        {
            metadata["fieldDecoys"] = string.Create(CultureInfo.InvariantCulture,
                $"p {options.DecoyProbability} on [{string.Join(", ", options.DecoyChannels)}], ±{options.DecoyAmplitude} σ, width σ {options.DecoyWidthMin}-{options.DecoyWidthMax} px, ≤ {options.DecoyBlobs} blobs");
        }

        if (options.OutputWeights.Count > 0)
        {
            metadata["outputWeights"] = string.Join(",", options.OutputWeights.Select(w => w.ToString("R", CultureInfo.InvariantCulture)));
        }

        var trained = new EnhancerNetwork(network.Name, network.InputChannels, network.OutputChannels, network.Mean, network.Std, network.Layers, metadata);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
            OnnxModelWriter.Write(trained, outPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"afmedge: cannot write {outPath}: {e.Message}");
            return ExitCodes.RuntimeFailure;
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"wrote {outPath}: {options.Steps} steps in {wall.TotalMinutes:F1} min, validation PSNR {validationPsnr:F2} dB (bicubic {bicubicPsnr:F2} dB) on seeds {config.ValidationSeeds}"));
        return ExitCodes.Ok;
    }

    /// <summary>Mean Height PSNR over the validation pairs: the network's output, or bicubic when <paramref name="network"/> is null.</summary>
    internal static double Validate(EnhancerNetwork? network, IReadOnlyList<TrainingExample> examples)
    {
        var sum = 0.0;
        foreach (var e in examples)
        {
            sum += ImageQuality.Psnr(e.HighRes["Height"], Enhance(network, e)[0]);
        }

        return sum / examples.Count;
    }

    /// <summary>The ×2 output planes of one pair's degraded scan (bicubic Height when <paramref name="network"/> is null).</summary>
    internal static float[][] Enhance(EnhancerNetwork? network, TrainingExample example)
    {
        if (network is null)
        {
            var bicubic = new float[4 * example.Width * example.Height];
            Inference.BicubicUpsampler.Upsample(example.LowRes["Height"], example.Width, example.Height, bicubic);
            return [bicubic];
        }

        return TrainerForward.Run(network, [.. network.InputChannels.Select(c => example.LowRes[c])], example.Width, example.Height);
    }

    /// <summary>Step, loss, PSNR and ETA: rewritten in place on a terminal, one line every 10 s otherwise.</summary>
    private sealed class TrainingProgress(TextWriter output, int steps)
    {
        private readonly bool _inPlace = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        private readonly Stopwatch _sinceShown = Stopwatch.StartNew();

        public bool Due => _sinceShown.Elapsed >= TimeSpan.FromSeconds(_inPlace ? 0.5 : 10);

        public async Task ShowAsync(int step, double loss, double? psnr, double bicubic, TimeSpan elapsed)
        {
            _sinceShown.Restart();
            var eta = TimeSpan.FromSeconds(elapsed.TotalSeconds / step * (steps - step));
            const int Bar = 24;
            var filled = (int)((long)Bar * step / steps);
            var line = string.Create(CultureInfo.InvariantCulture,
                $"[{new string('#', filled)}{new string('.', Bar - filled)}] {step}/{steps} loss {loss:F5} | val PSNR {(psnr is { } p ? p.ToString("F2", CultureInfo.InvariantCulture) : "–")} dB (bicubic {bicubic:F2}) | {step / elapsed.TotalSeconds:F2} steps/s | ETA {eta:hh\\:mm\\:ss}");
            if (_inPlace)
            {
                await output.WriteAsync("\r" + line);
            }
            else
            {
                await output.WriteLineAsync(line);
            }
        }

        public async Task EndAsync()
        {
            if (_inPlace)
            {
                await output.WriteLineAsync();
            }
        }
    }
}
