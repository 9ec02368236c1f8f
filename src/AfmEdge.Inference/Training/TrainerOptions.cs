using System.Globalization;

namespace AfmEdge.Inference.Training;

/// <summary>Which symmetries augment the training patches (applied alike to every channel and the target).</summary>
public enum Augmentation
{
    None,

    /// <summary>Mirror in x and/or y (includes the 180° rotation); keeps the fast-scan axis along x.</summary>
    Flips,

    /// <summary>All eight flips and 90° rotations.</summary>
    Dihedral,

    /// <summary>
    /// Mirror in x only. For pairs whose input keeps every other line (<c>HalfResolutionScan</c>), a mirror in y would
    /// move the kept lines from the even to the odd output rows and blur what the network must learn about them.
    /// </summary>
    FlipX,
}

/// <summary>How the network standardises its inputs (see <see cref="Network.FrameNormalisation"/>).</summary>
public enum InputNormalisation
{
    /// <summary>By the statistics stored in the model (the training data's).</summary>
    Stored,

    /// <summary>By each frame's own mean and standard deviation; the model is independent of height offset and scale.</summary>
    Frame,
}

/// <summary>The network to train and how. Field names in errors are the JSON config's.</summary>
public sealed record TrainerOptions
{
    public string Name { get; init; } = "enhancer";

    /// <summary>Input channels in tensor order, Height first, e.g. ["Height", "Current", "Potential", "Adhesion"].</summary>
    public IReadOnlyList<string> Channels { get; init; } = ["Height"];

    /// <summary>Channels the network outputs at ×2.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = ["Height"];

    /// <summary>
    /// Each output's weight in the loss, in <see cref="Outputs"/>' order; empty (the default): 1 each. A network that
    /// outputs the fields beside Height shares its features among them; weighting Height up keeps its quality.
    /// </summary>
    public IReadOnlyList<double> OutputWeights { get; init; } = [];

    /// <summary>3×3 convolutions, the last one giving the 4·O residual planes.</summary>
    public int Layers { get; init; } = 7;

    /// <summary>Channels of every hidden layer.</summary>
    public int Features { get; init; } = 32;

    /// <summary>LeakyReLU's negative slope.</summary>
    public float Slope { get; init; } = 0.1f;

    /// <summary>Side of the low-resolution training patch (the target is twice as large).</summary>
    public int Patch { get; init; } = 48;

    public int Batch { get; init; } = 16;

    public int Steps { get; init; } = 3000;

    public double LearningRate { get; init; } = 1e-3;

    /// <summary>The cosine schedule's final learning rate.</summary>
    public double FinalLearningRate { get; init; } = 1e-5;

    /// <summary>Steps of linear warm-up before the cosine schedule.</summary>
    public int WarmupSteps { get; init; } = 100;

    public LossKind Loss { get; init; } = LossKind.L1;

    public long Seed { get; init; } = 1;

    public Augmentation Augment { get; init; } = Augmentation.Flips;

    /// <summary>
    /// Each patch's signal (input about its normalisation mean, and target residual) is scaled by a factor drawn
    /// log-uniformly from [min, max], so the network also serves specimens taller or flatter than the simulator's.
    /// </summary>
    public double IntensityScaleMin { get; init; } = 1;

    public double IntensityScaleMax { get; init; } = 1;

    /// <summary>
    /// Frame: each example is standardised by its own low-resolution mean and standard deviation, as the enhancer
    /// standardises each frame it is given (the model's metadata says so).
    /// </summary>
    public InputNormalisation Normalisation { get; init; } = InputNormalisation.Stored;

    /// <summary>
    /// Field decoys (<see cref="FieldDecoys"/>): the share of patches whose <see cref="DecoyChannels"/> inputs get
    /// smooth blobs that have no height in the target, so field-only features do not imply height (a decoy channel that is
    /// also an output carries its blobs into its own target: they are real field features there). 0 (the default): off,
    /// and the decoy generator is never drawn from.
    /// </summary>
    public double DecoyProbability { get; init; }

    /// <summary>Input channels the decoys are added to (and to the target of those that are outputs).</summary>
    public IReadOnlyList<string> DecoyChannels { get; init; } = [];

    /// <summary>Largest |amplitude| of a decoy blob, in normalised units (σ of the channel's training data).</summary>
    public double DecoyAmplitude { get; init; } = 3;

    /// <summary>Range of a blob's Gaussian σ across its axis, in low-resolution pixels (blobs are 1–4 times as long).</summary>
    public double DecoyWidthMin { get; init; } = 2;

    public double DecoyWidthMax { get; init; } = 4;

    /// <summary>The most blobs a decoy patch gets (1 to this many).</summary>
    public int DecoyBlobs { get; init; } = 3;

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

        Check(!string.IsNullOrWhiteSpace(Name), $"name: must not be empty.");
        Check(Channels is { Count: > 0 } && Channels.Distinct(StringComparer.Ordinal).Count() == Channels.Count && Channels.All(c => !string.IsNullOrWhiteSpace(c)),
            $"channels: needs at least one channel name, each once.");
        Check(Outputs is { Count: > 0 } && Channels is not null && Outputs.All(o => Channels.Contains(o, StringComparer.Ordinal)),
            $"outputs: each output must be one of the channels [{string.Join(", ", Channels ?? [])}].");
        Check(OutputWeights is not null && (OutputWeights.Count == 0 || (OutputWeights.Count == (Outputs?.Count ?? 0) && OutputWeights.All(w => double.IsFinite(w) && w > 0))),
            $"outputWeights = [{string.Join(", ", OutputWeights ?? [])}]: one positive weight per output ([{string.Join(", ", Outputs ?? [])}]), or none.");
        Check(Layers is >= 2 and <= 32, $"layers = {Layers}: must be between 2 and 32.");
        Check(Features is >= 4 and <= 256 && Features % 4 == 0, $"features = {Features}: must be a multiple of 4 between 4 and 256.");
        Check(float.IsFinite(Slope) && Slope is >= 0 and < 1, $"slope = {Slope}: must be in [0, 1).");
        Check(Patch is >= 16 and <= 512 && Patch % 16 == 0, $"patch = {Patch}: must be a multiple of 16 between 16 and 512.");
        Check(Batch is >= 1 and <= 1024, $"batch = {Batch}: must be between 1 and 1024.");
        Check(Steps >= 1, $"steps = {Steps}: must be at least 1.");
        Check(double.IsFinite(LearningRate) && LearningRate is > 0 and < 1, $"learningRate = {LearningRate}: must be in (0, 1).");
        Check(double.IsFinite(FinalLearningRate) && FinalLearningRate > 0 && FinalLearningRate <= LearningRate,
            $"finalLearningRate = {FinalLearningRate}: must be in (0, learningRate].");
        Check(WarmupSteps >= 0 && WarmupSteps < Steps, $"warmupSteps = {WarmupSteps}: must be in [0, steps).");
        Check(Enum.IsDefined(Loss), $"loss = {Loss}: must be L1 or Mse.");
        Check(Enum.IsDefined(Normalisation), $"normalisation = {Normalisation}: must be Stored or Frame.");
        Check(Enum.IsDefined(Augment), $"augment = {Augment}: must be None, Flips, Dihedral or FlipX.");
        Check(double.IsFinite(IntensityScaleMin) && double.IsFinite(IntensityScaleMax) && IntensityScaleMin > 0 && IntensityScaleMin <= IntensityScaleMax,
            $"intensityScale = [{IntensityScaleMin}, {IntensityScaleMax}]: must be 0 < min <= max.");
        Check(double.IsFinite(DecoyProbability) && DecoyProbability is >= 0 and <= 1, $"decoyProbability = {DecoyProbability}: must be in [0, 1].");
        if (DecoyProbability > 0)
        {
            Check(DecoyChannels is { Count: > 0 } && Channels is not null
                && DecoyChannels.Distinct(StringComparer.Ordinal).Count() == DecoyChannels.Count
                && DecoyChannels.All(d => Channels.Contains(d, StringComparer.Ordinal)),
                $"decoyChannels: needs at least one input channel ([{string.Join(", ", Channels ?? [])}]), each once.");
            Check(double.IsFinite(DecoyAmplitude) && DecoyAmplitude > 0, $"decoyAmplitude = {DecoyAmplitude}: must be positive.");
            Check(double.IsFinite(DecoyWidthMin) && double.IsFinite(DecoyWidthMax) && DecoyWidthMin > 0 && DecoyWidthMin <= DecoyWidthMax,
                $"decoyWidth = [{DecoyWidthMin}, {DecoyWidthMax}]: must be 0 < min <= max.");
            Check(DecoyBlobs is >= 1 and <= 16, $"decoyBlobs = {DecoyBlobs}: must be between 1 and 16.");
        }

        return errors;
    }
}
