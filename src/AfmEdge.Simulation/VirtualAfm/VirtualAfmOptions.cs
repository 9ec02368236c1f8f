namespace AfmEdge.Simulation.VirtualAfm;

/// <summary>Physics and wiring of the virtual microscope. Defaults describe a 10 µm scanner with a 1 µm Z range.</summary>
public sealed record VirtualAfmOptions
{
    /// <summary>Lateral piezo sensitivity, m/V, both axes (default 0.5 µm/V: ±5 µm over ±10 V).</summary>
    public double XyMetresPerVolt { get; init; } = 0.5e-6;

    /// <summary>Z piezo sensitivity, m/V; a positive voltage extends toward the sample (default 50 nm/V).</summary>
    public double ZMetresPerVolt { get; init; } = 50e-9;

    /// <summary>First-order time constant of the piezo response, seconds.</summary>
    public double PiezoTimeConstant { get; init; } = 20e-6;

    /// <summary>Height of the tip above the substrate plane at zero Z extension, metres.</summary>
    public double TipRestHeight { get; init; } = 100e-9;

    /// <summary>Optical lever: volts of deflection signal per metre of cantilever deflection.</summary>
    public double DeflectionVoltsPerMetre { get; init; } = 1e7;

    /// <summary>Transimpedance of conductive probe module 1, V/A.</summary>
    public double CurrentVoltsPerAmpere { get; init; } = 1e9;

    /// <summary>Gain of the surface-potential module 2, V/V.</summary>
    public double PotentialGain { get; init; } = 1.0;

    /// <summary>Adhesion readout, V/N.</summary>
    public double AdhesionVoltsPerNewton { get; init; } = 1e8;

    /// <summary>White noise on every ADC input, volts RMS.</summary>
    public double NoiseVolts { get; init; } = 0.5e-3;

    /// <summary>Seed of the noise generator.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Every violated constraint, each naming the property and its value.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Positive(errors, XyMetresPerVolt, nameof(XyMetresPerVolt));
        Positive(errors, ZMetresPerVolt, nameof(ZMetresPerVolt));
        Positive(errors, PiezoTimeConstant, nameof(PiezoTimeConstant));
        Positive(errors, DeflectionVoltsPerMetre, nameof(DeflectionVoltsPerMetre));
        Positive(errors, CurrentVoltsPerAmpere, nameof(CurrentVoltsPerAmpere));
        Positive(errors, PotentialGain, nameof(PotentialGain));
        Positive(errors, AdhesionVoltsPerNewton, nameof(AdhesionVoltsPerNewton));
        if (!double.IsFinite(TipRestHeight))
        {
            errors.Add($"TipRestHeight = {TipRestHeight}: must be finite.");
        }

        if (!(NoiseVolts >= 0 && NoiseVolts < 1))
        {
            errors.Add($"NoiseVolts = {NoiseVolts}: must be in [0, 1).");
        }

        return errors;
    }

    private static void Positive(List<string> errors, double value, string name)
    {
        if (!(value > 0 && double.IsFinite(value)))
        {
            errors.Add($"{name} = {value}: must be positive and finite.");
        }
    }
}
