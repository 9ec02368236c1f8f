using System.Globalization;

namespace AfmEdge.Simulation.Specimens;

/// <summary>
/// How one physical field behaves over one region: its mean, its standard deviation, and its Pearson
/// correlation with height. The specimen builds the field as
/// <c>Mean + Scale·(r·z(height) + √(1−r²)·z(independent smooth field))</c>, with the z-scores computed per
/// region on the specimen's reference grid, so the requested values hold on the clean fields.
/// </summary>
public sealed record RegionField
{
    /// <summary>Mean over the region, in the channel's base unit.</summary>
    public double Mean { get; init; }

    /// <summary>Standard deviation over the region (≥ 0), in the channel's base unit.</summary>
    public double Scale { get; init; }

    /// <summary>Pearson correlation with height over the region, in [-1, 1].</summary>
    public double Correlation { get; init; }

    internal void Validate(string name, List<string> errors)
    {
        if (!double.IsFinite(Mean))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name}.Mean = {Mean}: must be finite."));
        }

        if (!(Scale >= 0 && double.IsFinite(Scale)))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name}.Scale = {Scale}: must be finite and >= 0."));
        }

        if (!(Correlation >= -1 && Correlation <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name}.Correlation = {Correlation}: |r| must be <= 1."));
        }
    }
}

/// <summary>One physical field (Current, Potential or Adhesion): its per-region behaviour and the texture of its independent part.</summary>
public sealed record ChannelField
{
    public required RegionField Background { get; init; }
    public required RegionField PArm { get; init; }
    public required RegionField Centromere { get; init; }
    public required RegionField QArm { get; init; }

    /// <summary>Correlation length (metres) of the part of the field that does not follow height.</summary>
    public double CorrelationLength { get; init; } = 200e-9;

    public RegionField For(SpecimenRegion region) => region switch
    {
        SpecimenRegion.Background => Background,
        SpecimenRegion.PArm => PArm,
        SpecimenRegion.Centromere => Centromere,
        SpecimenRegion.QArm => QArm,
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, "Unknown region."),
    };

    internal void Validate(string name, List<string> errors)
    {
        if (Background is null || PArm is null || Centromere is null || QArm is null)
        {
            errors.Add($"{name}: Background, PArm, Centromere and QArm must all be set.");
            return;
        }

        Background.Validate(name + ".Background", errors);
        PArm.Validate(name + ".PArm", errors);
        Centromere.Validate(name + ".Centromere", errors);
        QArm.Validate(name + ".QArm", errors);
        if (!(CorrelationLength > 0 && double.IsFinite(CorrelationLength)))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name}.CorrelationLength = {CorrelationLength} m: must be > 0."));
        }
    }
}

/// <summary>
/// The three physical fields recorded with topography. Defaults are plausible for chromosomes in air on a
/// conductive substrate: the substrate conducts and adheres more than chromatin; the surface potential of
/// chromatin is positive against the substrate; each region couples differently to height.
/// </summary>
public sealed record FieldOptions
{
    /// <summary>Conductive probe module 1: tip–sample current (A).</summary>
    public ChannelField Current { get; init; } = new()
    {
        Background = new RegionField { Mean = 50e-12, Scale = 2e-12, Correlation = 0.0 },
        PArm = new RegionField { Mean = 12e-12, Scale = 3e-12, Correlation = -0.6 },
        Centromere = new RegionField { Mean = 20e-12, Scale = 3e-12, Correlation = -0.2 },
        QArm = new RegionField { Mean = 9e-12, Scale = 3e-12, Correlation = -0.45 },
    };

    /// <summary>Conductive probe module 2: surface potential (V).</summary>
    public ChannelField Potential { get; init; } = new()
    {
        Background = new RegionField { Mean = 0.0, Scale = 0.005, Correlation = 0.1 },
        PArm = new RegionField { Mean = 0.12, Scale = 0.02, Correlation = 0.7 },
        Centromere = new RegionField { Mean = 0.08, Scale = 0.015, Correlation = 0.3 },
        QArm = new RegionField { Mean = 0.15, Scale = 0.02, Correlation = 0.5 },
    };

    /// <summary>Tip–sample adhesion (N), recorded by the topography probe.</summary>
    public ChannelField Adhesion { get; init; } = new()
    {
        Background = new RegionField { Mean = 8e-9, Scale = 0.3e-9, Correlation = 0.0 },
        PArm = new RegionField { Mean = 3e-9, Scale = 0.5e-9, Correlation = -0.35 },
        Centromere = new RegionField { Mean = 4.5e-9, Scale = 0.5e-9, Correlation = 0.15 },
        QArm = new RegionField { Mean = 2.5e-9, Scale = 0.5e-9, Correlation = -0.55 },
    };

    /// <summary>The field of a simulated channel by name (Current, Potential, Adhesion).</summary>
    public ChannelField For(string channel) => channel switch
    {
        SimulatedChannels.Current => Current,
        SimulatedChannels.Potential => Potential,
        SimulatedChannels.Adhesion => Adhesion,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Only Current, Potential and Adhesion are modelled fields."),
    };

    internal void Validate(string name, List<string> errors)
    {
        if (Current is null || Potential is null || Adhesion is null)
        {
            errors.Add($"{name}: Current, Potential and Adhesion must all be set.");
            return;
        }

        Current.Validate(name + ".Current", errors);
        Potential.Validate(name + ".Potential", errors);
        Adhesion.Validate(name + ".Adhesion", errors);
    }
}
