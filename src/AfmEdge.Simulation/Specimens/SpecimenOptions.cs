using System.Globalization;

namespace AfmEdge.Simulation.Specimens;

/// <summary>
/// What a metaphase chromosome spread looks like. Every length is in metres. The specimen occupies the
/// field [0, FieldSizeX] × [0, FieldSizeY]; chromosomes are placed inside it, the substrate continues
/// beyond it. Ranges are sampled uniformly per chromosome from the seed.
/// </summary>
public sealed record SpecimenOptions
{
    public double FieldSizeX { get; init; } = 20e-6;
    public double FieldSizeY { get; init; } = 20e-6;

    /// <summary>Number of chromosomes in the field (drawn uniformly, inclusive).</summary>
    public int ChromosomeCountMin { get; init; } = 4;

    public int ChromosomeCountMax { get; init; } = 7;

    /// <summary>Axis length, telomere to telomere. A chromosome that cannot fit in the field is shortened until it does.</summary>
    public ValueRange Length { get; init; } = new(2e-6, 10e-6);

    /// <summary>Full width across both sister chromatids.</summary>
    public ValueRange Width { get; init; } = new(0.7e-6, 1.4e-6);

    /// <summary>Peak height of the chromatids above the substrate.</summary>
    public ValueRange Height { get; init; } = new(100e-9, 300e-9);

    /// <summary>p-arm length over total length; below 0.5 the p arm is the shorter one.</summary>
    public ValueRange CentromericIndex { get; init; } = new(0.25, 0.5);

    /// <summary>Depth of the groove between the sister chromatids, as a fraction of the chromatid height.</summary>
    public ValueRange GrooveDepth { get; init; } = new(0.1, 0.3);

    /// <summary>Fraction of the width lost at the primary constriction.</summary>
    public ValueRange ConstrictionDepth { get; init; } = new(0.25, 0.45);

    /// <summary>Largest total turning angle of a chromosome's axis (radians; the axis is a circular arc).</summary>
    public double MaxBend { get; init; } = 1.2;

    /// <summary>Chance that a chromosome is placed touching or crossing one already placed.</summary>
    public double TouchProbability { get; init; } = 0.25;

    /// <summary>How a touching chromosome meets the one it touches: lying across it (heights add) or against its edge.</summary>
    public TouchKind Touch { get; init; } = TouchKind.Crossing;

    /// <summary>
    /// For <see cref="TouchKind.Contact"/>: the gap between the two chromosomes' nominal edges (metres; negative overlaps
    /// them by that much, so they meet even where the rounded tips or the constriction are narrower than the full width).
    /// </summary>
    public ValueRange ContactGap { get; init; } = new(-60e-9, -20e-9);

    public int DebrisCountMin { get; init; } = 2;
    public int DebrisCountMax { get; init; } = 10;

    /// <summary>Gaussian radius (σ) of debris particles.</summary>
    public ValueRange DebrisRadius { get; init; } = new(30e-9, 250e-9);

    public ValueRange DebrisHeight { get; init; } = new(5e-9, 60e-9);

    /// <summary>RMS roughness of the substrate (mica/glass: 0.2–0.5 nm).</summary>
    public double SubstrateRoughness { get; init; } = 0.3e-9;

    public double SubstrateCorrelationLength { get; init; } = 30e-9;

    /// <summary>Relative amplitude of the height bands along the chromatids.</summary>
    public double BandingAmplitude { get; init; } = 0.06;

    public double BandLength { get; init; } = 0.35e-6;

    /// <summary>
    /// Samples per side of the grid over the field on which the per-region field statistics are computed.
    /// It belongs to the specimen, not to a scan: that is what keeps the fields independent of the scan's pixel count.
    /// </summary>
    public int ReferenceGridPixels { get; init; } = 512;

    public FieldOptions Fields { get; init; } = new();

    /// <summary>Every violated constraint, each naming the property and its value; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Positive(nameof(FieldSizeX), FieldSizeX, errors);
        Positive(nameof(FieldSizeY), FieldSizeY, errors);
        if (ChromosomeCountMin < 0 || ChromosomeCountMax < ChromosomeCountMin || ChromosomeCountMax > 100)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"ChromosomeCount = [{ChromosomeCountMin}, {ChromosomeCountMax}]: must satisfy 0 <= Min <= Max <= 100."));
        }

        Length.Validate(nameof(Length), 0.2e-6, 50e-6, "m", errors);
        Width.Validate(nameof(Width), 0.05e-6, 5e-6, "m", errors);
        Height.Validate(nameof(Height), 1e-9, 2e-6, "m", errors);
        CentromericIndex.Validate(nameof(CentromericIndex), 0.05, 0.5, string.Empty, errors);
        GrooveDepth.Validate(nameof(GrooveDepth), 0, 0.9, string.Empty, errors);
        ConstrictionDepth.Validate(nameof(ConstrictionDepth), 0, 0.9, string.Empty, errors);
        if (!(MaxBend >= 0 && MaxBend <= Math.PI))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"MaxBend = {MaxBend} rad: must be between 0 and π."));
        }

        if (!(TouchProbability >= 0 && TouchProbability <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"TouchProbability = {TouchProbability}: must be between 0 and 1."));
        }

        if (DebrisCountMin < 0 || DebrisCountMax < DebrisCountMin || DebrisCountMax > 10_000)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"DebrisCount = [{DebrisCountMin}, {DebrisCountMax}]: must satisfy 0 <= Min <= Max <= 10000."));
        }

        if (!Enum.IsDefined(Touch))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Touch = {(int)Touch}: must be Crossing or Contact."));
        }

        ContactGap.Validate(nameof(ContactGap), -0.5e-6, 0.5e-6, "m", errors);
        DebrisRadius.Validate(nameof(DebrisRadius), 1e-9, 5e-6, "m", errors);
        DebrisHeight.Validate(nameof(DebrisHeight), 0, 2e-6, "m", errors);
        if (!(SubstrateRoughness >= 0 && SubstrateRoughness < 1e-6))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"SubstrateRoughness = {SubstrateRoughness} m: must be >= 0 and below 1 µm."));
        }

        Positive(nameof(SubstrateCorrelationLength), SubstrateCorrelationLength, errors);
        if (!(BandingAmplitude >= 0 && BandingAmplitude < 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"BandingAmplitude = {BandingAmplitude}: must be in [0, 1)."));
        }

        Positive(nameof(BandLength), BandLength, errors);
        if (ReferenceGridPixels is < 32 or > 4096)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"ReferenceGridPixels = {ReferenceGridPixels}: must be between 32 and 4096."));
        }

        if (Fields is null)
        {
            errors.Add("Fields: must be set.");
        }
        else
        {
            Fields.Validate(nameof(Fields), errors);
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every violated constraint.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid specimen options: " + string.Join(" ", errors));
        }
    }

    private static void Positive(string name, double value, List<string> errors)
    {
        if (!(value > 0 && double.IsFinite(value)))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name} = {value} m: must be a positive length."));
        }
    }
}
