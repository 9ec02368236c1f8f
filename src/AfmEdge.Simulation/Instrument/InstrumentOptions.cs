using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Simulation.Instrument;

public enum TipShape
{
    /// <summary>z = r² / (2R): the usual model of a worn or rounded tip.</summary>
    Paraboloid,

    /// <summary>A cone of the given half-angle ending in a spherical apex of the given radius.</summary>
    Cone,
}

/// <summary>The tip, applied to the topography as a morphological dilation.</summary>
public sealed record TipOptions
{
    public TipShape Shape { get; init; } = TipShape.Paraboloid;

    /// <summary>Apex radius of curvature, metres (> 0).</summary>
    public double ApexRadius { get; init; } = 10e-9;

    /// <summary>Cone half-angle, degrees (only for <see cref="TipShape.Cone"/>).</summary>
    public double HalfAngleDegrees { get; init; } = 20;

    /// <summary>The tip surface's height above its apex at lateral distance <paramref name="r"/> (metres).</summary>
    public double Profile(double r)
    {
        if (Shape == TipShape.Paraboloid)
        {
            return r * r / (2 * ApexRadius);
        }

        var alpha = HalfAngleDegrees * Math.PI / 180.0;
        var tangent = ApexRadius * Math.Cos(alpha);
        if (r <= tangent)
        {
            return ApexRadius - Math.Sqrt((ApexRadius * ApexRadius) - (r * r));
        }

        return (ApexRadius * (1 - Math.Sin(alpha))) + ((r - tangent) / Math.Tan(alpha));
    }
}

/// <summary>
/// Z feedback: a PI loop on the deflection error. In contact the error follows the surface; off a
/// trailing edge the tip leaves the surface, the error saturates at <see cref="ErrorSaturation"/>, and the
/// piezo descends only at IntegralGain × ErrorSaturation ("parachuting"), so the artefact grows with the
/// scan speed (line rate × size) and shrinks with the gains.
/// </summary>
public sealed record FeedbackOptions
{
    /// <summary>False: ideal tracking (the recorded height is the dilated surface).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Proportional gain (piezo metres per metre of error, ≥ 0).</summary>
    public double ProportionalGain { get; init; } = 1.0;

    /// <summary>Integral gain, 1/s (> 0).</summary>
    public double IntegralGain { get; init; } = 10_000;

    /// <summary>The largest negative error, metres: the free cantilever's deflection below the setpoint (> 0).</summary>
    public double ErrorSaturation { get; init; } = 10e-9;

    /// <summary>
    /// Height adds the loop's error, as a controller that reads the deflection records it (the closed loop's
    /// <c>ScanEngineOptions.HeightIncludesError</c>): in contact the recorded height is the surface, and only off a trailing
    /// edge, where the tip hangs free, does the loop's lag show. False, the default (and the enhancer's training scans): the
    /// Z command, lag and all.
    /// </summary>
    public bool HeightIncludesError { get; init; }
}

/// <summary>Piezo non-linearities.</summary>
public sealed record PiezoOptions
{
    /// <summary>Trace and retrace positions differ by this fraction of the scan size at the line's centre (0 at the ends).</summary>
    public double Hysteresis { get; init; } = 0.01;

    /// <summary>Slow-axis creep after the jump to the frame's start: a displacement of this fraction of SizeY at the first line, decaying logarithmically to 0 at the last.</summary>
    public double Creep { get; init; } = 0.01;

    /// <summary>Time constant of the logarithmic creep, seconds (> 0).</summary>
    public double CreepTime { get; init; } = 0.5;
}

/// <summary>Thermal drift of the sample relative to the tip, metres per second (constant velocity).</summary>
public sealed record DriftOptions
{
    public double VelocityX { get; init; } = 0.2e-9;
    public double VelocityY { get; init; } = 0.1e-9;
    public double VelocityZ { get; init; } = 0.05e-9;
}

/// <summary>Noise of one channel, in the channel's base unit (standard deviations).</summary>
public sealed record ChannelNoise
{
    /// <summary>White noise per pixel.</summary>
    public double White { get; init; }

    /// <summary>1/f noise in time (octaves from 1/16 of the line rate to 4× the line rate, equal power each).</summary>
    public double Pink { get; init; }

    /// <summary>A random offset per line.</summary>
    public double RowOffset { get; init; }

    internal void Validate(string name, List<string> errors)
    {
        InstrumentOptions.NonNegative(name + ".White", White, errors);
        InstrumentOptions.NonNegative(name + ".Pink", Pink, errors);
        InstrumentOptions.NonNegative(name + ".RowOffset", RowOffset, errors);
    }
}

public sealed record NoiseOptions
{
    public ChannelNoise Height { get; init; } = new() { White = 0.3e-9, Pink = 0.3e-9, RowOffset = 1e-9 };
    public ChannelNoise Current { get; init; } = new() { White = 0.3e-12, Pink = 0.3e-12, RowOffset = 0.5e-12 };
    public ChannelNoise Potential { get; init; } = new() { White = 3e-3, Pink = 3e-3, RowOffset = 5e-3 };
    public ChannelNoise Adhesion { get; init; } = new() { White = 0.1e-9, Pink = 0.1e-9, RowOffset = 0.1e-9 };

    public ChannelNoise For(int channel) => channel switch
    {
        0 => Height,
        1 => Current,
        2 => Potential,
        3 => Adhesion,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Channels are 0 Height, 1 Current, 2 Potential, 3 Adhesion."),
    };
}

/// <summary>Scars: streaks along a line where the feedback briefly lost the surface (on Height).</summary>
public sealed record ScarOptions
{
    /// <summary>Chance per line and direction.</summary>
    public double Probability { get; init; } = 0.02;

    /// <summary>Mean scar length as a fraction of the line.</summary>
    public double MeanLength { get; init; } = 0.1;

    /// <summary>Typical height step of a scar, metres.</summary>
    public double Height { get; init; } = 20e-9;
}

/// <summary>Sample tilt as slopes (metres of height per metre) along the scan's fast and slow axes.</summary>
public sealed record TiltOptions
{
    public double SlopeX { get; init; } = 0.002;
    public double SlopeY { get; init; } = -0.001;
}

/// <summary>Differences between the trace and retrace halves of a line.</summary>
public sealed record TraceRetraceOptions
{
    /// <summary>Signal delay, seconds: each direction's image is shifted against its motion by lag × tip speed.</summary>
    public double Lag { get; init; } = 0.1e-3;

    /// <summary>Extra fast-axis position offset of the retrace, metres.</summary>
    public double RetraceOffset { get; init; } = 5e-9;
}

/// <summary>A probe's fixed position relative to probe 1, in the scan frame (metres).</summary>
public sealed record ProbeOffset
{
    public double Dx { get; init; }
    public double Dy { get; init; }
}

/// <summary>
/// The three probes: probe 1 records Height and Adhesion and is the reference; probe 2 (conductive module 1)
/// records Current; probe 3 (conductive module 2) records Potential. A probe at offset (dx, dy) samples the
/// sample at (x + dx, y + dy) while probe 1 is at (x, y), so its image shows features shifted by (−dx, −dy).
/// </summary>
public sealed record ProbeOffsetOptions
{
    public ProbeOffset Current { get; init; } = new() { Dx = 120e-9, Dy = -80e-9 };
    public ProbeOffset Potential { get; init; } = new() { Dx = -150e-9, Dy = 100e-9 };
}

/// <summary>
/// Everything the instrument does to the specimen between the sample and the recorded frame. Lengths in
/// metres, times in seconds. <see cref="Validate"/> names every bad field.
/// </summary>
public sealed record InstrumentOptions
{
    public TipOptions Tip { get; init; } = new();
    public FeedbackOptions Feedback { get; init; } = new();
    public PiezoOptions Piezo { get; init; } = new();
    public DriftOptions Drift { get; init; } = new();
    public NoiseOptions Noise { get; init; } = new();
    public ScarOptions Scars { get; init; } = new();
    public TiltOptions Tilt { get; init; } = new();
    public TraceRetraceOptions TraceRetrace { get; init; } = new();
    public ProbeOffsetOptions ProbeOffsets { get; init; } = new();

    /// <summary>Time steps per pixel along the fast axis: the signal is averaged over a pixel's dwell from this many samples.</summary>
    public int FastAxisSubsamples { get; init; } = 4;

    /// <summary>Only the tip (10 nm paraboloid): no feedback lag, piezo errors, drift, noise, scars, tilt, lag or probe offsets.</summary>
    public static InstrumentOptions TipOnly { get; } = new()
    {
        Feedback = new FeedbackOptions { Enabled = false },
        Piezo = new PiezoOptions { Hysteresis = 0, Creep = 0 },
        Drift = new DriftOptions { VelocityX = 0, VelocityY = 0, VelocityZ = 0 },
        Noise = new NoiseOptions { Height = new(), Current = new(), Potential = new(), Adhesion = new() },
        Scars = new ScarOptions { Probability = 0 },
        Tilt = new TiltOptions { SlopeX = 0, SlopeY = 0 },
        TraceRetrace = new TraceRetraceOptions { Lag = 0, RetraceOffset = 0 },
        ProbeOffsets = new ProbeOffsetOptions { Current = new(), Potential = new() },
    };

    /// <summary>Every violated constraint, each naming the field and its value; empty when valid. With a scan, probe offsets are checked against its size.</summary>
    public IReadOnlyList<string> Validate(ScanSettings? scan = null)
    {
        var errors = new List<string>();
        if (Tip is null || Feedback is null || Piezo is null || Drift is null || Noise is null || Scars is null || Tilt is null
            || TraceRetrace is null || ProbeOffsets is null || ProbeOffsets.Current is null || ProbeOffsets.Potential is null
            || Noise.Height is null || Noise.Current is null || Noise.Potential is null || Noise.Adhesion is null)
        {
            errors.Add("InstrumentOptions: every section (Tip, Feedback, Piezo, Drift, Noise and its channels, Scars, Tilt, TraceRetrace, ProbeOffsets) must be set.");
            return errors;
        }

        if (!(Tip.ApexRadius > 0 && Tip.ApexRadius < 1e-6))
        {
            errors.Add(Text($"Tip.ApexRadius = {Tip.ApexRadius}: must be > 0 (and below 1 µm)."));
        }

        if (!Enum.IsDefined(Tip.Shape))
        {
            errors.Add(Text($"Tip.Shape = {(int)Tip.Shape}: must be Paraboloid or Cone."));
        }

        if (Tip.Shape == TipShape.Cone && !(Tip.HalfAngleDegrees > 0 && Tip.HalfAngleDegrees < 80))
        {
            errors.Add(Text($"Tip.HalfAngleDegrees = {Tip.HalfAngleDegrees}: must be between 0 and 80 (exclusive)."));
        }

        NonNegative("Feedback.ProportionalGain", Feedback.ProportionalGain, errors);
        if (!(Feedback.IntegralGain > 0 && double.IsFinite(Feedback.IntegralGain)))
        {
            errors.Add(Text($"Feedback.IntegralGain = {Feedback.IntegralGain} 1/s: must be > 0."));
        }

        if (!(Feedback.ErrorSaturation > 0 && double.IsFinite(Feedback.ErrorSaturation)))
        {
            errors.Add(Text($"Feedback.ErrorSaturation = {Feedback.ErrorSaturation} m: must be > 0."));
        }

        if (!(Piezo.Hysteresis >= 0 && Piezo.Hysteresis <= 0.2))
        {
            errors.Add(Text($"Piezo.Hysteresis = {Piezo.Hysteresis}: must be between 0 and 0.2."));
        }

        if (!(Piezo.Creep >= 0 && Piezo.Creep <= 0.2))
        {
            errors.Add(Text($"Piezo.Creep = {Piezo.Creep}: must be between 0 and 0.2."));
        }

        if (!(Piezo.CreepTime > 0 && double.IsFinite(Piezo.CreepTime)))
        {
            errors.Add(Text($"Piezo.CreepTime = {Piezo.CreepTime} s: must be > 0."));
        }

        Finite("Drift.VelocityX", Drift.VelocityX, errors);
        Finite("Drift.VelocityY", Drift.VelocityY, errors);
        Finite("Drift.VelocityZ", Drift.VelocityZ, errors);
        Noise.Height.Validate("Noise.Height", errors);
        Noise.Current.Validate("Noise.Current", errors);
        Noise.Potential.Validate("Noise.Potential", errors);
        Noise.Adhesion.Validate("Noise.Adhesion", errors);
        if (!(Scars.Probability >= 0 && Scars.Probability <= 1))
        {
            errors.Add(Text($"Scars.Probability = {Scars.Probability}: must be between 0 and 1."));
        }

        if (!(Scars.MeanLength > 0 && Scars.MeanLength <= 1))
        {
            errors.Add(Text($"Scars.MeanLength = {Scars.MeanLength}: must be above 0 and at most 1 (a fraction of the line)."));
        }

        Finite("Scars.Height", Scars.Height, errors);
        if (!(Math.Abs(Tilt.SlopeX) <= 1))
        {
            errors.Add(Text($"Tilt.SlopeX = {Tilt.SlopeX}: |slope| must be <= 1."));
        }

        if (!(Math.Abs(Tilt.SlopeY) <= 1))
        {
            errors.Add(Text($"Tilt.SlopeY = {Tilt.SlopeY}: |slope| must be <= 1."));
        }

        NonNegative("TraceRetrace.Lag", TraceRetrace.Lag, errors);
        Finite("TraceRetrace.RetraceOffset", TraceRetrace.RetraceOffset, errors);
        Finite("ProbeOffsets.Current.Dx", ProbeOffsets.Current.Dx, errors);
        Finite("ProbeOffsets.Current.Dy", ProbeOffsets.Current.Dy, errors);
        Finite("ProbeOffsets.Potential.Dx", ProbeOffsets.Potential.Dx, errors);
        Finite("ProbeOffsets.Potential.Dy", ProbeOffsets.Potential.Dy, errors);
        if (FastAxisSubsamples is < 1 or > 64)
        {
            errors.Add(Text($"FastAxisSubsamples = {FastAxisSubsamples}: must be between 1 and 64."));
        }

        if (scan is not null)
        {
            // A probe further from probe 1 than the scan is wide never sees the area probe 1 sees.
            ProbeWithinScan("ProbeOffsets.Current.Dx", ProbeOffsets.Current.Dx, "SizeX", scan.SizeX, errors);
            ProbeWithinScan("ProbeOffsets.Current.Dy", ProbeOffsets.Current.Dy, "SizeY", scan.SizeY, errors);
            ProbeWithinScan("ProbeOffsets.Potential.Dx", ProbeOffsets.Potential.Dx, "SizeX", scan.SizeX, errors);
            ProbeWithinScan("ProbeOffsets.Potential.Dy", ProbeOffsets.Potential.Dy, "SizeY", scan.SizeY, errors);
            if (!(Math.Abs(TraceRetrace.RetraceOffset) < scan.SizeX))
            {
                errors.Add(Text($"TraceRetrace.RetraceOffset = {TraceRetrace.RetraceOffset} m: must be smaller than the scan's SizeX = {scan.SizeX} m."));
            }
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every violated constraint.</summary>
    public void ThrowIfInvalid(ScanSettings? scan = null)
    {
        var errors = Validate(scan);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid instrument options: " + string.Join(" ", errors));
        }
    }

    internal static void NonNegative(string name, double value, List<string> errors)
    {
        if (!(value >= 0 && double.IsFinite(value)))
        {
            errors.Add(Text($"{name} = {value}: must be finite and >= 0."));
        }
    }

    private static void Finite(string name, double value, List<string> errors)
    {
        if (!double.IsFinite(value))
        {
            errors.Add(Text($"{name} = {value}: must be finite."));
        }
    }

    private static void ProbeWithinScan(string name, double offset, string sizeName, double size, List<string> errors)
    {
        if (double.IsFinite(offset) && !(Math.Abs(offset) < size))
        {
            errors.Add(Text($"{name} = {offset} m: larger than the scan's {sizeName} = {size} m, so this probe's image would not overlap probe 1's."));
        }
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
