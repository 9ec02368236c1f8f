using System.Globalization;
using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Training;

/// <summary>How much an on-device fine-tuning round trains, and what it must gain to be kept.</summary>
public sealed record FineTuneOptions
{
    /// <summary>Adam steps of one round.</summary>
    public int Steps { get; init; } = 100;

    public int Batch { get; init; } = 4;

    /// <summary>Side of the low-resolution training patch; every training pair must be at least this large.</summary>
    public int Patch { get; init; } = 32;

    /// <summary>
    /// Peak learning rate, after a short warm-up, decaying (cosine) to a tenth of it. Small: the round starts from a
    /// trained model and should adapt it to this instrument, not relearn it.
    /// </summary>
    public double LearningRate { get; init; } = 1e-4;

    public int WarmupSteps { get; init; } = 10;

    /// <summary>The held-back loss must fall by at least this fraction (0.01 = 1 %) for the new weights to be kept.</summary>
    public double MinImprovement { get; init; } = 0.01;

    public long Seed { get; init; } = 1;

    /// <summary>Threads each step may use (-1: all); 1 keeps a background round on one core.</summary>
    public int MaxParallelism { get; init; } = 1;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, FormattableString message)
        {
            if (!ok)
            {
                errors.Add(message.ToString(CultureInfo.InvariantCulture));
            }
        }

        Check(Steps is >= 1 and <= 1_000_000, $"Steps = {Steps}: must be between 1 and 1000000.");
        Check(Batch is >= 1 and <= 256, $"Batch = {Batch}: must be between 1 and 256.");
        Check(Patch is >= 16 and <= 512 && Patch % 16 == 0, $"Patch = {Patch}: must be a multiple of 16 between 16 and 512.");
        Check(double.IsFinite(LearningRate) && LearningRate is > 0 and < 1, $"LearningRate = {LearningRate}: must be in (0, 1).");
        Check(WarmupSteps >= 0 && WarmupSteps < Steps, $"WarmupSteps = {WarmupSteps}: must be in [0, Steps).");
        Check(double.IsFinite(MinImprovement) && MinImprovement is >= 0 and < 1, $"MinImprovement = {MinImprovement}: must be in [0, 1).");
        Check(MaxParallelism is -1 or >= 1, $"MaxParallelism = {MaxParallelism}: must be -1 (all cores) or at least 1.");
        return errors;
    }
}

/// <summary>
/// What a round did: the held-back loss of the model it started from and of the trained copy, and whether the copy is
/// kept. <see cref="Network"/> is the trained copy (with the round's facts in its metadata) only when
/// <see cref="Accepted"/>; otherwise null, so a refused round has nothing that could be applied by mistake.
/// </summary>
public sealed record FineTuneResult(
    EnhancerNetwork? Network,
    double HeldBackLossBefore,
    double HeldBackLossAfter,
    int Steps,
    int TrainingPairs,
    int HeldBackPairs,
    bool Accepted)
{
    /// <summary>(before − after) / before: the fraction by which the held-back loss fell (negative when it rose).</summary>
    public double RelativeImprovement => (HeldBackLossBefore - HeldBackLossAfter) / HeldBackLossBefore;
}

/// <summary>
/// Self-supervised fine-tuning of a ×2 enhancer from pairs whose target is a second, independently noisy measurement of
/// the same area (Noise2Noise): on the instrument, the half-resolution scan of the trace frame in and the registered
/// retrace frame as the target. The noise of the target is independent of the input and has zero mean, so the expected
/// squared error against it is the squared error against the clean scan plus a constant: minimising the MSE trains
/// towards the clean expectation, and a lower held-back MSE against the noisy retrace means a lower error against the
/// clean one. The round trains a copy of the model in use (the original is never touched), with MSE, on the training
/// pairs only; held-back pairs are only ever scored.
/// </summary>
public static class NoiseToNoiseFineTuner
{
    /// <summary>Metadata keys the round writes into the kept network (ONNX metadata_props).</summary>
    public const string MetadataPrefix = "finetune.";

    /// <param name="current">The model in use; it is copied, never changed.</param>
    /// <param name="training">Pairs to train on: low resolution = the trace scanned down ×2, high resolution = the registered retrace.</param>
    /// <param name="heldBack">Pairs never trained on, scored before and after.</param>
    /// <param name="options">Steps, batch, patch, learning rate, required gain.</param>
    /// <param name="afterStep">Called after every step with the number of steps done (pacing, progress); may throw to stop.</param>
    /// <param name="cancellationToken">Checked before every step; a cancelled round changes nothing.</param>
    public static FineTuneResult Run(
        EnhancerNetwork current,
        IReadOnlyList<TrainingExample> training,
        IReadOnlyList<TrainingExample> heldBack,
        FineTuneOptions options,
        Action<int>? afterStep = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(heldBack);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid fine-tuning options: " + string.Join(" ", errors), nameof(options));
        }

        if (training.Count == 0 || heldBack.Count == 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"A fine-tuning round needs training and held-back pairs; it has {training.Count} and {heldBack.Count}."), nameof(training));
        }

        foreach (var pair in training.Concat(heldBack))
        {
            CheckPair(current, pair);
        }

        var before = HeldBackLoss(current, heldBack);
        var trainer = new EnhancerTrainer(TrainerOptionsFor(current, options), training, current, options.MaxParallelism);
        for (var step = 0; step < options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            trainer.Step();
            afterStep?.Invoke(step + 1);
        }

        var after = HeldBackLoss(trainer.Network, heldBack);
        var accepted = double.IsFinite(after) && after <= before * (1 - options.MinImprovement) && after < before;
        EnhancerNetwork? kept = null;
        if (accepted)
        {
            var metadata = new Dictionary<string, string>(trainer.Network.Metadata, StringComparer.Ordinal)
            {
                [MetadataPrefix + "method"] = "noise2noise: half-resolution trace in, registered retrace as target, MSE",
                [MetadataPrefix + "from"] = current.Name,
                [MetadataPrefix + "heldBackLossBefore"] = before.ToString("R", CultureInfo.InvariantCulture),
                [MetadataPrefix + "heldBackLossAfter"] = after.ToString("R", CultureInfo.InvariantCulture),
                [MetadataPrefix + "steps"] = options.Steps.ToString(CultureInfo.InvariantCulture),
                [MetadataPrefix + "trainingPairs"] = training.Count.ToString(CultureInfo.InvariantCulture),
                [MetadataPrefix + "heldBackPairs"] = heldBack.Count.ToString(CultureInfo.InvariantCulture),
                [MetadataPrefix + "learningRate"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
                [MetadataPrefix + "seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            };
            kept = trainer.Network.Copy(metadata);
        }

        return new FineTuneResult(kept, before, after, options.Steps, training.Count, heldBack.Count, accepted);
    }

    /// <summary>
    /// The mean over <paramref name="pairs"/> of the whole-frame squared error of the network's ×2 output against the
    /// high-resolution target, per output pixel and channel, in the units the network standardises the frame with (the
    /// training loss's units, so frames of different height ranges weigh alike).
    /// </summary>
    public static double HeldBackLoss(EnhancerNetwork network, IReadOnlyList<TrainingExample> pairs)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            throw new ArgumentException("The held-back loss needs at least one pair.", nameof(pairs));
        }

        var total = 0.0;
        foreach (var pair in pairs)
        {
            CheckPair(network, pair);
            var inputs = network.InputChannels.Select(c => pair.LowRes[c]).ToArray();
            var (_, std) = FrameNormalisation.For(network, inputs);
            var outputs = TrainerForward.Run(network, inputs, pair.Width, pair.Height);
            var sum = 0.0;
            for (var o = 0; o < outputs.Length; o++)
            {
                var target = pair.HighRes[network.OutputChannels[o]];
                var scale = 1.0 / std[network.OutputSourceIndex[o]];
                var output = outputs[o];
                for (var i = 0; i < output.Length; i++)
                {
                    var e = (output[i] - (double)target[i]) * scale;
                    sum += e * e;
                }
            }

            total += sum / ((double)outputs.Length * 4 * pair.Width * pair.Height);
        }

        return total / pairs.Count;
    }

    /// <summary>The trainer settings of a round: the model's own channels and normalisation, MSE (Noise2Noise needs L2), x mirrors only.</summary>
    public static TrainerOptions TrainerOptionsFor(EnhancerNetwork network, FineTuneOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        return new TrainerOptions
        {
            Name = network.Name,
            Channels = network.InputChannels,
            Outputs = network.OutputChannels,
            Patch = options.Patch,
            Batch = options.Batch,
            Steps = options.Steps,
            LearningRate = options.LearningRate,
            FinalLearningRate = options.LearningRate / 10,
            WarmupSteps = options.WarmupSteps,
            Loss = LossKind.Mse,
            Seed = options.Seed,
            // The input keeps every other line (a half-resolution scan): a mirror in y would move them to the odd output rows.
            Augment = Augmentation.FlipX,
            Normalisation = FrameNormalisation.IsPerFrame(network) ? InputNormalisation.Frame : InputNormalisation.Stored,
        };
    }

    private static void CheckPair(EnhancerNetwork network, TrainingExample pair)
    {
        foreach (var channel in network.InputChannels)
        {
            if (!pair.LowRes.TryGetValue(channel, out var plane) || plane.Length != pair.Width * pair.Height)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Pair {pair.Seed}: model '{network.Name}' needs a {pair.Width}×{pair.Height} low-resolution '{channel}' plane; the pair has [{string.Join(", ", pair.LowRes.Keys)}]."));
            }
        }

        foreach (var channel in network.OutputChannels)
        {
            if (!pair.HighRes.TryGetValue(channel, out var plane) || plane.Length != 4 * pair.Width * pair.Height)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Pair {pair.Seed}: model '{network.Name}' outputs '{channel}' but the pair has no {2 * pair.Width}×{2 * pair.Height} target for it (targets: [{string.Join(", ", pair.HighRes.Keys)}])."));
            }
        }
    }
}
