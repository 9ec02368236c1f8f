using System.Globalization;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Instrument;

/// <summary>
/// How much the instrument differs from one training pair to the next: each pair's instrument is the baseline
/// <see cref="InstrumentOptions"/> with these parameters drawn from the seed (uniform, or log-uniform for the
/// scale factors), so a model trained on the pairs meets many tips, noise levels, drifts and feedback tunings.
/// </summary>
public sealed record InstrumentVariation
{
    /// <summary>Apex radius of the tip, metres (its shape stays the baseline's).</summary>
    public ValueRange TipRadius { get; init; } = new(5e-9, 30e-9);

    /// <summary>Factor on every channel's white, 1/f and row-offset noise (log-uniform).</summary>
    public ValueRange NoiseScale { get; init; } = new(0.5, 2.0);

    /// <summary>Lateral drift speed, m/s, in a uniformly drawn direction; the Z drift is drawn from ± this range too.</summary>
    public ValueRange DriftSpeed { get; init; } = new(0, 0.5e-9);

    /// <summary>Factor on both Z feedback gains (log-uniform): below 1 the loop parachutes further off trailing edges.</summary>
    public ValueRange GainScale { get; init; } = new(0.5, 2.0);

    /// <summary>Sample tilt along each scan axis (dimensionless slope).</summary>
    public ValueRange Tilt { get; init; } = new(-0.004, 0.004);

    /// <summary>Each component of the current and potential probes' offsets from probe 1, metres.</summary>
    public ValueRange ProbeOffset { get; init; } = new(-200e-9, 200e-9);

    /// <summary>Every violated constraint, each naming the field and its value; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        TipRadius.Validate(nameof(TipRadius), 1e-12, 999e-9, "m", errors);
        if (TipRadius.Min <= 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(TipRadius)}.Min = {TipRadius.Min} m: must be > 0."));
        }

        NoiseScale.Validate(nameof(NoiseScale), 1e-6, 100, string.Empty, errors);
        DriftSpeed.Validate(nameof(DriftSpeed), 0, 1e-6, "m/s", errors);
        GainScale.Validate(nameof(GainScale), 1e-3, 1e3, string.Empty, errors);
        Tilt.Validate(nameof(Tilt), -1, 1, string.Empty, errors);
        ProbeOffset.Validate(nameof(ProbeOffset), -1e-3, 1e-3, "m", errors);
        return errors;
    }

    /// <summary>The instrument of specimen <paramref name="seed"/>: <paramref name="baseline"/> with the varied parameters drawn from the seed.</summary>
    public InstrumentOptions Draw(InstrumentOptions baseline, long seed)
    {
        ArgumentNullException.ThrowIfNull(baseline);

        // A stream of its own: the specimen's streams (chromosomes, debris, noise fields) stay as they were.
        var random = new SeededRandom(seed, 50);
        var radius = random.Uniform(TipRadius);
        var noise = LogUniform(ref random, NoiseScale);
        var speed = random.Uniform(DriftSpeed);
        var direction = random.Uniform(0, 2 * Math.PI);
        var driftZ = random.Uniform(-DriftSpeed.Max, DriftSpeed.Max);
        var gain = LogUniform(ref random, GainScale);
        var tiltX = random.Uniform(Tilt);
        var tiltY = random.Uniform(Tilt);
        var current = new ProbeOffset { Dx = random.Uniform(ProbeOffset), Dy = random.Uniform(ProbeOffset) };
        var potential = new ProbeOffset { Dx = random.Uniform(ProbeOffset), Dy = random.Uniform(ProbeOffset) };
        return baseline with
        {
            Tip = baseline.Tip with { ApexRadius = radius },
            Noise = new NoiseOptions
            {
                Height = Scaled(baseline.Noise.Height, noise),
                Current = Scaled(baseline.Noise.Current, noise),
                Potential = Scaled(baseline.Noise.Potential, noise),
                Adhesion = Scaled(baseline.Noise.Adhesion, noise),
            },
            Drift = new DriftOptions { VelocityX = speed * Math.Cos(direction), VelocityY = speed * Math.Sin(direction), VelocityZ = driftZ },
            Feedback = baseline.Feedback with
            {
                ProportionalGain = baseline.Feedback.ProportionalGain * gain,
                IntegralGain = baseline.Feedback.IntegralGain * gain,
            },
            Tilt = new TiltOptions { SlopeX = tiltX, SlopeY = tiltY },
            ProbeOffsets = new ProbeOffsetOptions { Current = current, Potential = potential },
        };
    }

    private static double LogUniform(ref SeededRandom random, ValueRange range) =>
        Math.Exp(random.Uniform(Math.Log(range.Min), Math.Log(range.Max)));

    private static ChannelNoise Scaled(ChannelNoise noise, double factor) =>
        new() { White = noise.White * factor, Pink = noise.Pink * factor, RowOffset = noise.RowOffset * factor };
}
