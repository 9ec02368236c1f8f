using AfmEdge.Core;

namespace AfmEdge.Control;

/// <summary>An ADC input recorded as an image channel: volts × <paramref name="UnitsPerVolt"/> in <paramref name="Unit"/>.</summary>
/// <param name="Name">Channel name ("Current").</param>
/// <param name="Unit">Physical unit of the recorded values.</param>
/// <param name="AdcChannel">AD7606 input, 0-based (V1 = 0).</param>
/// <param name="UnitsPerVolt">Scale from ADC volts to the unit (e.g. 1e-9 A/V for a 1 GΩ transimpedance).</param>
public sealed record AdcChannelMap(string Name, PhysicalUnit Unit, int AdcChannel, double UnitsPerVolt);

/// <summary>Everything the scan engine needs besides the chips. Validated before anything moves.</summary>
public sealed record ScanEngineOptions
{
    /// <summary>The raster.</summary>
    public required ScanSettings Scan { get; init; }

    /// <summary>Fast-axis piezo.</summary>
    public required AxisCalibration X { get; init; }

    /// <summary>Slow-axis piezo.</summary>
    public required AxisCalibration Y { get; init; }

    /// <summary>Z piezo: MinVolts is fully retracted.</summary>
    public required AxisCalibration Z { get; init; }

    /// <summary>Z feedback gains.</summary>
    public PidGains Gains { get; init; } = new(0.5, 500, 0);

    /// <summary>Deflection setpoint, volts.</summary>
    public double SetpointVolts { get; init; } = 0.5;

    /// <summary>ADC input of the deflection (error) signal.</summary>
    public int DeflectionChannel { get; init; }

    /// <summary>Deflection signal's sensitivity, volts per metre, to record Deflection in metres.</summary>
    public double DeflectionVoltsPerMetre { get; init; } = 1e7;

    /// <summary>
    /// The Z piezo's first-order response time, seconds. Above 0 the Height channel records where the piezo had extended
    /// when each point was sampled: the commands filtered by this response, as a Z sensor would read it. A piezo slower than
    /// a point lags its command, and the command the loop has just written leads the tip that made the sample. 0: a piezo
    /// that settles within a point, so Height records the command (the one held while the point was sampled where
    /// <see cref="HeightIncludesError"/> is on, else the one just written, as always).
    /// </summary>
    public double ZResponseSeconds { get; init; }

    /// <summary>
    /// Height adds the feedback's error, the deflection less its setpoint in metres (contact mode's error-signal
    /// correction): where the loop has not caught up with the surface the cantilever bends by what Z missed, so the sum is
    /// the surface under the tip, and in steady contact it equals Height alone. Z is then where the piezo was when the point
    /// was sampled, which the error belongs with. Off: Height is Z alone.
    /// </summary>
    public bool HeightIncludesError { get; init; }

    /// <summary>Further inputs recorded beside Height and Deflection.</summary>
    public IReadOnlyList<AdcChannelMap> Fields { get; init; } = [];

    /// <summary>Z step per point during the approach, volts (further limited by the slew rate).</summary>
    public double ApproachStepVolts { get; init; } = 0.01;

    /// <summary>Consecutive identical deflection codes that count as a stuck ADC.</summary>
    public int StuckPoints { get; init; } = 256;

    /// <summary>Consecutive full-scale deflection codes that count as saturation.</summary>
    public int SaturationPoints { get; init; } = 8;

    /// <summary>Consecutive points with the Z output at a limit that count as Z out of range.</summary>
    public int ZLimitPoints { get; init; } = 64;

    /// <summary>Smallest Z step (volts) whose reversal counts toward oscillation; noise-sized steps never do.</summary>
    public double OscillationStepVolts { get; init; } = 0.02;

    /// <summary>Fraction of recent points (about 32) with a large Z reversal that counts as oscillation.</summary>
    public double OscillationFraction { get; init; } = 0.5;

    /// <summary>How late a point may finish before the watchdog trips.</summary>
    public TimeSpan WatchdogSlack { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Points per fast-axis direction including overscan.</summary>
    public int PointsPerDirection => Scan.PixelsX + (2 * OverscanPoints);

    /// <summary>Overscan points at each end of a line.</summary>
    public int OverscanPoints => (int)Math.Round(Scan.Overscan * Scan.PixelsX);

    /// <summary>Nominal time per point: a line (trace + retrace) over its points.</summary>
    public double PointSeconds => Scan.LineTime.TotalSeconds / (2.0 * PointsPerDirection);

    /// <summary>Every violated constraint, each naming the field and its value; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Scan is null || X is null || Y is null || Z is null)
        {
            errors.Add("Scan, X, Y and Z are required.");
            return errors;
        }

        errors.AddRange(Scan.Validate());
        errors.AddRange(X.Validate("X"));
        errors.AddRange(Y.Validate("Y"));
        errors.AddRange(Z.Validate("Z"));
        errors.AddRange(Gains.Validate());
        if (!(SetpointVolts > 0 && SetpointVolts < 10))
        {
            errors.Add($"SetpointVolts = {SetpointVolts}: must be in (0, 10) V.");
        }

        if (DeflectionChannel is < 0 or > 7)
        {
            errors.Add($"DeflectionChannel = {DeflectionChannel}: the AD7606 has inputs 0 to 7.");
        }

        if (!(DeflectionVoltsPerMetre > 0 && double.IsFinite(DeflectionVoltsPerMetre)))
        {
            errors.Add($"DeflectionVoltsPerMetre = {DeflectionVoltsPerMetre}: must be positive.");
        }

        if (!(ZResponseSeconds >= 0 && ZResponseSeconds <= 1))
        {
            errors.Add($"ZResponseSeconds = {ZResponseSeconds}: must be in [0, 1] s (0: Height records the Z command).");
        }

        var names = new HashSet<string>(StringComparer.Ordinal) { "Height", "Deflection" };
        foreach (var f in Fields ?? [])
        {
            if (f.AdcChannel is < 0 or > 7)
            {
                errors.Add($"Fields[{f.Name}].AdcChannel = {f.AdcChannel}: the AD7606 has inputs 0 to 7.");
            }

            if (string.IsNullOrWhiteSpace(f.Name) || !names.Add(f.Name))
            {
                errors.Add($"Fields[{f.Name}]: channel names must be non-empty and unique (Height and Deflection are taken).");
            }

            if (!(double.IsFinite(f.UnitsPerVolt) && f.UnitsPerVolt != 0))
            {
                errors.Add($"Fields[{f.Name}].UnitsPerVolt = {f.UnitsPerVolt}: must be finite and non-zero.");
            }
        }

        if (!(ApproachStepVolts > 0 && ApproachStepVolts <= 1))
        {
            errors.Add($"ApproachStepVolts = {ApproachStepVolts}: must be in (0, 1] V.");
        }

        if (StuckPoints < 2)
        {
            errors.Add($"StuckPoints = {StuckPoints}: must be at least 2.");
        }

        if (SaturationPoints < 1)
        {
            errors.Add($"SaturationPoints = {SaturationPoints}: must be at least 1.");
        }

        if (ZLimitPoints < 1)
        {
            errors.Add($"ZLimitPoints = {ZLimitPoints}: must be at least 1.");
        }

        if (!(OscillationStepVolts > 0 && OscillationStepVolts < 10))
        {
            errors.Add($"OscillationStepVolts = {OscillationStepVolts}: must be in (0, 10) V.");
        }

        if (!(OscillationFraction > 0 && OscillationFraction <= 1))
        {
            errors.Add($"OscillationFraction = {OscillationFraction}: must be in (0, 1].");
        }

        if (!(WatchdogSlack > TimeSpan.Zero && WatchdogSlack <= TimeSpan.FromSeconds(1)))
        {
            errors.Add($"WatchdogSlack = {WatchdogSlack}: must be in (0, 1 s].");
        }

        if (errors.Count == 0)
        {
            CheckGeometry(errors);
        }

        return errors;
    }

    private void CheckGeometry(List<string> errors)
    {
        // The raster's corners (overscan included), rotated and offset, must map inside the X/Y windows.
        double halfU = Scan.SizeX / 2 * PointsPerDirection / Scan.PixelsX;
        double halfV = Scan.SizeY / 2;
        double a = Scan.AngleDegrees * Math.PI / 180;
        double cos = Math.Cos(a);
        double sin = Math.Sin(a);
        double reachX = (Math.Abs(cos) * halfU) + (Math.Abs(sin) * halfV);
        double reachY = (Math.Abs(sin) * halfU) + (Math.Abs(cos) * halfV);
        CheckWindow(errors, "X", X, Scan.OffsetX - reachX, Scan.OffsetX + reachX);
        CheckWindow(errors, "Y", Y, Scan.OffsetY - reachY, Scan.OffsetY + reachY);

        // The fast sweep must not need more than the slew rate.
        double speed = 2 * halfU / (Scan.LineTime.TotalSeconds / 2);
        if (Math.Abs(cos) * speed / X.MetresPerVolt > X.MaxSlewVoltsPerSecond || Math.Abs(sin) * speed / Y.MetresPerVolt > Y.MaxSlewVoltsPerSecond)
        {
            errors.Add($"LineRateHz = {Scan.LineRateHz}: a {Scan.SizeX:0.###e0} m line at this rate needs more than the X/Y slew limits ({X.MaxSlewVoltsPerSecond}/{Y.MaxSlewVoltsPerSecond} V/s).");
        }

        // Retract within one line: the whole Z window at the slew limit must fit in a line time.
        if ((Z.MaxVolts - Z.MinVolts) / Z.MaxSlewVoltsPerSecond > Scan.LineTime.TotalSeconds)
        {
            errors.Add($"Z.MaxSlewVoltsPerSecond = {Z.MaxSlewVoltsPerSecond}: too slow to retract the full Z range within one line ({Scan.LineTime.TotalMilliseconds:0.###} ms).");
        }

        foreach (var (axis, cal) in new[] { ("X", X), ("Y", Y), ("Z", Z) })
        {
            if (cal.MaxSlewVoltsPerSecond * PointSeconds < 20.0 / ((1 << 20) - 1))
            {
                errors.Add($"{axis}.MaxSlewVoltsPerSecond = {cal.MaxSlewVoltsPerSecond}: below one DAC step per point at this line rate.");
            }
        }
    }

    private static void CheckWindow(List<string> errors, string axis, AxisCalibration cal, double lowMetres, double highMetres)
    {
        double low = lowMetres / cal.MetresPerVolt;
        double high = highMetres / cal.MetresPerVolt;
        if (low < cal.MinVolts || high > cal.MaxVolts)
        {
            errors.Add($"Scan area on {axis} needs {low:0.###} V to {high:0.###} V, outside the calibrated window [{cal.MinVolts}, {cal.MaxVolts}] V (size, offset, angle or overscan too large).");
        }
    }
}
