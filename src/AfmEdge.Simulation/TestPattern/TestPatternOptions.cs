using AfmEdge.Core;

namespace AfmEdge.Simulation.TestPattern;

/// <summary>Settings of the deterministic test pattern: the scan it pretends to run and its features.</summary>
public sealed class TestPatternOptions
{
    public int Seed { get; set; } = 1;

    /// <summary>Elongated bumps (chromosome-like ellipses) in the field.</summary>
    public int Features { get; set; } = 6;

    /// <summary>White noise on height, in metres RMS.</summary>
    public double HeightNoise { get; set; } = 0.3e-9;

    /// <summary>Features move by this much per frame along x (metres), as thermal drift would move them.</summary>
    public double DriftPerFrame { get; set; } = 5e-9;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Features is < 0 or > 64)
        {
            errors.Add($"Source:TestPattern:Features = {Features}: must be between 0 and 64.");
        }

        if (!(HeightNoise >= 0 && HeightNoise < 1e-6))
        {
            errors.Add($"Source:TestPattern:HeightNoise = {HeightNoise}: must be between 0 and 1e-6 m.");
        }

        if (!double.IsFinite(DriftPerFrame) || Math.Abs(DriftPerFrame) > 1e-6)
        {
            errors.Add($"Source:TestPattern:DriftPerFrame = {DriftPerFrame}: must be within ±1e-6 m.");
        }

        return errors;
    }

    public static IReadOnlyList<ChannelDescriptor> ChannelSet { get; } =
    [
        new("Height", PhysicalUnit.Metre),
        new("Current", PhysicalUnit.Ampere),
        new("Potential", PhysicalUnit.Volt),
        new("Adhesion", PhysicalUnit.Newton),
    ];
}
