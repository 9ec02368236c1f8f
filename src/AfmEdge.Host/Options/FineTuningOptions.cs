using System.Globalization;
using AfmEdge.Inference.Training;

namespace AfmEdge.Host.Options;

/// <summary>
/// On-device self-supervised fine-tuning of the enhancer model in use from trace/retrace pairs (Noise2Noise after
/// registration). Off by default: it writes over the model file the enhancer reads (keeping the previous copy beside it).
/// </summary>
public sealed class FineTuningOptions
{
    public bool Enabled { get; set; }

    /// <summary>
    /// Names of the models a round may change. A retrace target is the measured scan, so only models trained to give
    /// the measured scan ×2 (height1) keep their meaning; fusion4 is trained towards the clean, tip-free specimen and
    /// would drift to the measured scan's task, so it is left out unless listed here on purpose.
    /// </summary>
    public string[] Models { get; set; } = ["height1"];

    /// <summary>Training pairs (usable frames not held back) collected before a round starts.</summary>
    public int FramesPerRound { get; set; } = 8;

    /// <summary>Every n-th usable frame (the first included) is held back: never trained on, only scored.</summary>
    public int HoldBackEvery { get; set; } = 4;

    /// <summary>Held-back pairs kept (the oldest leaves when a new one comes).</summary>
    public int MaxHeldBack { get; set; } = 8;

    /// <summary>Adam steps per round.</summary>
    public int Steps { get; set; } = 100;

    public int Batch { get; set; } = 4;

    /// <summary>Low-resolution patch side; frames need at least twice this many pixels per side.</summary>
    public int Patch { get; set; } = 32;

    public double LearningRate { get; set; } = 1e-4;

    /// <summary>The held-back loss must fall by this fraction (0.01 = 1 %) for the new weights to be used.</summary>
    public double MinImprovement { get; set; } = 0.01;

    public long Seed { get; set; } = 1;

    /// <summary>
    /// Fraction of wall time the (single, lowest-priority) training thread computes: after each step it pauses for
    /// step time × (1/DutyCycle − 1), so the live pipeline keeps the cores it needs. 1: no pauses.
    /// </summary>
    public double DutyCycle { get; set; } = 0.5;

    /// <summary>Seconds from the end of one round to the start of the next at the earliest.</summary>
    public double MinIntervalSeconds { get; set; } = 600;

    /// <summary>Trace/retrace registration confidence below which a frame is not used (0–1).</summary>
    public double MinRegistrationConfidence { get; set; } = 0.3;

    /// <summary>The fine-tuner's settings for one round.</summary>
    public FineTuneOptions ToFineTuneOptions() => new()
    {
        Steps = Steps,
        Batch = Batch,
        Patch = Patch,
        LearningRate = LearningRate,
        WarmupSteps = Math.Min(10, Steps - 1),
        MinImprovement = MinImprovement,
        Seed = Seed,
        MaxParallelism = 1,
    };

    public IEnumerable<string> Validate()
    {
        string Format(FormattableString message) => "FineTuning:" + message.ToString(CultureInfo.InvariantCulture);

        if (Models is not { Length: > 0 } || Models.Any(string.IsNullOrWhiteSpace))
        {
            yield return "FineTuning:Models: must list at least one model name, none of them empty.";
        }

        if (FramesPerRound is < 1 or > 1000)
        {
            yield return Format($"FramesPerRound = {FramesPerRound}: must be between 1 and 1000.");
        }

        if (HoldBackEvery is < 2 or > 100)
        {
            yield return Format($"HoldBackEvery = {HoldBackEvery}: must be between 2 and 100.");
        }

        if (MaxHeldBack is < 1 or > 1000)
        {
            yield return Format($"MaxHeldBack = {MaxHeldBack}: must be between 1 and 1000.");
        }

        // The round's own checks (steps, batch, patch, learning rate, gain), under this section's key names.
        var round = new FineTuneOptions
        {
            Steps = Steps,
            Batch = Batch,
            Patch = Patch,
            LearningRate = LearningRate,
            WarmupSteps = 0,
            MinImprovement = MinImprovement,
        };
        foreach (var error in round.Validate())
        {
            yield return "FineTuning:" + error;
        }

        if (!(DutyCycle > 0 && DutyCycle <= 1))
        {
            yield return Format($"DutyCycle = {DutyCycle}: must be above 0 and at most 1.");
        }

        if (!(MinIntervalSeconds >= 0 && MinIntervalSeconds <= 7 * 24 * 3600))
        {
            yield return Format($"MinIntervalSeconds = {MinIntervalSeconds}: must be between 0 and 604800 (a week).");
        }

        if (!(MinRegistrationConfidence >= 0 && MinRegistrationConfidence <= 1))
        {
            yield return Format($"MinRegistrationConfidence = {MinRegistrationConfidence}: must be between 0 and 1.");
        }
    }
}
